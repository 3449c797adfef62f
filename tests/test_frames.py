"""Analyst ergonomics: no column hidden by a pandas attribute, and dates that are dates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

import tolk
from tolk.views.frames import with_dates

FIXTURE = Path(__file__).parent / "fixtures" / "tolk-0.1.0" / "output"


def test_flags_are_a_column_not_pandas_flags(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(FIXTURE, out, symlinks=True)  # an old folder reads as before
    _, sentences = tolk.read_outputs(out)
    assert "flags" not in sentences.columns
    assert sentences.flag_names.equals(sentences["flag_names"])
    assert isinstance(sentences.flags, pd.core.flags.Flags)  # pandas' own, as ever


def test_dates_are_typed_with_their_precision():
    frame = with_dates(pd.DataFrame({"date": ["2019-03", "2025-12-04", None, "ooit"]}))
    assert str(frame["published"].dtype).startswith("datetime64")
    assert list(frame["published"].dt.strftime("%Y-%m-%d").fillna("-")) == [
        "2019-03-01",
        "2025-12-04",
        "-",
        "-",
    ]
    assert list(frame["date_precision"].fillna("-")) == ["month", "day", "-", "-"]
    assert list(frame["date"].fillna("-")) == ["2019-03", "2025-12-04", "-", "ooit"]


def test_an_old_folder_gets_the_date_columns_too(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(FIXTURE, out, symlinks=True)
    articles, _ = tolk.read_outputs(out)
    known = articles["date"].notna()
    assert articles.loc[known, "published"].notna().all()
    assert set(articles["date_precision"].dropna()) <= {"day", "month"}

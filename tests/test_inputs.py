"""Dutch news where it lives, through the whole run: a feed on a local site, tables, DataFrames.

All HTTP goes to the news site the test starts on 127.0.0.1 (tests/newssite.py).
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from newssite import SEED_PAGES

import tolk
from tolk.cli import cli
from tolk.intake.text import find_articles, parse, read_article
from tolk.run import digest
from tolk.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run_feed(site, out, model, *extra):
    args = ["run", site.url("/feed.rss"), "--out", str(out), "--model", str(model)]
    args += ["--fetch-timeout", "1", "--fetch-retries", "0", "--max-page-bytes", "2000000"]
    return CliRunner().invoke(cli, [*args, *extra])


def page_requests(site) -> int:
    """Count the requests for the feed's good pages (a bad one is asked for again each run)."""
    good = {site.page_url(seed).removeprefix(site.base) for seed in SEED_PAGES}
    return sum(n for path, n in site.requests.items() if path in good)


def test_a_feed_is_translated_and_its_bad_items_reported_by_url(site, tmp_path, tiny_marian):
    out = tmp_path / "out"
    result = run_feed(site, out, tiny_marian)
    assert result.exit_code == 1, result.output  # some items failed, the others are written
    failed = {
        line.split()[1].rstrip(":")
        for line in result.output.splitlines()
        if line.startswith("FAILED ")
    }
    assert failed == set(site.bad_urls.values())
    articles = {r["url"]: r for r in pq.read_table(out / "articles.parquet").to_pylist()}
    assert set(articles) == {site.page_url(seed) for seed in SEED_PAGES}
    for seed in SEED_PAGES:
        row = articles[site.page_url(seed)]
        assert row["source_kind"] == "web" and row["title_nl"] == seed.title
        assert row["date"] == (seed.feed_date or row["date"])
    assert (out / "fetched").is_dir()  # every fetched page is kept, compressed


def test_a_second_run_fetches_no_stored_page_and_refresh_takes_a_changed_one(
    site, tmp_path, tiny_marian, count_decodes
):
    out = tmp_path / "out"
    run_feed(site, out, tiny_marian)
    before, decoded = page_requests(site), count_decodes()
    again = run_feed(site, out, tiny_marian)
    assert page_requests(site) == before  # the feed is asked again; no stored page is
    assert count_decodes() == decoded and "0 translated" in again.output
    changed = SEED_PAGES[1]
    site.set_article(changed, "Het Kremlin zwijgt over Venezuela.\n\nDat is nieuw.")
    refreshed = run_feed(site, out, tiny_marian, "--refresh")
    assert "1 translated" in refreshed.output, refreshed.output
    rows = pq.read_table(out / "sentences.parquet").to_pylist()
    page = site.page_url(changed)
    article_id = next(
        r["id"] for r in pq.read_table(out / "articles.parquet").to_pylist() if r["url"] == page
    )
    assert [r["nl"] for r in rows if r["article_id"] == article_id][-2:] == [
        "Het Kremlin zwijgt over Venezuela.",
        "Dat is nieuw.",
    ]


def seed_table(folder) -> pd.DataFrame:
    """The articles as a table: id, date and the text without its date marker."""
    rows = []
    for path in find_articles(folder):
        article = read_article(path)
        rows.append({"id": article.id, "date": article.date, "text": article.text})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def from_files(tmp_path_factory, seed_dir, tiny_marian):
    """Translate two sample articles from their .txt files; give (folder, sentence rows)."""
    folder = tmp_path_factory.mktemp("files") / "in"
    folder.mkdir()
    for path in sorted(seed_dir.glob("*.txt"))[1:3]:
        shutil.copy(path, folder)
    out = folder.parent / "out"
    report = digest([str(folder)], out, Settings(model=str(tiny_marian)))
    assert report.failures == [] and report.translated == 2
    return folder, pq.read_table(out / "sentences.parquet").to_pylist()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_table_gives_exactly_the_txt_files_sentence_records(
    suffix, tmp_path, from_files, tiny_marian
):
    folder, expected = from_files
    frame = seed_table(folder)
    table = tmp_path / f"nieuws{suffix}"
    if suffix == ".csv":
        frame.to_csv(table, index=False)
    elif suffix == ".jsonl":
        frame.to_json(table, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(table)
    report = digest([str(table)], tmp_path / "table", Settings(model=str(tiny_marian)))
    assert report.failures == [] and report.translated == 2
    assert pq.read_table(tmp_path / "table" / "sentences.parquet").to_pylist() == expected


def test_a_notebook_user_gets_a_dataframe_back(tiny_marian):
    frame = pd.DataFrame(
        {
            "text": [
                "Het regent in Utrecht.\n\nDe minister zegt dat het 3,5 miljard kost.",
                "Kort nieuws.",
            ]
        }
    )
    result = tolk.digest_frame(frame, model=str(tiny_marian))
    assert list(result["title_nl"]) == ["Het regent in Utrecht.", "Kort nieuws."]
    assert result["key_points"].dtype.name.startswith("list<")
    assert isinstance(result["key_points"].iloc[0], list)
    assert str(result["translated_at"].dtype) == "datetime64[us, UTC]"


def test_read_outputs_keeps_lists_timestamps_and_nullable_integers(tmp_path, tiny_marian, seed_dir):
    out = tmp_path / "out"
    shutil.copytree(tolk_fixture(), out)
    articles, sentences = tolk.read_outputs(out)
    assert str(articles["n_flagged"].dtype) == "Int32" and articles["n_flagged"].isna().all()
    assert isinstance(articles["warnings"].iloc[0], list)
    assert str(articles["written_at"].dtype) == "datetime64[us, UTC]"
    assert sentences["paragraph_kind"].dtype.name == "category"
    assert sentences["flag_names"].isna().all()  # written by tolk 0.1.0: not checked


def tolk_fixture():
    from pathlib import Path

    return Path(__file__).parent / "fixtures" / "tolk-0.1.0" / "output"


def test_a_table_with_a_row_without_text_fails_that_row_alone(tmp_path, tiny_marian):
    table = tmp_path / "t.jsonl"
    table.write_text(
        json.dumps({"id": "goed", "text": "Een goede zin."})
        + "\n"
        + json.dumps({"id": "leeg", "text": ""})
        + "\n",
        encoding="utf-8",
    )
    report = digest([str(table)], tmp_path / "out", Settings(model=str(tiny_marian)))
    assert report.translated == 1
    assert [(f.source_path, "row 2" in f.source_path) for f in report.failures] == [
        (f"{table}#row 2", True)
    ]


def test_the_seeds_date_marker_and_a_table_date_agree(seed_dir):
    text = (seed_dir / "000_7dc7328cd6857435.txt").read_text(encoding="utf-8")
    date, _ = parse(text)
    assert date == "2019-03"

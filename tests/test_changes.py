"""New, changed at the source, or re-translated: the run report and latest.md tell them apart."""

from __future__ import annotations

import json
import shutil

import pytest

import tolk
from tolk.models.convert import convert
from tolk.models.store import describe
from tolk.settings import Settings
from tolk.store.changes import NEW, RETRANSLATED, SOURCE, Change, changes_of, classify


def row(sha="a", text="Hello.", **settings):
    return {
        "id": "x",
        "sha256": sha,
        "settings": json.dumps({"backend": "torch", "beams": 4, **settings}),
        "title_en": "T",
        "text_en": text,
        "summary_en": "",
    }


def test_classify_tells_new_source_and_retranslation_apart():
    assert classify(None, row()) == Change("x", NEW)
    assert classify(row(), row(sha="b", text="Other.")) == Change("x", SOURCE, (), True)
    same = classify(row(), row(backend="ct2", compute_type="int8"))
    assert same == Change("x", RETRANSLATED, ("backend", "compute type"), False)
    assert not same.is_news
    assert classify(row(), row(text="New English.", beams=2)).is_news


def test_an_older_manifest_without_changes_counts_its_articles_as_new():
    assert changes_of({"changed": ["a"]}) == {"a": Change("a", NEW)}


@pytest.mark.slow
def test_latest_tells_new_changed_and_retranslated_apart(tmp_path, tiny_marian, seed_dir):
    model = tmp_path / "models" / "tiny"
    shutil.copytree(tiny_marian, model)
    source = tmp_path / "in"
    shutil.copytree(seed_dir, source, ignore=shutil.ignore_patterns("*.md"))
    out = tmp_path / "out"
    first, *others = sorted(p.stem for p in source.glob("*.txt"))
    settings = Settings(model=str(model), beams=1, repair=False, backend="auto")

    tolk.digest([source], out, settings)
    # A converted model (ct2 float32 greedy gives torch's tokens): every article is redone,
    # with the same English. Beside it, one article changes at its source and one is new.
    convert(describe(model), "float32", store=model.parent)
    with (source / f"{first}.txt").open("a", encoding="utf-8") as f:
        f.write("\n\nDe burgemeester opende vandaag een nieuwe brug.\n")
    (source / "nieuw.txt").write_text("Het regent in Utrecht. De trein rijdt niet.\n")
    report = tolk.digest([source], out, settings)

    kinds = {c.id: c for c in report.changes}
    assert kinds["nieuw"].kind == NEW and kinds[first].kind == SOURCE
    assert {kinds[i].kind for i in others} == {RETRANSLATED}
    assert all(kinds[i].settings == ("backend",) for i in others)
    assert not any(kinds[i].english_changed for i in others)
    assert report.change_summary == (
        f"1 new, 1 changed at the source, {len(others)} re-translated (backend changed), "
        f"{len(others)} of them with the same English"
    )
    latest = (out / "latest.md").read_text(encoding="utf-8")
    assert "## New (1)" in latest and "## Changed at the source (1)" in latest
    assert "## Re-translated" not in latest  # the same English is not news
    assert f"*{len(others)} more articles were re-translated (backend changed) with the same " in (
        latest
    )
    assert latest.count("### ") == 2
    site = (out / "site" / "latest.html").read_text(encoding="utf-8")
    assert "New (1)" in site and "Changed at the source (1)" in site
    assert len(list((out / "site" / "runs").glob("*.html"))) == 2
    assert 'href="latest.html"' in (out / "site" / "index.html").read_text(encoding="utf-8")

    again = tolk.digest([source], out, settings.with_changes(beams=2))
    assert {c.kind for c in again.changes} == {RETRANSLATED}
    latest = (out / "latest.md").read_text(encoding="utf-8")
    assert "## Re-translated (" in latest and "these changed: beams." in latest

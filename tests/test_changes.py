"""New, changed at the source, or re-translated: the run report, latest.md and the feeds tell
them apart, and a re-translation that left the English as it was is not news anywhere."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

import tolk
from tolk.compose import build_digests, cache_key, make_signature
from tolk.intake.ids import content_sha256
from tolk.intake.text import parse
from tolk.models.convert import convert
from tolk.models.store import ModelInfo, describe
from tolk.records import Article
from tolk.run import commit_outputs
from tolk.settings import Settings
from tolk.store.changes import NEW, RETRANSLATED, SOURCE, Change, changes_of, classify
from tolk.store.store import OutputStore
from tolk.translate import TranslatorSpec
from tolk.translate.base import Translator
from tolk.translate.repair import Decoded

ATOM = {"a": "http://www.w3.org/2005/Atom"}


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


class Shouting(Translator):
    """'Translates' to upper case, or with `lower` to lower case (other English)."""

    backend, compute_type, device, max_input_tokens = "test", "none", "cpu", 100

    def __init__(self, lower: bool = False) -> None:
        super().__init__()
        self.lower = lower

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        return [Decoded(t.lower() if self.lower else t.upper(), -0.5, False, 3) for t in texts]


INFO = ModelInfo(None, "m", "r", "torch", default_beams=4, max_input_tokens=100)
TEXTS = {
    "a": "De minister sprak gisteren in Den Haag over de begroting van het komende jaar.",
    "b": "Het kabinet wil volgend jaar meer geld uitgeven aan de zorg en het onderwijs.",
}
DAY = datetime(2026, 1, 5, 6, tzinfo=UTC)


def commit_run(out, texts: dict[str, str], translator, day: int, **settings) -> None:
    """Translate `texts` (those with a new key) as of `day` days after DAY; commit them."""
    signature = make_signature(INFO, TranslatorSpec(device="cpu"), Settings(**settings))
    articles = []
    for article_id, text in texts.items():
        paragraphs = tuple(parse(text)[1])
        sha = content_sha256(paragraphs, "2026-01-05", None)
        articles.append(Article(article_id, f"in/{article_id}.txt", sha, "2026-01-05", paragraphs))
    with OutputStore(out) as store:
        plan = store.plan(articles, {a.id: cache_key(a, signature) for a in articles})
        digests, failures = build_digests(plan.work, translator, signature)
        assert failures == []
        store.stage([replace(d, translated_at=DAY + timedelta(days=day)) for d in digests])
        commit_outputs(store)


def feed_entries(out) -> dict[str, dict]:
    """Read feed.xml's entries by article id: updated, the change's term and label, content."""
    root = etree.parse(str(out / "feed.xml")).getroot()
    found = {}
    for entry in root.findall("a:entry", ATOM):
        change = entry.find("a:category[@scheme='tag:tolk,2026:change']", ATOM)
        found[entry.findtext("a:id", namespaces=ATOM).rsplit(":", 1)[1]] = {
            "updated": entry.findtext("a:updated", namespaces=ATOM),
            "change": (change.get("term"), change.get("label")),
            "content": entry.findtext("a:content", namespaces=ATOM),
        }
    return found


def test_the_feed_says_why_each_entry_changed_and_keeps_quiet_re_translations_quiet(tmp_path):
    out = tmp_path / "out"
    commit_run(out, TEXTS, Shouting(), day=0)
    first = feed_entries(out)
    assert {i: e["change"][0] for i, e in first.items()} == {"a": "new", "b": "new"}
    assert first["a"]["content"].startswith("<p><em>New article.</em></p>")
    assert first["a"]["updated"] == "2026-01-05T06:00:00Z"

    # Another beam count, the same English: re-translated, but not news. Nothing moves.
    commit_run(out, TEXTS, Shouting(), day=1, beams=2)
    assert feed_entries(out) == first
    items = {i["id"]: i for i in json.loads((out / "feed.json").read_text())["items"]}
    assert items["tag:tolk,2026:a"]["_tolk"] == {"change": "new", "settings": []}

    # Other English from the model as the beams change again; and `b` changes at its source.
    changed = {"a": TEXTS["a"], "b": TEXTS["b"] + " De Kamer stemt morgen."}
    commit_run(out, changed, Shouting(lower=True), day=2, beams=3)
    last = feed_entries(out)
    assert last["a"]["change"] == (
        "retranslated",
        "Re-translated, the source as it was: beams changed.",
    )
    assert last["b"]["change"] == ("changed-at-source", "Changed at the source: translated again.")
    assert {i: e["updated"] for i, e in last.items()} == {
        "a": "2026-01-07T06:00:00Z",
        "b": "2026-01-07T06:00:00Z",
    }
    assert "<em>Re-translated, the source as it was: beams changed.</em>" in last["a"]["content"]
    items = {i["id"]: i for i in json.loads((out / "feed.json").read_text())["items"]}
    assert items["tag:tolk,2026:a"]["_tolk"] == {"change": "retranslated", "settings": ["beams"]}
    assert "retranslated" in items["tag:tolk,2026:a"]["tags"]

    # An unchanged run: the same feed, why and all.
    before = (out / "feed.xml").read_bytes()
    commit_run(out, changed, Shouting(lower=True), day=3, beams=3)
    assert (out / "feed.xml").read_bytes() == before


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
    before = feed_entries(out)
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
    feed = feed_entries(out)
    assert feed["nieuw"]["change"][0] == "new" and feed[first]["change"][0] == "changed-at-source"
    assert all(feed[i] == before[i] for i in others)  # re-translated to the same English: quiet

    again = tolk.digest([source], out, settings.with_changes(beams=2))
    assert {c.kind for c in again.changes} == {RETRANSLATED}
    latest = (out / "latest.md").read_text(encoding="utf-8")
    assert "## Re-translated (" in latest and "these changed: beams." in latest
    redone = [i for i, e in feed_entries(out).items() if e["change"][0] == "retranslated"]
    assert redone and all("beams changed" in feed_entries(out)[i]["change"][1] for i in redone)

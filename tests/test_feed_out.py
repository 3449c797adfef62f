"""The output feeds from real runs: Atom that validates (RFC 4287's RELAX NG), stable ids, and
an `updated` that moves only for an article whose English changed."""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from lxml import etree

from tolk.run import digest
from tolk.settings import Settings
from tolk.store.store import OutputStore
from tolk.views.feed import FeedOptions, render_atom, xml_text

pytestmark = pytest.mark.slow  # every test here uses the module's three real runs

ATOM_RNG = Path(__file__).parent / "data" / "atom.rng"
NS = {"a": "http://www.w3.org/2005/Atom"}


def validate(text: str | bytes) -> etree._Element:
    """Parse a feed, validate it against the Atom RELAX NG schema and feedparser; give its root."""
    data = text.encode() if isinstance(text, str) else text
    root = etree.fromstring(data)
    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    assert schema.validate(root), schema.error_log
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return root


def entries(out: Path) -> dict[str, dict]:
    """Read feed.xml's entries by article id: id, updated and links."""
    root = validate((out / "feed.xml").read_bytes())
    found = {}
    for entry in root.findall("a:entry", NS):
        reader = entry.find("a:link[@rel='alternate']", NS).get("href")
        article = Path(urlsplit(reader).path).stem
        found[article] = {
            "id": entry.findtext("a:id", namespaces=NS),
            "updated": entry.findtext("a:updated", namespaces=NS),
            "links": [link.get("href") for link in entry.findall("a:link", NS)],
            "title": entry.findtext("a:title", namespaces=NS),
        }
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory, seed_dir, tiny_marian):
    """Run over four seed articles, then again with one article's Dutch changed."""
    root = tmp_path_factory.mktemp("feeds")
    source = root / "in"
    source.mkdir()
    seeds = sorted(seed_dir.glob("*.txt"))[:4]
    for path in seeds:
        shutil.copy(path, source)
    out = root / "out"
    settings = Settings(model=str(tiny_marian))
    digest([str(source)], out, settings)
    first = entries(out)
    first_bytes = (out / "feed.xml").read_bytes()
    digest([str(source)], out, settings)  # unchanged
    again = (out / "feed.xml").read_bytes()
    changed = source / seeds[1].name
    changed.write_text(changed.read_text() + "\n\nDe minister zegt dat het regent in Utrecht.\n")
    digest([str(source)], out, settings)
    return out, first, first_bytes, again, entries(out), seeds[1].stem


def test_the_feed_validates_and_links_to_pages_that_exist(runs):
    out, first, *_ = runs
    assert len(first) == 4
    stored = {p.stem for p in (out / "site").glob("*.html")} - {"index", "latest"}
    assert set(first) == stored
    feed_url = (out / "feed.xml").as_uri()
    for entry in first.values():
        for href in entry["links"]:
            target = Path(urlsplit(urljoin(feed_url, href)).path)
            assert target.is_file(), href  # relative to the feed: the reader's pages
    root = etree.parse(str(out / "feed.xml")).getroot()
    assert root.find("a:author/a:name", NS).text == "tolk"
    for entry in root.findall("a:entry", NS):
        assert entry.find("a:category", NS).get("term")  # the model
        content = entry.findtext("a:content", namespaces=NS)
        assert "sentences flagged" in content and "Bilingual reader" in content


def test_the_feed_is_linked_from_the_indexes_and_the_latest_digest(runs):
    out = runs[0]
    assert "(feed.xml)" in (out / "index.md").read_text()
    assert "(feed.xml)" in (out / "latest.md").read_text()
    site = (out / "site" / "index.html").read_text()
    assert 'href="../feed.xml"' in site and "application/atom+xml" in site
    items = json.loads((out / "feed.json").read_text())["items"]
    assert len(items) == 4 and all(i["id"].startswith("tag:tolk,") for i in items)


def test_ids_stay_and_updated_moves_only_for_the_changed_article(runs):
    _, first, first_bytes, again, last, changed = runs
    assert again == first_bytes  # nothing changed: the same feed, byte for byte
    assert {k: v["id"] for k, v in first.items()} == {k: v["id"] for k, v in last.items()}
    moved = {k for k in first if first[k]["updated"] != last[k]["updated"]}
    assert moved == {changed}
    assert last[changed]["updated"] > first[changed]["updated"]


def test_updated_moves_even_when_the_change_comes_within_the_same_second(
    monkeypatch, seed_dir, tiny_marian, tmp_path
):
    """A fast update used to keep its entry's `updated` (to the second) and so hide the news."""
    import tolk.records

    frozen = datetime(2026, 12, 4, 5, 4, 31, 250000, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen if tz else frozen.replace(tzinfo=None)

    monkeypatch.setattr(tolk.records, "datetime", Frozen)
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    seed = sorted(seed_dir.glob("*.txt"))[0]
    shutil.copy(seed, source)
    settings = Settings(model=str(tiny_marian))
    digest([str(source)], out, settings)
    (first,) = entries(out).values()
    changed = source / seed.name
    changed.write_text(changed.read_text() + "\n\nDe minister zegt dat het regent in Utrecht.\n")
    digest([str(source)], out, settings)
    (last,) = entries(out).values()
    assert first["updated"] == "2026-12-04T05:04:31Z"
    assert last["updated"] == "2026-12-04T05:04:32Z"  # a second on: a feed reader sees it


def test_full_content_site_url_and_entry_limit(runs, tiny_marian, tmp_path):
    out = shutil.copytree(runs[0], tmp_path / "out", symlinks=True)
    settings = Settings(
        model=str(tiny_marian),
        feed_entries=2,
        feed_content="full",
        site_url="https://news.example.org/tolk/",
    )
    report = digest([], out, settings)
    assert report.translated == 0
    root = validate((out / "feed.xml").read_bytes())
    found = root.findall("a:entry", NS)
    assert len(found) == 2
    links = [link.get("href") for e in found for link in e.findall("a:link", NS)]
    assert all(h.startswith("https://news.example.org/tolk/") for h in links)
    with OutputStore(out) as store:
        (kept,) = store.digests([Path(urlsplit(links[0]).path).stem])
    content = found[0].findtext("a:content", namespaces=NS)
    last_sentence = kept.pairs[-1].en
    assert html.escape(xml_text(last_sentence))[:20] in content  # the whole text


def test_text_xml_does_not_allow_is_dropped_and_markup_escaped(runs):
    with OutputStore(runs[0]) as store:
        one = next(store.digests(list(store.stored)[:1]))
    hostile = replace(one, title_en="Bad \x01\x0b title \ud800 <b>&amp;</b>", summary_en="\x1f]]>")
    text = render_atom([hostile], {one.article.id: "2026-01-01T00:00:00Z"}, FeedOptions(), "x")
    root = validate(text)
    assert root.findtext("a:entry/a:title", namespaces=NS).startswith("Bad  title  <b>&amp;</b>")

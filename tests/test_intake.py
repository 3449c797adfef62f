"""Intake checks: text no writer can store fails its own row, item or file, and nothing else.

A lone surrogate, a NUL in a table cell, a control character or U+FFFE/U+FFFF in a title or a
URL: each costs only the row or item that holds it, named with where the character stands.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from click.testing import CliRunner
from newssite import SEED_PAGES, Response
from test_sources import OPTIONS, Session, run

from tolk.cli import cli
from tolk.intake.feeds import parse_feed
from tolk.intake.ids import make_id
from tolk.intake.listing import items_from_frame
from tolk.intake.sources import read_items
from tolk.intake.textcheck import check_article
from tolk.records import Article, Paragraph
from tolk.run import digest
from tolk.settings import Settings

GOOD = "Het regent vandaag in Utrecht. De grachten lopen vol."


@pytest.fixture
def session(tmp_path) -> Session:
    """Give web sessions over an empty page archive."""
    return Session(tmp_path / "archive")


def write_jsonl(path, rows) -> None:
    # json.dumps escapes a lone surrogate as \ud800, which json.loads accepts back.
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_a_table_row_with_a_lone_surrogate_fails_alone_naming_row_and_position(tmp_path, session):
    table = tmp_path / "table.jsonl"
    write_jsonl(table, [{"id": "goed", "text": GOOD}, {"id": "surr", "text": "Los \ud800 hier."}])
    articles, failures, _ = run([table], session)
    assert [a.id for a in articles] == ["goed"]
    [failure] = failures
    assert failure.article_id == "surr"
    assert failure.source_path == f"{table}#row 2"
    assert "an unpaired surrogate (U+D800) at character 5" in failure.reason
    failure.reason.encode("utf-8")  # the message itself can be printed and stored


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("title", "Kop\x00", "a NUL character at character 4"),
        ("text", "Tekst met \x00 erin.", "a NUL character at character 11"),
        ("title", "Kop \x07 hier", "the control character U+0007 at character 5"),
        ("url", "https://example.nl/a\x01", "the control character U+0001 at character 21"),
        ("title", "Kop \uffff", "the noncharacter U+FFFF at character 5"),
        ("id", "a\ud83d", "an unpaired surrogate (U+D83D) at character 2"),
    ],
)
def test_a_dataframe_cell_no_writer_can_store_fails_its_row(column, value, says):
    rows = [{"text": GOOD, column: None}, {"text": GOOD, column: value}]
    if column == "text":
        rows = [{"text": GOOD}, {"text": value}]
    frame = pd.DataFrame(rows, dtype=object)  # pandas' Arrow strings cannot hold a surrogate
    items, failures = items_from_frame(frame, OPTIONS)
    articles, more = read_items(items, OPTIONS)
    assert len(articles) == 1 and more == []
    [failure] = failures
    assert failure.source_path == "DataFrame#row 2"
    assert f"column {column!r} holds {says}" in failure.reason


def test_a_csv_with_a_nul_in_a_title_cell_fails_that_row(tmp_path, session):
    table = tmp_path / "t.csv"
    pd.DataFrame([{"text": GOOD, "title": "Goed"}, {"text": GOOD, "title": "Ka\x00pot"}]).to_csv(
        table, index=False
    )
    articles, failures, _ = run([table], session)
    assert len(articles) == 1
    [failure] = failures
    assert failure.source_path == f"{table}#row 2" and "a NUL character" in failure.reason


def test_a_feed_item_with_a_surrogate_reference_fails_alone(site, session):
    seeds = SEED_PAGES[:2]
    feed = site.rss(seeds, bad=False).replace(
        f"<title>{seeds[1].title}".encode(), f"<title>{seeds[1].title} &#xD800;".encode()
    )
    site.paths["/kapot.rss"] = Response(feed, "application/rss+xml")
    articles, failures, _ = run([site.url("/kapot.rss")], session)
    assert [a.source_path for a in articles] == [site.page_url(seeds[0])]
    [failure] = failures
    assert failure.source_path == site.page_url(seeds[1])
    assert "the title holds a character reference to no character" in failure.reason


def test_a_feed_with_bad_references_still_parses():
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>A &#55296; \x01 b</title><link>http://n.nl/a.html</link></item>"
        b"<item><title>Goed</title><link>http://n.nl/b.html</link></item></channel></rss>"
    )
    feed = parse_feed(data, "http://n.nl/feed")
    assert [i.title for i in feed.items][1] == "Goed"


def test_a_page_with_xml_forbidden_characters_is_kept_without_them(site, session):
    seed = SEED_PAGES[0]
    site.set_article(seed, "Het regent \ufffe in \x01 Utrecht. " * 5)
    site.paths["/een.rss"] = Response(site.rss([seed], bad=False), "application/rss+xml")
    articles, failures, _ = run([site.url("/een.rss")], session)
    assert failures == []
    text = articles[0].text
    assert "\ufffe" not in text and "\x01" not in text and "Utrecht" in text


def test_a_folder_file_with_a_nul_fails_alone_and_a_noncharacter_is_replaced(tmp_path, session):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "goed.txt").write_text(GOOD + " \ufffe", encoding="utf-8")
    (folder / "kapot.txt").write_text("Tekst \x00 met een NUL.", encoding="utf-8")
    articles, failures, _ = run([folder], session)
    assert [a.id for a in articles] == ["goed"]
    assert "\ufffe" not in articles[0].text
    assert any("U+FFFE" in w for w in articles[0].warnings)
    assert [f.article_id for f in failures] == ["kapot"]


def test_the_last_guard_refuses_any_article_that_slipped_through():
    article = Article("a", "src", "0" * 64, None, (Paragraph(0, "body", "Ok"),))
    check_article(article)
    paragraphs = (Paragraph(0, "body", "Ok"), Paragraph(1, "body", "x\ud800"))
    bad = Article("a", "src", "0" * 64, None, paragraphs)
    with pytest.raises(Exception, match="at character 2 of paragraph 2"):
        check_article(bad)


def test_a_lone_surrogate_in_a_name_gives_an_id():
    assert make_id("a\ud800b").startswith("ab-")


@pytest.mark.slow
def test_every_source_kind_costs_only_its_bad_item_and_the_tmx_is_xml(
    tmp_path, site, tiny_marian, seed_dir
):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted(seed_dir.glob("*.txt"))[0], folder)
    (folder / "nul.txt").write_text("Tekst \x00 met een NUL.", encoding="utf-8")
    table = tmp_path / "table.jsonl"
    write_jsonl(table, [{"id": "goed", "text": GOOD}, {"id": "surr", "text": "Los \ud800 hier."}])
    seeds = SEED_PAGES[:2]
    feed = site.rss(seeds, bad=False).replace(
        f"<title>{seeds[1].title}".encode(), f"<title>&#xDFFF; {seeds[1].title}".encode()
    )
    site.paths["/kapot.rss"] = Response(feed, "application/rss+xml")
    frame = pd.DataFrame(
        [{"id": "df-goed", "text": GOOD}, {"id": "df-kapot", "text": "Ook \udc00 kapot."}],
        dtype=object,
    )
    out = tmp_path / "out"
    sources = [folder, table, site.url("/kapot.rss"), frame]
    report = digest(sources, out, Settings(model=str(tiny_marian), fetch_retries=0))

    failed = {f.source_path: f.article_id for f in report.failures}
    assert set(failed.values()) == {"df-kapot", "nul", "surr", failed[site.page_url(seeds[1])]}
    assert report.translated == 4  # a seed file, a row, a page and a DataFrame row
    tmx = tmp_path / "out.tmx"
    result = CliRunner().invoke(cli, ["export", str(out), "--format", "tmx", "--to", str(tmx)])
    assert result.exit_code == 0, result.output
    ET.parse(tmx)  # well-formed XML


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_the_cli_gives_exit_1_stores_the_good_row_and_names_the_bad_one(tmp_path, tiny_marian):
    table = tmp_path / "table.jsonl"
    table.write_text(
        '{"id": "good", "text": "Het regent in Utrecht."}\n'
        '{"id": "surr", "text": "Los surrogaat \\ud800 hier."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(table), "--out", str(out), "--model", str(tiny_marian)]
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert lines == [
        f"FAILED {table}#row 2: {table}#row 2: the column 'text' holds an unpaired surrogate "
        "(U+D800) at character 15: the export that wrote this text is broken; fix it at the "
        "source"
    ]
    import pyarrow.parquet as pq

    assert pq.read_table(out / "articles.parquet")["id"].to_pylist() == ["good"]

"""Sources: folders, tables and feeds listed as items and read as articles.

Web sources come from the local news site on 127.0.0.1; waits between retries are recorded,
not slept.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from newssite import BOILERPLATE, SEED_PAGES, SEEDS, article_page

from tolk.compose import segment
from tolk.errors import BadTable
from tolk.intake.archive import PageArchive
from tolk.intake.fetch import Fetcher
from tolk.intake.fetch_terms import FetchOptions
from tolk.intake.ids import url_id
from tolk.intake.listing import items_from_frame, list_items
from tolk.intake.sources import SourceOptions, read_items
from tolk.intake.tables import parse_columns
from tolk.intake.text import find_articles, read_article
from tolk.intake.web import Web

OPTIONS = SourceOptions(
    fetch=FetchOptions(
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=5.0,
        max_bytes=1_000_000,
        retry_delays=(1.0,),
    ),
    read_delays=(),
)


class Session:
    """Open web sessions over one archive, recording the waits they ask for."""

    def __init__(self, root: Path) -> None:
        self.archive, self.sleeps = PageArchive(root), []

    def open(self, options: SourceOptions = OPTIONS) -> Web:
        return Web(Fetcher(options.fetch, sleep=self.sleeps.append), self.archive)


@pytest.fixture
def session(tmp_path) -> Session:
    """Give web sessions over an empty page archive."""
    return Session(tmp_path / "archive")


def run(specs, session: Session, options: SourceOptions = OPTIONS):
    """List and read sources as a run does, in one web session."""
    with session.open(options) as web:
        items, failures, notes = list_items(specs, options, web)
        articles, read_failures = read_items(items, options, web)
    return articles, failures + read_failures, notes


def seed_articles():
    return [read_article(path) for path in find_articles(SEEDS)]


def test_a_feed_gives_its_articles_and_the_bad_links_fail_by_url(site, session):
    articles, failures, notes = run([site.url("/feed.rss")], session)
    assert notes == []
    assert [a.url for a in articles] == [site.page_url(s) for s in SEED_PAGES]
    for article, seed, expected in zip(articles, SEED_PAGES, seed_articles(), strict=True):
        heading, *paragraphs = article.paragraphs
        assert (heading.kind, heading.text) == ("heading", seed.title)
        assert [(p.kind, p.text) for p in paragraphs] == [
            (p.kind, p.text) for p in expected.paragraphs
        ]
        assert [b for b in BOILERPLATE if b in article.text] == []
        assert article.date == (seed.feed_date or seed.published)
        assert (article.id, article.source_path) == (url_id(article.url), article.url)
        assert article.source_kind == "web"
    bad = site.bad_urls
    assert {f.source_path: f.reason.removeprefix(f.source_path + ": ") for f in failures} == {
        bad["dead"]: "404 Not Found; the page is gone: check the link, or leave it out",
        bad["slow"]: "timed out after 0.5 s waiting for data (2 tries); try again later",
        bad["pdf"]: "not an HTML page (content-type application/pdf); give tolk the address "
        "of an HTML page",
        bad["huge"]: "over the size limit of 1 MB; this is not a news article page, or raise "
        "the limit",
    }
    assert [f.article_id for f in failures] == [url_id(f.source_path) for f in failures]


def test_an_rss_and_an_atom_feed_of_the_same_pages_read_each_once(site, session):
    articles, failures, notes = run([site.url("/goed.rss"), site.url("/feed.atom")], session)
    assert len(articles) == 5 and failures == []
    assert notes == [f"{site.url('/feed.atom')}: 5 pages listed by an earlier source; read once"]
    assert all(site.requests[f"/nieuws/{s.slug}.html"] == 1 for s in SEED_PAGES)


def test_a_second_run_fetches_no_stored_page(site, session):
    first, _, _ = run([site.url("/goed.rss")], session)
    again, failures, _ = run([site.url("/goed.rss")], session)
    assert failures == [] and again == first
    assert all(site.requests[f"/nieuws/{s.slug}.html"] == 1 for s in SEED_PAGES)
    # The feed itself is asked again, conditionally: it may have new items.
    assert (site.requests["/goed.rss"], site.conditional["/goed.rss"]) == (2, 1)


def test_refresh_reads_a_changed_page_again_and_keeps_unchanged_ones(site, session):
    first, _, _ = run([site.url("/goed.rss")], session)
    changed = SEED_PAGES[2]
    text = (SEEDS / f"{changed.stem}.txt").read_text(encoding="utf-8")
    site.set_article(changed, text.replace("17 miljard", "18 miljard"))
    stale, _, _ = run([site.url("/goed.rss")], session)
    assert stale == first  # without refresh, the archived copy is used
    fresh, failures, _ = run([site.url("/goed.rss")], session, replace(OPTIONS, refresh=True))
    assert failures == []
    differ = [(b.id, "18 miljard" in b.text) for a, b in zip(first, fresh, strict=True) if a != b]
    assert differ == [(url_id(site.page_url(changed)), True)]
    assert sum(site.conditional[f"/nieuws/{s.slug}.html"] for s in SEED_PAGES) == 5


def test_a_throttled_page_is_read_after_the_wait_it_asks(site, session):
    site.throttle[f"/nieuws/{SEED_PAGES[3].slug}.html"] = 1
    articles, failures, _ = run([site.url("/goed.rss")], session)
    assert len(articles) == 5 and failures == []
    assert session.sleeps == [1.0]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/geen-feed.rss", "404 Not Found; the page is gone"),
        (f"/nieuws/{SEED_PAGES[0].slug}.html", "not an RSS or Atom feed"),
    ],
    ids=["missing", "a-page"],
)
def test_a_feed_that_cannot_be_read_fails_by_url(site, session, path, reason):
    articles, failures, _ = run([site.url(path), str(SEEDS)], session)
    assert len(articles) == 5
    [failure] = failures
    assert failure.source_path == site.url(path) and reason in failure.reason


def seed_frame(text: str = "text", id_: str = "id") -> pd.DataFrame:
    paths = find_articles(SEEDS)
    return pd.DataFrame(
        {id_: [p.stem for p in paths], text: [p.read_text(encoding="utf-8") for p in paths]}
    )


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path)
    return path


def assert_same_as_txt_files(articles, origin: str):
    expected = seed_articles()
    assert [a.id for a in articles] == [e.id for e in expected]
    for n, (article, txt) in enumerate(zip(articles, expected, strict=True), 1):
        assert article.paragraphs == txt.paragraphs
        assert article.date == txt.date
        assert segment(article) == segment(txt)  # and so the same sentence records
        assert (article.source_path, article.source_kind) == (f"{origin}#row {n}", "table")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_table_of_the_seeds_gives_the_txt_files_paragraphs(tmp_path, session, suffix):
    table = write_table(seed_frame(), tmp_path / f"seeds{suffix}")
    articles, failures, notes = run([table], session)
    assert failures == [] and notes == []
    assert_same_as_txt_files(articles, str(table))


def test_columns_can_be_mapped(tmp_path, session):
    table = write_table(seed_frame("body", "guid"), tmp_path / "seeds.csv")
    options = SourceOptions(columns=parse_columns("text=body,id=guid"), read_delays=())
    articles, failures, _ = run([table], session, options)
    assert failures == []
    assert_same_as_txt_files(articles, str(table))


def test_a_dataframe_gives_the_same_articles():
    items, failures = items_from_frame(seed_frame())
    articles, read_failures = read_items(items)
    assert failures == read_failures == []
    assert_same_as_txt_files(articles, "DataFrame")


def test_a_title_column_opens_the_article_as_a_heading():
    frame = pd.DataFrame(
        {
            "text": ["Eerste alinea.\n\nTweede."],
            "title": ["De kop"],
            "date": ["2025-12-02T08:00:00"],
        }
    )
    [article], _ = read_items(items_from_frame(frame)[0])
    assert [(p.index, p.kind, p.text) for p in article.paragraphs] == [
        (0, "heading", "De kop"),
        (1, "body", "Eerste alinea."),
        (2, "body", "Tweede."),
    ]
    assert (article.id, article.date) == ("DataFrame-row1", "2025-12-02")


def test_bad_rows_fail_alone_naming_the_table_and_row(tmp_path, session):
    csv = tmp_path / "nieuws.csv"
    csv.write_text("id,text,date\na,Goede tekst.,2019-03\nb,,2019-03\nc,Tekst.,maart\n")
    jsonl = tmp_path / "nieuws.jsonl"
    jsonl.write_text(
        '{"id": "d", "text": "Goede tekst."}\n{"id": "e", "text": \n'
        '{"id": "f", "text": 17}\n["g"]\n{"id": "h", "text": "Tekst.", "url": "ftp://x"}\n'
    )
    articles, failures, _ = run([csv, jsonl], session)
    assert [a.id for a in articles] == ["a", "d"]
    assert [(f.article_id, f.reason) for f in failures] == [
        ("b", f"{csv}#row 2: no text in column 'text'; fill it or drop the row"),  # its own id
        (
            "c",
            f"{csv}#row 3: date 'maart' is not a date; write it as YYYY-MM-DD or YYYY-MM",
        ),
        (
            "nieuws-row2",
            f"{jsonl}#row 2: not valid JSON (Expecting value: line 1 column 20 (char 19)); fix the line",
        ),
        (
            "f",
            f"{jsonl}#row 3: column 'text' holds int 17, not text; fix the row or map another column",
        ),
        ("nieuws-row4", f"{jsonl}#row 4: not a JSON object; write one per line"),
        ("h", f"{jsonl}#row 5: url 'ftp://x' is not an http(s) address; fix or clear it"),
    ]


def test_a_table_without_a_text_column_fails_whole(tmp_path, session):
    table = tmp_path / "nieuws.csv"
    table.write_text("kop,inhoud\nA,Tekst.\n")
    articles, failures, _ = run([table, str(SEEDS)], session)
    assert len(articles) == 5
    assert [(f.source_path, f.reason) for f in failures] == [
        (
            str(table),
            f"{table}: no 'text' column (it has: kop, inhoud); name the column that holds the "
            "text, for example --columns text=body",
        )
    ]


def test_a_mapped_column_must_exist(tmp_path, session):
    table = write_table(seed_frame("body"), tmp_path / "seeds.parquet")
    options = SourceOptions(columns=parse_columns("text=body,id=guid"), read_delays=())
    [failure] = list_items([table], options)[1]
    assert failure.reason == (
        f"{table}: no 'guid' column for id (it has: id, body); check the column mapping"
    )


@pytest.mark.parametrize(
    "spec",
    ["text", "tekst=body", "text=", "text=body,=guid"],
    ids=["bare", "name", "empty", "no-name"],
)
def test_a_column_mapping_that_cannot_be_read_is_refused(spec):
    with pytest.raises(BadTable, match="write NAME=COLUMN pairs separated by commas"):
        parse_columns(spec)


def test_a_taken_id_fails_naming_both_sources(tmp_path, session):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Tekst van a.")
    (folder / "a.html").write_bytes(article_page(SEED_PAGES[0], "https://x.example"))
    table = write_table(
        pd.DataFrame({"id": ["a", "b"], "text": ["Rij a.", "Rij b."]}), tmp_path / "t.csv"
    )
    articles, failures, _ = run([folder, table], session)
    assert [(a.id, a.source_path) for a in articles] == [
        ("a", str(folder / "a.html")),
        ("b", f"{table}#row 2"),
    ]
    assert [f.reason for f in failures] == [
        f"{folder / 'a.txt'}: gives the article id 'a', which {folder / 'a.html'} already has; "
        "rename one of them (or give a table an id column) so each article has its own id",
        f"{table}#row 1: gives the article id 'a', which {folder / 'a.html'} already has; "
        "rename one of them (or give a table an id column) so each article has its own id",
    ]


def test_a_folder_reads_saved_pages_beside_text_files(tmp_path, session):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    seed = SEED_PAGES[1]
    (folder / "opgeslagen.HTML").write_bytes(article_page(seed, "https://x.example"))
    articles, failures, notes = run([folder], session)
    assert failures == []
    assert notes == [f"{folder}: skipped 1 entry that is not an article (README.md)"]
    page = next(a for a in articles if a.id == "opgeslagen")
    assert (page.source_kind, page.url, page.date) == (
        "file",
        f"https://x.example/nieuws/{seed.slug}",
        seed.published,
    )
    assert page.paragraphs[0].text == seed.title
    assert page.paragraphs[1:] == tuple(
        p.__class__(p.index + 1, p.kind, p.text)
        for p in read_article(SEEDS / f"{seed.stem}.txt").paragraphs
    )


def test_sources_that_are_none_fail_alone(tmp_path, session):
    (tmp_path / "notities.docx").write_bytes(b"PK")
    specs = [
        "ftp://nieuws.example/feed",
        tmp_path / "weg",
        tmp_path / "notities.docx",
        SEEDS,
        SEEDS,
    ]
    items, failures, notes = list_items(specs, OPTIONS)
    assert len(items) == 5
    assert [f.reason.split(": ", 1)[1] for f in failures] == [
        "tolk reads http(s) feed URLs only; give an http(s) address",
        "no such file or folder; check the path",
        "not a folder, .txt, .html, .htm, .csv, .jsonl, .ndjson, .parquet file or http(s) feed "
        "URL; give one of those",
    ]
    assert notes[-1] == f"{SEEDS}: 5 files listed by an earlier source; read once"


def test_reading_in_chunks_gives_the_same_articles(site, session):
    with session.open() as web:
        items, _, _ = list_items([SEEDS, site.url("/goed.rss")], OPTIONS, web)
        whole, _ = read_items(items, OPTIONS, web)
        chunks = [read_items(items[n : n + 3], OPTIONS, web)[0] for n in range(0, len(items), 3)]
    assert [a for chunk in chunks for a in chunk] == whole
    assert len(whole) == 10


def test_json_lines_keep_unicode(tmp_path, session):
    table = tmp_path / "t.jsonl"
    table.write_text(json.dumps({"text": "Chávez en Oekraïne."}, ensure_ascii=True) + "\n")
    [article], _, _ = run([table], session)
    assert article.text == "Chávez en Oekraïne." and article.id == "t-row1"


def test_without_a_web_session_each_call_opens_its_own(site):
    items, failures, _ = list_items([site.url("/goed.rss")], OPTIONS)
    articles, read_failures = read_items(items[:2], OPTIONS)
    assert failures == read_failures == [] and len(articles) == 2

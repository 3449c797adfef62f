import os
import re
from dataclasses import replace

import pyarrow.parquet as pq
import pytest
from markdown_it import MarkdownIt

from tolk import __version__
from tolk.pipeline import Options, build_digests, make_signature
from tolk.read import parse
from tolk.records import ARTICLES_SCHEMA, SENTENCES_SCHEMA, Article
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.write_markdown import escape, render_article, render_index
from tolk.write_parquet import (
    ARTICLES_FILE,
    SENTENCES_FILE,
    read_table,
    stored_digests,
    write_parquet,
)

INJECTION = (
    "Klik [hier](http://evil.example) of ![x](http://evil.example/p.png) <script>alert(1)</script>.\n\n"
    "| kolom | kolom |\n\n"
    "1. Waarom is dit een lijst?\n\n"
    "# Kop\n\n"
    "Mail jan@nos.nl of kijk op https://nos.nl/artikel en www.nos.nl voor **meer**."
)


def article(article_id: str, text: str, date: str | None = "2025-11") -> Article:
    _, paragraphs = parse(text)
    return Article(article_id, f"in/{article_id}.txt", "0" * 64, date, tuple(paragraphs))


@pytest.fixture(scope="module")
def tiny(tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian))
    return load_translator(spec), make_signature(select_model(spec), Options())


def digests_for(tiny, *articles):
    translator, signature = tiny
    digests, failures = build_digests(list(articles), translator, signature)
    assert failures == []
    return digests


def test_parquet_schemas_metadata_and_compression(tmp_path, tiny):
    digests = digests_for(tiny, article("a", "Eerste zin. Tweede zin.\n\nKop"))
    write_parquet(tmp_path, digests)
    for name, schema in ((ARTICLES_FILE, ARTICLES_SCHEMA), (SENTENCES_FILE, SENTENCES_SCHEMA)):
        parquet = pq.ParquetFile(tmp_path / name)
        assert parquet.schema_arrow.remove_metadata().equals(schema), name
        assert parquet.schema_arrow.metadata[b"tolk_version"] == __version__.encode()
        assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    row = pq.read_table(tmp_path / ARTICLES_FILE).to_pylist()[0]
    assert row["backend"] == "torch" and row["beams"] == 4 and row["n_sentences"] == 3
    assert row["translated_at"].tzinfo is not None


def test_runs_accumulate_and_replace_changed_articles(tmp_path, tiny):
    write_parquet(
        tmp_path, digests_for(tiny, article("a", "Zin een. Zin twee."), article("b", "Zin b."))
    )
    write_parquet(
        tmp_path, digests_for(tiny, article("a", "Nieuwe tekst van a."), article("c", "Zin c."))
    )
    articles = read_table(tmp_path / ARTICLES_FILE, ARTICLES_SCHEMA)
    sentences = read_table(tmp_path / SENTENCES_FILE, SENTENCES_SCHEMA)
    assert articles["id"].to_pylist() == ["b", "a", "c"]  # kept rows, then this run's
    a_rows = [s for s in sentences.to_pylist() if s["article_id"] == "a"]
    assert [s["nl"] for s in a_rows] == ["Nieuwe tekst van a."]
    assert sorted(set(sentences["article_id"].to_pylist())) == ["a", "b", "c"]


def test_stored_digests_round_trip(tmp_path, tiny):
    [digest] = digests_for(
        tiny,
        article("a", "Kop\n\nDe eerste zin is lang genoeg om te tellen. En nog een zin erbij."),
    )
    write_parquet(tmp_path, [digest])
    back = stored_digests(tmp_path, {"a": digest.cache_key})["a"]
    assert back.pairs == digest.pairs
    assert back.key_points == digest.key_points
    assert back.article.paragraphs == digest.article.paragraphs
    assert back.signature == digest.signature
    assert stored_digests(tmp_path, {"a": "another key"}) == {}


def test_a_crash_while_writing_keeps_the_last_good_output(tmp_path, tiny, monkeypatch):
    write_parquet(tmp_path, digests_for(tiny, article("a", "Zin a.")))
    before = (tmp_path / ARTICLES_FILE).read_bytes()

    def crash(self, batch, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", crash)
    with pytest.raises(OSError, match="disk full"):
        write_parquet(tmp_path, digests_for(tiny, article("b", "Zin b.")))
    assert (tmp_path / ARTICLES_FILE).read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_article_text_cannot_inject_markup(tiny):
    [digest] = digests_for(tiny, article("evil", INJECTION))
    digest = replace(digest, pairs=tuple(replace(p, en=p.nl) for p in digest.pairs))
    html = rendered(render_article(digest))
    for tag in ("<a ", "<img", "<script", "<table", "<ol", "<h1>Kop"):
        assert tag not in html, tag
    assert "&lt;script&gt;" in html
    assert "1. Waarom is dit een lijst?" in html
    assert "https://nos.nl/artikel" in html


@pytest.mark.parametrize(
    "text",
    [
        "[a](b)",
        "<b>vet</b>",
        "a | b",
        "*x*",
        "`code`",
        "![i](j)",
        "- item",
        "2) twee",
        "AT&T",
        "\\",
    ],
)
def test_escape_renders_literally(text):
    html = rendered(escape(text))
    plain = (
        re.sub(r"</?p>\n?", "", html)
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    assert plain == text


def test_article_page_layout(tiny):
    text = " date 2019-03 Een foto van het vliegveld. Beeld AFP\n\nKremlin\n\nDe eerste zin van het stuk. Nog een."
    [digest] = digests_for(tiny, article("x", text))
    page = render_article(digest)
    headings = re.findall(r"^#+ .*$", page, re.MULTILINE)
    assert headings[0].startswith("# ")
    assert [h for h in headings if h.startswith("## ")] == [
        "## Summary",
        "## Key points",
        "## Full text",
    ]
    assert "Photo: AFP" in page and "> Een foto van het vliegveld\\. Beeld AFP" not in page
    assert "Source SHA-256 `" + "0" * 64 + "`" in page
    assert digest.signature.model_id in page and "4 beams" in page


def test_index_lists_every_article_with_a_link(tmp_path, tiny):
    write_parquet(
        tmp_path, digests_for(tiny, article("a b", "Zin a."), article("c", "Zin c.", None))
    )
    index = render_index(read_table(tmp_path / ARTICLES_FILE, ARTICLES_SCHEMA))
    assert "(articles/a%20b.md)" in index and "(articles/c.md)" in index
    assert index.index("2025-11") < index.index("undated")

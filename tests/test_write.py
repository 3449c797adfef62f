"""The Markdown views: layout, escaping (rendered with linkify on), the index."""

import re
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt
from support import article, digests_for

from tolk.compose import make_signature
from tolk.records import WITHHELD_FLAGGED
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.views.indexes import render_index
from tolk.views.markdown import escape, render_article, render_article_en

INJECTION = (
    "Klik [hier](http://evil.example) of ![x](http://evil.example/p.png) <script>alert(1)</script>.\n\n"
    "| kolom | kolom |\n\n"
    "1. Waarom is dit een lijst?\n\n"
    "# Kop\n\n"
    "Mail jan@nos.nl of kijk op https://nos.nl/artikel en www.nos.nl voor **meer**."
)


@pytest.fixture(scope="module")
def tiny(tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian))
    return load_translator(spec), make_signature(select_model(spec), spec, Settings())


def rendered(markdown: str) -> str:
    """Render as GitHub-like viewers do: tables, and bare URLs turned into links (linkify)."""
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(markdown)


def test_linkify_is_really_on():
    assert '<a href="https://nos.nl/artikel"' in rendered("zie https://nos.nl/artikel nu")


def test_article_text_cannot_inject_markup(tiny):
    [digest] = digests_for(*tiny, article("evil", INJECTION))
    digest = replace(digest, pairs=tuple(replace(p, en=p.nl) for p in digest.pairs))
    html = rendered(render_article(digest))
    assert re.findall(r"<a [^>]*>", html) == ['<a href="evil.en.md">']  # only the page's own link
    for tag in ("<img", "<script", "<table", "<ol", "<h1>Kop"):
        assert tag not in html, tag
    assert "&lt;script&gt;" in html
    assert "1. Waarom is dit een lijst?" in html
    assert "https://nos.nl/artikel" in html


def test_a_hostile_file_name_stays_on_its_line(tiny):
    [digest] = digests_for(*tiny, article("x", "Een zin."))
    source = "in/kwaad\n\n<img src=x onerror=alert(1)> [a](javascript:alert(1)).txt"
    digest = replace(digest, article=replace(digest.article, source_path=source))
    html = rendered(render_article(digest))
    assert "<img" not in html and re.findall(r"<a [^>]*>", html) == ['<a href="x.en.md">']
    assert "Source: kwaad &lt;img src=x onerror=alert(1)&gt;" in html


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
        "zie www.nos.nl of mail jan@nos.nl",
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
    [digest] = digests_for(*tiny, article("x", text))
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


def test_index_lists_every_article_with_a_link():
    rows = [
        {"id": "a b", "date": "2025-11", "title_en": "A", "summary_en": "Sum a."},
        {"id": "c", "date": None, "title_en": "C", "summary_en": "Sum c."},
    ]
    index = render_index(rows)
    assert "(articles/a%20b.md)" in index and "(articles/c.md)" in index
    assert index.index("2025-11") < index.index("undated")


def test_a_summary_is_withheld_when_every_key_point_is_flagged(tiny):
    text = "De eerste zin is lang genoeg om te tellen. De tweede zin is ook lang genoeg."
    [digest] = digests_for(*tiny, article("w", text))
    flagged = tuple(replace(k, flags=("numbers",)) for k in digest.key_points)
    digest = replace(digest, key_points=flagged, summary_en="")
    assert digest.summary_withheld == WITHHELD_FLAGGED
    for page in (render_article(digest), render_article_en(digest)):
        assert "Summary withheld: the English of every key point is flagged as doubtful" in page
        assert page.count("⚠ *numbers*") == len(flagged)


def test_an_older_tolk_s_rows_say_their_flags_were_not_checked(tiny):
    [digest] = digests_for(*tiny, article("o", "Een zin."))
    page = render_article(replace(digest, flags_checked=False))
    assert "The English was not checked for doubtful sentences (an older tolk wrote it)." in page

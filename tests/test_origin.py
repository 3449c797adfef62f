"""The source first: every page opens with the outlet and a safe link to the original."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from support import article, digests_for

from tolk.compose import make_signature
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.views.html import render_article_html, render_site_index
from tolk.views.indexes import render_index
from tolk.views.markdown import render_article, render_article_en
from tolk.views.origin import outlet, safe_url

URL = "https://www.nos.nl/artikel/4?utm_source=rss&copy=1&x=(a)"


@pytest.fixture(scope="module")
def digest(tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian))
    translator = load_translator(spec)
    [digest] = digests_for(
        translator, make_signature(select_model(spec), spec, Settings()), article("a4", "Zin.")
    )
    return replace(digest, article=replace(digest.article, url=URL, source_path=URL))


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(markdown)


def test_only_http_urls_are_linked_and_they_are_encoded():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,<b>x</b>") is None
    assert safe_url('https://x.nl/a b"<c>') == "https://x.nl/a%20b%22%3Cc%3E"
    assert outlet("https://www.nos.nl/x") == "nos.nl"
    assert outlet(None, "in/artikel-1.txt") == "artikel-1.txt"


@pytest.mark.parametrize("render", [render_article, render_article_en])
def test_a_markdown_page_opens_with_the_outlet_and_a_link_to_the_original(digest, render):
    page = rendered(render(digest))
    first = page.split("</h1>", 1)[1].strip().split("\n", 1)[0]
    assert first == (
        '<p>From <strong>nos.nl</strong> · <a href="https://www.nos.nl/artikel/4?utm_source=rss'
        '&amp;copy=1&amp;x=(a)">Original article</a></p>'
    )


def test_a_hostile_url_is_text_not_a_link(digest):
    hostile = replace(digest, article=replace(digest.article, url="javascript:alert(1)"))
    page = rendered(render_article(hostile))
    assert "javascript:" not in "".join(re.findall(r'href="[^"]*"', page))
    tree = lxml_html.fromstring(render_article_html(hostile))
    assert not tree.xpath('//a[starts-with(@href, "javascript")]')


def test_the_html_page_opens_with_the_outlet_and_the_link(digest):
    tree = lxml_html.fromstring(render_article_html(digest))
    first = tree.xpath("//header/p")[0]
    assert first.get("class") == "origin"
    assert first.xpath(".//strong")[0].text == "nos.nl"
    assert first.xpath(".//a")[0].get("href") == URL


def test_the_indexes_name_the_outlet():
    row = {
        "id": "a4",
        "date": "2025-12-04",
        "title_en": "A title",
        "title_nl": "Een titel",
        "title_flags": [],
        "summary_en": "",
        "n_sentences": 1,
        "n_flagged": 0,
        "url": URL,
        "source_path": URL,
    }
    assert "- 2025-12-04 · nos\\.nl · [A title]" in render_index([row])
    tree = lxml_html.fromstring(render_site_index([row]))
    assert tree.xpath('//span[@class="outlet"]')[0].text == "nos.nl"

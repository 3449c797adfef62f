"""Extracting the article from a web page: text kept and typed, boilerplate dropped."""

from __future__ import annotations

import re

import pytest
from newssite import BOILERPLATE, PAGE, SEED_PAGES, SEEDS, article_page

from tolk.errors import EmptyPage
from tolk.intake.extract import extract_page, page_article
from tolk.intake.text import read_article

BASE = "https://hetnieuws.example"


def page_of(body: str, title: str = "Een kop") -> str:
    """Wrap article markup in the news site's page, boilerplate and all."""
    return PAGE.format(title=title, published="2025-12-02", canonical=f"{BASE}/a", body=body)


@pytest.mark.parametrize("seed", SEED_PAGES, ids=[s.stem for s in SEED_PAGES])
def test_every_paragraph_is_kept_and_typed_and_no_boilerplate(seed):
    page = extract_page(article_page(seed, BASE), f"{BASE}/{seed.slug}")
    expected = read_article(SEEDS / f"{seed.stem}.txt").paragraphs
    heading, *paragraphs = page.paragraphs
    assert (heading.kind, heading.text) == ("heading", seed.title)
    assert [(p.kind, p.text) for p in paragraphs] == [(p.kind, p.text) for p in expected]
    assert [p.index for p in page.paragraphs] == list(range(len(page.paragraphs)))
    text = "\n".join(p.text for p in page.paragraphs)
    assert [b for b in BOILERPLATE if b in text] == []
    assert (page.title, page.date) == (seed.title, seed.published)
    assert page.url == f"{BASE}/nieuws/{seed.slug}"


def test_the_feeds_title_and_date_win():
    seed = SEED_PAGES[0]
    page = extract_page(
        article_page(seed, BASE), "x", title="Rusland stuurt militairen", date="2019-03-25"
    )
    assert [p.text for p in page.paragraphs[:2]] == [
        "Rusland stuurt militairen",
        "Een van de twee Russische vliegtuigen op de internationale luchthaven van Caracas. "
        "Beeld REUTERS",
    ]
    assert (page.title, page.date) == ("Rusland stuurt militairen", "2019-03-25")


LONG = "Dit is een alinea met genoeg woorden om door de extractor als echte tekst te worden gezien."


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        (
            '<figure><picture><img src="a.jpg"></picture><figcaption><span class="c">Premier '
            'Schoof in Den Haag.</span><span class="credit">Foto ANP</span></figcaption></figure>',
            [("caption", "Premier Schoof in Den Haag. Foto ANP")],
        ),
        (
            '<figure><img src="a.jpg"><figcaption>Demonstranten in <em>Caracas</em>.'
            "</figcaption></figure>",
            [("caption", "Demonstranten in Caracas.")],
        ),
        ('<figure><img src="a.jpg"></figure>', []),
        (
            '<figure class="quote"><blockquote>Een herhaald citaat</blockquote>'
            "<figcaption>Een woordvoerder</figcaption></figure>",
            [],
        ),
    ],
    ids=["credit-span", "no-credit", "no-caption", "pull-quote"],
)
def test_photo_captions_come_out_as_captions(figure, expected):
    page = extract_page(page_of(f"<p>{LONG}</p>{figure}<p>{LONG} Twee.</p>"), "x")
    middle = [(p.kind, p.text) for p in page.paragraphs[2:-1]]
    assert middle == expected


def test_page_text_cannot_fake_a_caption():
    body = (
        f"<p>\u2042Geen bijschrift maar gewone tekst van het artikel, lang genoeg.</p><p>{LONG}</p>"
    )
    page = extract_page(page_of(body), "x")
    assert page.paragraphs[1].kind == "body"
    assert "\u2042" not in page.paragraphs[1].text


def test_lists_quotes_and_line_breaks_become_paragraphs():
    body = (
        f"<p>{LONG}<br>Tweede regel.</p><ul><li>Eerste punt van de lijst.</li>"
        f"<li>Tweede punt.</li></ul><blockquote><p>Een citaat van de minister.</p></blockquote>"
        f"<h2>Tussenkop</h2><p>{LONG}</p>"
    )
    texts = [(p.kind, p.text) for p in extract_page(page_of(body), "x").paragraphs[1:]]
    assert texts == [
        ("body", f"{LONG} Tweede regel."),
        ("body", "Eerste punt van de lijst."),
        ("body", "Tweede punt."),
        ("body", "Een citaat van de minister."),
        ("heading", "Tussenkop"),
        ("body", LONG),
    ]


def test_a_short_article_comes_without_boilerplate():
    text = "De trein rijdt weer.\n\nNa een storing van twee uur rijden de treinen weer."
    page = extract_page(article_page(SEED_PAGES[0], BASE, text), "x")
    assert [p.text for p in page.paragraphs] == [
        SEED_PAGES[0].title,
        "De trein rijdt weer.",
        "Na een storing van twee uur rijden de treinen weer.",
    ]


def test_the_charset_the_server_names_is_used():
    body = page_of(f"<p>Oekraïne en Chávez: ‘het’ café. {LONG}</p>", "Café")
    page = extract_page(body.encode("cp1252"), "x", charset="windows-1252")
    assert page.paragraphs[1].text.startswith("Oekraïne en Chávez: ‘het’ café.")


@pytest.mark.parametrize(
    "html",
    [
        b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
        b"%PDF-1.4 \x00\x01\x02",
        b"",
    ],
    ids=["navigation-only", "pdf", "empty"],
)
def test_a_page_without_article_text_is_an_error_naming_it(html):
    with pytest.raises(EmptyPage, match=re.escape(f"{BASE}/leeg: ")):
        extract_page(html, f"{BASE}/leeg")


def test_the_sha256_is_of_the_article_not_the_page():
    seed = SEED_PAGES[2]
    one = extract_page(article_page(seed, BASE), "x")
    html = article_page(seed, BASE).replace(b"Meest gelezen", b"Nu populair")
    other = extract_page(html, "x")
    article = page_article(one, "a", "x", "web", "https://x/a")
    assert article.sha256 == page_article(other, "a", "x", "web", "https://x/a").sha256
    assert article.sha256 != page_article(one, "a", "x", "web", "https://x/b").sha256
    assert (article.source_kind, article.url, article.date) == (
        "web",
        "https://x/a",
        seed.published,
    )


def test_a_short_article_does_not_pull_in_the_navigation():
    html = article_page(SEED_PAGES[1], "http://nieuws.test", "Het Kremlin zwijgt.\n\nDat is nieuw.")
    page = extract_page(html, "kort.html", url="http://nieuws.test/kort.html")
    assert [p.text for p in page.paragraphs if p.kind == "body"] == [
        "Het Kremlin zwijgt.",
        "Dat is nieuw.",
    ]

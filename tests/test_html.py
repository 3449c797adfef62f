"""The HTML reader, rendered from real digests and checked in headless Chromium.

The browser tests skip where Chromium is missing, except on CI (the CI variable set), where they
fail: CI must run them. Chromium is the system's (apt-get install chromium), or TOLK_CHROMIUM.
"""

import os
import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from tolk.compose import build_digests, make_signature
from tolk.intake.text import parse
from tolk.records import WITHHELD_FLAGGED, WITHHELD_SHORT, Article, Digest
from tolk.settings import Settings
from tolk.store.rows import article_row
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.views.html import NO_SUMMARY, WITHHELD, render_article_html, render_site_index

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
# Headless in a closed network, possibly as root: no sandbox, no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVIL = (
    "Kop met <b>vet</b> erin\n\n"
    "De minister zei: <script>window.pwned = 1; alert(1)</script> Dat was alles. "
    'Daarna <img src=x onerror="window.pwned = 2; alert(2)"> volgde een foto van 3 mensen.\n\n'
    "Een foto van het plein in Caracas. Beeld ANP\n\n"
    "Rusland stuurde in december zijn bommenwerpers naar Venezuela. De toestellen bleven vijf dagen. "
    "Het Kremlin noemde het een gewone oefening van de luchtmacht.\n\n"
    "Lees ook: Wat er verder gebeurde in Caracas"
)
FLAGS = {0: ("copy",), 3: ("numbers", "length"), 6: ("low_confidence",)}


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def digest(tiny_marian) -> Digest:
    """Give a real digest (tiny model) of an article carrying markup, with some flagged pairs."""
    spec = TranslatorSpec(model=str(tiny_marian))
    translator, signature = (
        load_translator(spec),
        make_signature(select_model(spec), spec, Settings()),
    )
    article = Article("evil <1>", "in/evil.txt", "ab" * 32, "2025-11", tuple(parse(EVIL)[1]))
    [built], failures = build_digests([article], translator, signature)
    assert failures == []
    # The English carries the markup too, so both sides must escape it.
    pairs = tuple(
        replace(p, en=p.nl if "<" in p.nl else p.en, flags=FLAGS.get(p.sentence_index, ()))
        for p in built.pairs
    )
    # A flagged key point too, wherever the summary put them.
    last_point = built.key_points[-1].position
    pairs = tuple(
        replace(p, flags=("repetition",)) if p.sentence_index == last_point else p for p in pairs
    )
    flags = {p.sentence_index: p.flags for p in pairs}
    key_points = tuple(replace(k, flags=flags[k.position]) for k in built.key_points)
    return replace(built, pairs=pairs, key_points=key_points, title_en=pairs[0].en)


# --- The markup, without a browser ------------------------------------------------------------


def test_article_text_is_escaped(digest):
    page = render_article_html(digest)
    assert "<script>window" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;window.pwned = 1; alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the reader's own


def test_page_is_self_contained(digest):
    page = render_article_html(digest)
    assert not re.search(r"<[^>]*\s(src|srcset|action|formaction|style|on\w+)=", page)
    assert not re.search(r"<link(?![^>]*rel=\"icon\" href=\"data:,\")", page)
    assert "@import" not in page and "url(" not in page and "//" not in page.split("<body>")[0]
    assert "Content-Security-Policy" in page and "default-src &#39;none&#39;" in page


@pytest.mark.parametrize(
    "reason, note",
    [(WITHHELD_FLAGGED, WITHHELD), (WITHHELD_SHORT, NO_SUMMARY)],
    ids=["withheld", "none"],
)
def test_an_empty_summary_says_why(digest, reason, note):
    # The summarizer's rule decides, not the page's own count of flags (tests/test_withheld.py):
    # key points but no summary is withheld; no key points is no summary.
    points = digest.key_points if reason == WITHHELD_FLAGGED else ()
    without = replace(digest, summary_en="", key_points=points)
    assert without.summary_withheld == reason
    page = render_article_html(without)
    assert note.replace("'", "&#39;") in page


def test_no_sentence_is_lost_when_paragraphs_do_not_match(digest):
    article = replace(digest.article, paragraphs=digest.article.paragraphs[:1])
    page = render_article_html(replace(digest, article=article))
    assert all(f'id="en-{p.sentence_index}"' in page for p in digest.pairs)


def test_only_web_urls_are_linked(digest):
    web = replace(digest, article=replace(digest.article, url="https://nos.nl/artikel/1?a=1&b=2"))
    assert 'href="https://nos.nl/artikel/1?a=1&amp;b=2"' in render_article_html(web)
    evil = replace(digest, article=replace(digest.article, url="javascript:alert(1)"))
    assert 'href="javascript' not in render_article_html(evil)


def index_rows(digest):
    written = datetime(2025, 12, 1, tzinfo=UTC)
    old = {"id": "old one", "date": "2019-03", "title_en": "<i>Old</i>", "title_nl": "Oud"}
    old |= {"summary_en": "An old summary.", "n_sentences": 4, "n_flagged": None}
    undated = {**old, "id": "undated", "date": None, "title_flags": None}
    return [old, article_row(digest, written), undated]


def test_index_lists_articles_newest_first(digest):
    page = render_site_index(index_rows(digest))
    assert page.index("evil%20%3C1%3E.html") < page.index("old%20one.html")
    assert page.index("old%20one.html") < page.index("undated.html")
    assert f"{digest.n_flagged} of {len(digest.pairs)} sentences flagged" in page
    assert "flags not checked (written by an older tolk)" in page
    assert "&lt;i&gt;Old&lt;/i&gt;" in page and "⚠&nbsp;copy" in page


# --- In the browser ---------------------------------------------------------------------------


def unavailable(reason: str) -> None:
    if on_ci():
        pytest.fail(
            f"{reason}. The CI variable is set, and CI must run the browser tests.",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Give headless Chromium, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install '.[dev]')")
    chromium = os.environ.get("TOLK_CHROMIUM") or next(
        filter(None, map(shutil.which, CHROMIUM_NAMES)), None
    )
    if chromium is None:
        unavailable("Chromium is not installed (apt-get install chromium, or set TOLK_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page, with everything it requested, complained of or popped up."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_page(browser, path, **options) -> Watched:
    page = browser.new_page(**options)
    watched = Watched(page)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("requestfailed", lambda r: watched.errors.append(f"failed: {r.url}"))
    page.on(
        "console",
        lambda m: watched.errors.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return watched


@pytest.fixture
def article_page(browser, digest, tmp_path):
    path = tmp_path / "article.html"
    path.write_text(render_article_html(digest), encoding="utf-8")
    watched = open_page(browser, path, viewport={"width": 1280, "height": 900})
    yield watched
    watched.page.close()
    assert watched.requests == [path.as_uri()], "the page requested more than itself"
    assert watched.errors == [] and watched.dialogs == []


def background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")


def test_every_sentence_shows_in_both_languages(article_page, digest):
    page = article_page.page
    for pair in digest.pairs:
        i = pair.sentence_index
        assert page.text_content(f"#en-{i} .t") == pair.en
        assert page.text_content(f"#nl-{i} .t") == pair.nl
        assert page.eval_on_selector(f"#en-{i}", "e => e.closest('[lang]').lang") == "en"
        assert page.eval_on_selector(f"#nl-{i}", "e => e.closest('[lang]').lang") == "nl"
    assert page.locator(".s").count() == 2 * len(digest.pairs)
    assert page.locator('.s:not([tabindex="0"])').count() == 0
    for kind in ("Heading", "Photo caption", "See also"):
        assert page.locator(".kind", has_text=kind).count() >= 1


def test_injected_markup_shows_as_text_and_never_runs(article_page):
    page = article_page.page
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.scripts.length") == 1
    assert "<script>window.pwned = 1; alert(1)</script>" in page.text_content("main .nl")
    assert '<img src=x onerror="window.pwned = 2; alert(2)">' in page.text_content("main")
    assert page.text_content("h1").startswith("Kop met <b>vet</b> erin")


def test_pointing_or_focusing_highlights_the_counterpart(article_page):
    page = article_page.page
    plain = background(page, "#nl-2")
    page.hover("#en-2")
    assert "hl" in page.get_attribute("#nl-2", "class").split()
    assert background(page, "#nl-2") != plain
    page.hover("h1")
    assert "hl" not in page.get_attribute("#nl-2", "class").split()
    page.focus("#nl-4")
    assert "hl-focus" in page.get_attribute("#en-4", "class").split()
    assert background(page, "#en-4") != plain
    page.keyboard.press("Tab")  # on to the next sentence: the highlight follows the focus
    assert "hl-focus" not in page.get_attribute("#en-4", "class").split()


def test_flagged_sentences_are_marked(article_page, digest):
    page = article_page.page
    n = digest.n_flagged
    assert page.text_content(".tally") == f"{n} of {len(digest.pairs)} sentences flagged"
    assert "read the Dutch beside it" in page.text_content(".legend")
    flagged = {p.sentence_index: p.flags for p in digest.pairs if p.flags}
    assert len(flagged) == n >= len(FLAGS)
    for i, flags in flagged.items():
        assert "flagged" in page.get_attribute(f"#en-{i}", "class").split()
        assert page.is_visible(f"#en-{i} .flag")
        assert ", ".join(flags) in page.text_content(f"#en-{i} .flag")
        assert all(f in page.get_attribute(f"#en-{i}", "title") for f in flags)
    assert page.locator(".s.flagged").count() == n
    assert "flagged" in page.get_attribute("h1", "class")  # the title is sentence 0
    assert "copy" in page.text_content("h1 .flag")
    for point in digest.key_points:
        assert page.locator(f"#kp-{point.position} .flag").count() == bool(point.flags)
        assert page.text_content(f"#kp-{point.position} [lang=nl]") == point.nl
    assert any(point.flags for point in digest.key_points)
    assert page.is_visible(f"#kp-{digest.key_points[-1].position} .flag")


def test_layout_side_by_side_stacked_on_a_phone_and_printable(browser, digest, tmp_path):
    path = tmp_path / "article.html"
    path.write_text(render_article_html(digest), encoding="utf-8")
    wide = open_page(browser, path, viewport={"width": 1280, "height": 900})
    en, nl = wide.page.locator("#en-2").bounding_box(), wide.page.locator("#nl-2").bounding_box()
    assert nl["x"] > en["x"] + 400 and abs(nl["y"] - en["y"]) < 40
    wide.page.screenshot(path=tmp_path / "reader.png", full_page=True)
    wide.page.emulate_media(media="print")
    columns = wide.page.eval_on_selector(".row", "e => getComputedStyle(e).gridTemplateColumns")
    assert len(columns.split()) == 2 and not wide.page.is_visible("nav")
    wide.page.pdf(path=tmp_path / "reader.pdf")
    phone = open_page(browser, path, viewport={"width": 390, "height": 844}, is_mobile=True)
    en, nl = phone.page.locator("#en-2").bounding_box(), phone.page.locator("#nl-2").bounding_box()
    assert nl["y"] > en["y"] + en["height"] - 1 and abs(nl["x"] - en["x"]) < 40
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.page.screenshot(path=tmp_path / "reader-phone.png", full_page=True)
    for watched in (wide, phone):
        assert watched.requests == [path.as_uri()] and watched.errors == []
    assert (tmp_path / "reader.png").stat().st_size > 10_000
    assert (tmp_path / "reader.pdf").read_bytes().startswith(b"%PDF")


def test_index_in_the_browser(browser, digest, tmp_path):
    path = tmp_path / "index.html"
    path.write_text(render_site_index(index_rows(digest)), encoding="utf-8")
    watched = open_page(browser, path, viewport={"width": 390, "height": 844})
    links = watched.page.eval_on_selector_all("a.title", "es => es.map(e => e.href)")
    folder = tmp_path.as_uri()
    names = ["evil%20%3C1%3E.html", "old%20one.html", "undated.html"]
    assert links == [f"{folder}/{name}" for name in names]
    assert watched.page.text_content("a.title >> nth=1") == "<i>Old</i>"
    assert watched.requests == [path.as_uri()] and watched.errors == []

"""Intake that knows the walls, on the local news site: consent walls, paywalls, teasers,
English items and a public feed's link into the user's own network are left out, each named
with its reason; the news around them is translated, and nothing walled is."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from lxml import etree
from newssite import PAYWALL_LEAD, SEED_PAGES, NewsSite, Response
from support import article

from tolk.errors import NotDutch, RefusedUrl, WalledPage
from tolk.intake.extract import Page
from tolk.intake.language import check_dutch, detect
from tolk.intake.listing import list_items
from tolk.intake.sources import read_items
from tolk.intake.urlpolicy import UrlGuard, UrlPolicy, address_kind
from tolk.intake.walls import TEASER_NOTE, screen
from tolk.intake.web import Web
from tolk.records import Paragraph
from tolk.run import digest
from tolk.settings import Settings

NS = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def elsewhere():
    """Give a second local site: another port on the loopback address."""
    other = NewsSite().start()
    yield other
    other.stop()


@pytest.mark.slow
def test_a_feed_with_walls_gives_only_news(site, elsewhere, tiny_marian, tmp_path):
    items = site.walled_feed(elsewhere.page_url(SEED_PAGES[1]))
    settings = Settings(model=str(tiny_marian), public_origins=(site.base,))
    report = digest([site.url("/muren.rss")], tmp_path / "out", settings)
    assert report.failures == []
    reasons = {f.source_path: f.reason for f in report.left_out}
    assert set(reasons) == {items[k] for k in ("consent", "cookiewall", "paywall", "english")} | {
        items["elsewhere"]
    }
    assert "consent wall" in reasons[items["consent"]]
    assert "myprivacy.dpgmedia.net" in reasons[items["consent"]]
    assert "consent wall" in reasons[items["cookiewall"]]
    assert (
        "paywall" in reasons[items["paywall"]]
        and "exclusief voor abonnees" in reasons[items["paywall"]]
    )
    assert "English" in reasons[items["english"]]
    assert "refused" in reasons[items["elsewhere"]] and "loopback" in reasons[items["elsewhere"]]
    assert elsewhere.requests == {}  # never asked
    assert report.translated == 3  # two articles and the teaser
    rows = pq.read_table(tmp_path / "out" / "articles.parquet").to_pylist()
    assert sorted(r["url"] for r in rows) == sorted(items[k] for k in ("news", "news2", "teaser"))
    teaser = next(r for r in rows if r["url"] == items["teaser"])
    assert any(w.startswith(TEASER_NOTE) for w in teaser["warnings"])
    assert "abonnee" not in teaser["text_nl"]  # the wall's lines are not translated
    page = (tmp_path / "out" / "articles" / f"{teaser['id']}.md").read_text()
    assert "Teaser only" in page
    feed = etree.parse(str(tmp_path / "out" / "feed.xml"))
    teasers = feed.findall("a:entry/a:category[@term='teaser']", NS)
    assert len(teasers) == 1 and len(feed.findall("a:entry", NS)) == 3


def test_a_local_feed_may_name_other_local_pages(site, elsewhere):
    items = site.walled_feed(elsewhere.page_url(SEED_PAGES[1]))
    listed, failures, _ = list_items([site.url("/muren.rss")])
    assert failures == [] and all(i.trusted for i in listed)
    articles, left = read_items([i for i in listed if i.url == items["elsewhere"]])
    assert left == [] and len(articles) == 1


def test_every_redirect_hop_is_checked(site, elsewhere):
    target = elsewhere.page_url(SEED_PAGES[1])
    site.paths["/doorsturen.html"] = Response(
        b"", status=302, headers={"Location": target}, validators=False
    )
    with Web.open(policy=UrlPolicy(public_origins=(site.base,))) as web:
        with pytest.raises(RefusedUrl, match="loopback"):
            web.fetcher.fetch(site.url("/doorsturen.html"))
    assert elsewhere.requests == {}


@pytest.mark.parametrize(
    ("url", "address", "refused"),
    [
        ("http://news.example/a", "93.184.215.14", False),
        ("https://news.example/a", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
        ("http://router.example/", "192.168.1.1", True),
        ("http://metadata.example/", "169.254.169.254", True),
        ("http://me.example/", "::1", True),
        ("http://mapped.example/", "::ffff:10.0.0.1", True),
        ("http://cgnat.example/", "100.64.0.1", True),
        ("file:///etc/passwd", "", True),
        ("ftp://news.example/a", "93.184.215.14", True),
    ],
)
def test_the_url_policy(url, address, refused):
    guard = UrlGuard(UrlPolicy(), resolver=lambda host, port: [address])
    if refused:
        with pytest.raises(RefusedUrl):
            guard.check(url)
    else:
        guard.check(url)
    allowed = UrlGuard(UrlPolicy(allow_private=True), resolver=lambda host, port: [address])
    if url.startswith("http"):
        allowed.check(url)


def test_address_kinds():
    assert address_kind("127.0.0.1") == "loopback"
    assert address_kind("10.1.2.3") == "private"
    assert address_kind("fe80::1") == "link-local"
    assert address_kind("8.8.8.8") is None


def _page(*texts: str) -> Page:
    paragraphs = [Paragraph(0, "heading", "Titel")]
    paragraphs += [Paragraph(i + 1, "body", t) for i, t in enumerate(texts)]
    return Page("Titel", None, None, tuple(paragraphs))


def test_a_whole_article_keeps_its_text_without_the_subscription_line():
    body = [PAYWALL_LEAD] * 6 + ["Word abonnee en lees onbeperkt."]
    screened = screen(_page(*body), b"<html></html>", "x")
    assert [p.text for p in screened.page.paragraphs[1:]] == [PAYWALL_LEAD] * 6
    assert [p.index for p in screened.page.paragraphs] == list(range(7))


def test_a_cut_article_is_a_wall_unless_the_feed_says_teaser():
    cut = _page(PAYWALL_LEAD, "Dit artikel is exclusief voor abonnees.")
    with pytest.raises(WalledPage, match="paywall"):
        screen(cut, b"", "x")
    kept = screen(cut, b"", "x", teaser_ok=True)
    assert kept.notes and kept.notes[0].startswith(TEASER_NOTE)
    locked = b'<script type="application/ld+json">{"isAccessibleForFree": false}</script>'
    with pytest.raises(WalledPage, match="not free"):
        screen(_page(PAYWALL_LEAD), locked, "x")
    assert screen(_page(PAYWALL_LEAD), b"<html></html>", "x").notes == ()  # no wall: news


def test_language_detection():
    assert detect(PAYWALL_LEAD).language == "nl"
    french = (
        "Le gouvernement néerlandais veut consacrer des centaines de millions d'euros de plus "
        "aux soins de santé dans les régions l'année prochaine, a écrit la ministre au parlement."
    )
    with pytest.raises(NotDutch, match="French"):
        check_dutch(article("fr", french))
    short = article("kort", "The minister said yes.")
    assert check_dutch(short) is short  # too short to tell: translated as Dutch
    dutch = article("nl", PAYWALL_LEAD)
    assert check_dutch(dutch) is dutch


def test_the_run_report_names_what_was_left_out_apart_from_failures():
    from flows.digest import report_markdown
    from tolk.records import Failure
    from tolk.run import RunReport

    report = RunReport(["feed"], "out")
    report.add_failures(
        [Failure("a", "http://x/a", "consent wall: ...", left_out=True), Failure("b", "b", "bad")]
    )
    assert report.ok is False and [f.article_id for f in report.left_out] == ["a"]
    text = report_markdown(report)
    assert "## Left out, not translated" in text and "consent wall" in text

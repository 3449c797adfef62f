"""Reading RSS and Atom feeds into items."""

from __future__ import annotations

import pytest
from newssite import SEED_PAGES, NewsSite

from tolk.errors import FeedError
from tolk.intake.feeds import FeedItem, iso_date, parse_feed

FEED = "https://hetnieuws.example/feed.rss"


@pytest.fixture(scope="module")
def site() -> NewsSite:
    """Give the news site, unstarted: only its feeds are needed."""
    return NewsSite()


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>/</link>'
        + "".join(f"<item>{i}</item>" for i in items)
        + "</channel></rss>"
    ).encode()


def test_rss_items_give_page_title_date_and_guid(site):
    feed = parse_feed(site.rss(bad=False), site.url("/feed.rss"))
    assert feed.title == "Het Nieuws - Buitenland"
    assert feed.items[0] == FeedItem(
        url=site.page_url(SEED_PAGES[0]),
        title="Russische militairen landen in Caracas",
        date="2019-03-26",
        guid=site.page_url(SEED_PAGES[0]),
    )
    assert [i.date for i in feed.items] == [s.feed_date for s in SEED_PAGES]
    assert feed.note() is None


def test_atom_entries_give_their_alternate_link(site):
    feed = parse_feed(site.atom(), site.url("/feed.atom"))
    assert [i.url for i in feed.items] == [site.page_url(s) for s in SEED_PAGES]
    assert [i.date for i in feed.items] == [s.published for s in SEED_PAGES]
    assert feed.items[4].guid == "urn:hetnieuws:004_e2e4897f0e122d04"


@pytest.mark.parametrize(
    ("written", "parsed", "expected"),
    [
        ("Tue, 26 Mar 2019 00:30:00 +0100", None, "2019-03-26"),  # UTC would say the 25th
        ("2019-03-26T00:30:00+01:00", None, "2019-03-26"),
        ("2019-03-26", None, "2019-03-26"),
        ("gisteren", None, None),
        (None, None, None),
    ],
)
def test_dates_are_iso_in_the_feeds_own_time_zone(written, parsed, expected):
    assert iso_date(written, parsed) == expected


def test_links_are_resolved_and_items_without_one_are_counted():
    data = rss(
        "<title>Relatief</title><link>/nieuws/a.html</link>",
        "<title>Zonder link</title>",
        "<title>Mail</title><link>mailto:redactie@example.org</link>",
        "<title>&lt;b&gt;Vet&lt;/b&gt; en  ruim</title><link>https://elders.example/b</link>",
    )
    feed = parse_feed(data, FEED)
    assert [(i.url, i.title) for i in feed.items] == [
        ("https://hetnieuws.example/nieuws/a.html", "Relatief"),
        ("https://elders.example/b", "Vet en ruim"),
    ]
    assert feed.note() == f"{FEED}: left out 2 items without a link to a web page"


def test_a_feed_is_cut_at_the_item_limit():
    feed = parse_feed(rss(*[f"<link>https://x.example/{n}</link>" for n in range(7)]), FEED, 5)
    assert len(feed.items) == 5 and feed.over_limit == 2
    assert feed.note() == f"{FEED}: left out 2 items past the first 5"


@pytest.mark.parametrize(
    "data",
    [b"<html><body><p>Geen feed</p></body></html>", b"\x89PNG\r\n\x00\x00", b""],
    ids=["html", "binary", "empty"],
)
def test_what_is_not_a_feed_is_an_error_naming_its_url(data):
    with pytest.raises(FeedError) as error:
        parse_feed(data, FEED)
    assert str(error.value).startswith(f"{FEED}: not an RSS or Atom feed")
    assert str(error.value).endswith("; check the feed's address in a browser")


def test_an_empty_feed_has_no_items():
    assert parse_feed(rss(), FEED).items == ()

"""Read RSS and Atom feeds: a feed's bytes in, its items (page URL, title, date, guid) out.

feedparser does the parsing. It is only ever given bytes, never a string: given a string,
feedparser would fetch a URL or open a file itself, past tolk's limits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html

from tolk.errors import FeedError
from tolk.intake.textcheck import SURROGATE_REF_MARK
from tolk.intake.walls import teaser_category

DEFAULT_MAX_ITEMS = 200
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_MARK_REF = f"&#x{ord(SURROGATE_REF_MARK):X};".encode()


def _mark_bad_refs(data: bytes) -> bytes:
    """Rewrite references to no character (a surrogate, past U+10FFFF) to tolk's mark."""

    def fix(match: re.Match) -> bytes:
        hex_code, decimal = match.groups()
        code = int(hex_code, 16) if hex_code else int(decimal)
        return _MARK_REF if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group()

    return _CHAR_REF.sub(fix, data)


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed: the page it links to, and what the feed says about it."""

    url: str
    title: str | None
    date: str | None  # YYYY-MM-DD, the date as the feed wrote it (its own time zone)
    guid: str | None
    teaser: bool = False  # the feed marks the item as a teaser (premium, plus, ...)


def iso_date(value: str | None, parsed: time.struct_time | None = None) -> str | None:
    """Give a feed date as YYYY-MM-DD, in the time zone it was written in."""
    if value:
        value = value.strip()
        for parse in (parsedate_to_datetime, datetime.fromisoformat):
            try:
                return parse(value).date().isoformat()
            except (TypeError, ValueError, IndexError):
                continue
    if parsed:  # feedparser's own reading, in UTC
        return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
    return None


def _link(entry, base: str) -> str | None:
    links = [entry.get("link")] + [
        link.get("href") for link in entry.get("links", []) if link.get("rel") == "alternate"
    ]
    for link in links:
        if link:
            try:
                url = urljoin(base, link.strip())
                if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
                    return url
            except ValueError:  # "http://[::1": not an address; counted as without a link
                continue
    return None


@dataclass(frozen=True)
class Feed:
    """A feed's title and items, and how many items it had that tolk leaves out."""

    url: str
    title: str | None
    items: tuple[FeedItem, ...]
    without_link: int = 0  # items with no http(s) page to read
    over_limit: int = 0  # items past the most tolk takes from one feed

    def note(self) -> str | None:
        """Say in one line what was left out of the feed, or None when nothing was."""
        left = []
        if self.without_link:
            left.append(f"{self.without_link} items without a link to a web page")
        if self.over_limit:
            left.append(f"{self.over_limit} items past the first {len(self.items)}")
        return f"{self.url}: left out {' and '.join(left)}" if left else None


def _text(value: str | None) -> str | None:
    """Give a feed's text as plain text: no markup, single spaces."""
    if value and "<" in value:
        value = lxml.html.fromstring(f"<div>{value}</div>").text_content()
    return " ".join((value or "").split()) or None


def parse_feed(data: bytes, url: str, max_items: int = DEFAULT_MAX_ITEMS) -> Feed:
    """Read a feed's items in feed order, at most `max_items`; raise `FeedError` if it is none."""
    try:
        parsed = feedparser.parse(
            _mark_bad_refs(bytes(data)), response_headers={"content-location": url}
        )
    except (UnicodeError, ValueError) as error:  # feedparser's loose parser gives up
        raise FeedError(
            f"{url}: the feed cannot be parsed ({type(error).__name__}: {error}); check it in "
            "a browser or ask its publisher"
        ) from None
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f" ({type(problem).__name__}: {problem})" if problem else ""
        raise FeedError(
            f"{url}: not an RSS or Atom feed{why}; check the feed's address in a browser"
        )
    items, without_link = [], 0
    for entry in parsed.entries[:max_items]:
        link = _link(entry, url)
        if link is None:
            without_link += 1
            continue
        items.append(
            FeedItem(
                url=link,
                title=_text(entry.get("title")),
                date=iso_date(
                    entry.get("published") or entry.get("updated"),
                    entry.get("published_parsed") or entry.get("updated_parsed"),
                ),
                guid=entry.get("id") or None,
                teaser=teaser_category(t.get("term") for t in entry.get("tags") or ()),
            )
        )
    over_limit = max(0, len(parsed.entries) - max_items)
    title = _text(parsed.feed.get("title"))
    return Feed(url, title, tuple(items), without_link, over_limit)

"""The terms of fetching: its options and limits, a request and a response, and what a
response's status and headers mean (Retry-After, content types). `tolk.intake.fetch` does the
fetching by these terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from tolk import __version__
from tolk.settings import DEFAULTS, Settings

BACKOFF = (2.0, 10.0)  # the waits before the first retries (Settings.fetch_retries says so)
TOTAL_WAITS = 3  # a response may take this many waits for bytes
HOST_WAITS = 9  # a host may cost this many waits for bytes in timeouts, per chunk

Expect = Literal["page", "feed"]
PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("xml", "rss", "atom", "text/html", "text/plain")  # servers label feeds loosely
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def backoff(retries: int) -> tuple[float, ...]:
    """Return the waits before each of `retries` tries again (2 s, 10 s, then 10 s each)."""
    return (BACKOFF + (BACKOFF[-1],) * retries)[:retries]


@dataclass(frozen=True)
class FetchOptions:
    """Limits and manners of fetching: timeouts, sizes, retries and concurrency."""

    connect_timeout: float = 10.0
    read_timeout: float = DEFAULTS.fetch_timeout  # the longest wait for the next bytes
    # The longest one response may take, bytes dribbling or not: three waits for bytes.
    total_timeout: float = TOTAL_WAITS * DEFAULTS.fetch_timeout
    # Seconds one host may cost this session in responses that timed out (three such
    # responses); past it, its other pages fail at once, so a feed of pages that never end
    # cannot stall a run for hours.
    host_budget: float = HOST_WAITS * DEFAULTS.fetch_timeout
    max_bytes: int = DEFAULTS.max_page_bytes
    max_redirects: int = 5
    retry_delays: tuple[float, ...] = backoff(DEFAULTS.fetch_retries)  # before each retry
    max_retry_after: float = 120.0  # a server asking for a longer wait fails the URL instead
    per_host: int = 2
    max_connections: int = 8
    user_agent: str = f"tolk/{__version__} (batch translation of Dutch news; python-httpx)"

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchOptions:
        """Derive the fetch limits of a run from its settings."""
        return cls(
            max_bytes=settings.max_page_bytes,
            read_timeout=settings.fetch_timeout,
            total_timeout=TOTAL_WAITS * settings.fetch_timeout,
            host_budget=HOST_WAITS * settings.fetch_timeout,
            retry_delays=backoff(settings.fetch_retries),
        )


DEFAULT_FETCH = FetchOptions()


@dataclass(frozen=True)
class Fetched:
    """What one URL gave: the body and what the server said about it."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 when the stored validators still hold (body empty)
    content_type: str
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601, UTC
    body: bytes = field(repr=False)

    @property
    def charset(self) -> str | None:
        """Give the charset the Content-Type names, if any."""
        for param in self.content_type.split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


@dataclass(frozen=True)
class FetchRequest:
    """A URL to fetch, with the validators of the copy already stored, if any."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def type_fits(content_type: str, expect: Expect) -> bool:
    media = content_type.split(";")[0].strip().lower()
    if not media:
        return True  # unlabelled: let the parser judge
    if expect == "page":
        return media in PAGE_TYPES
    return any(word in media for word in FEED_TYPES)


def status_reason(url: str, status: int, phrase: str) -> str:
    what = f"{status} {phrase}".strip()
    if status in (404, 410):
        return f"{url}: {what}; the page is gone: check the link, or leave it out"
    if status in (401, 403, 451):
        return f"{url}: {what}; the site refuses tolk this page (login or block): leave it out"
    return f"{url}: the server answered {what}; check the URL in a browser"

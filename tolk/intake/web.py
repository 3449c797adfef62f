"""Read news from the web: feeds listed and pages fetched through the archive, then extracted.

A feed is always asked for again, conditionally with its archived validators; a 304 reads the
archived copy. A page already in the archive is not fetched again unless `refresh` is set, and
then conditionally, so an unchanged page costs a 304 and gives the same article (same SHA-256,
no new translation). Pages are fetched concurrently within the fetcher's per-host limits.
Every request goes past the session's URL guard (tolk.intake.urlpolicy): a feed the user names is
trusted, and so are the pages a feed on a local host names; others must be on public hosts.
A request to a consent host is stopped before it is made (tolk.intake.walls).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tolk.errors import FetchError
from tolk.intake.archive import PageArchive
from tolk.intake.extract import Page, extract_page
from tolk.intake.feeds import DEFAULT_MAX_ITEMS, Feed, parse_feed
from tolk.intake.fetch import Fetcher
from tolk.intake.fetch_terms import Fetched, FetchOptions, FetchRequest
from tolk.intake.urlpolicy import UrlGuard, UrlPolicy
from tolk.intake.walls import check_hop
from tolk.settings import DEFAULTS


@dataclass
class Web:
    """What reading from the web needs: a fetcher and, to keep what it fetched, an archive."""

    fetcher: Fetcher
    archive: PageArchive | None = None
    guard: UrlGuard = field(default_factory=UrlGuard)

    @classmethod
    def open(
        cls,
        options: FetchOptions | None = None,
        archive: PageArchive | None = None,
        policy: UrlPolicy | None = None,
    ) -> Web:
        """Start a web session with its own HTTP client; close it (or use `with`) when done."""
        guard = UrlGuard(policy or UrlPolicy())

        def check(url: str) -> None:
            check_hop(url)  # a consent host first: it is not even looked up
            guard.check(url)

        return cls(Fetcher(options or FetchOptions(), check_url=check), archive, guard)

    def __enter__(self) -> Web:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.fetcher.close()


def _request(url: str, stored: Fetched | None) -> FetchRequest:
    if stored is None:
        return FetchRequest(url)
    return FetchRequest(url, stored.etag, stored.last_modified)


def _keep(web: Web, fetched: Fetched, stored: Fetched | None, kind) -> Fetched:
    """Give the copy to use: the stored one on a 304, else the new one, archived."""
    if fetched.status == 304:
        if stored is None:
            raise FetchError(
                f"{fetched.url}: the server answered 304 Not Modified to a request that had no "
                "copy to compare; try again"
            )
        return stored
    if web.archive is not None:
        web.archive.put(fetched, kind)
    return fetched


def read_feed(url: str, web: Web, max_items: int = DEFAULT_MAX_ITEMS) -> Feed:
    """Fetch a feed (conditionally, when archived) and read its items."""
    web.guard.trust(url)  # the user named it
    stored = web.archive.get(url, "feed") if web.archive else None
    fetched = web.fetcher.fetch(_request(url, stored), expect="feed")
    copy = _keep(web, fetched, stored, "feed")
    return parse_feed(copy.body, url, max_items)


def fetch_pages(
    urls: Iterable[str], web: Web, refresh: bool = DEFAULTS.refresh
) -> Iterator[tuple[str, Fetched | FetchError]]:
    """Give each page from the archive, or fetched (concurrently) when not stored or refreshing."""
    stored: dict[str, Fetched | None] = {}
    for url in urls:
        stored[url] = web.archive.get(url) if web.archive else None
        if stored[url] is not None and not refresh:
            yield url, stored[url]
    wanted = [_request(u, s) for u, s in stored.items() if s is None or refresh]
    for request, result in web.fetcher.fetch_many(wanted, expect="page"):
        if isinstance(result, FetchError):
            yield request.url, result
            continue
        try:
            yield request.url, _keep(web, result, stored[request.url], "page")
        except FetchError as error:
            yield request.url, error


def page_of(fetched: Fetched, title: str | None = None, date: str | None = None) -> Page:
    """Extract the article of a fetched page; a feed's title and date win over the page's."""
    return extract_page(
        fetched.body,
        fetched.url,
        url=fetched.final_url,
        title=title,
        date=date,
        charset=fetched.charset,
    )

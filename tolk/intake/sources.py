"""What `tolk run SOURCE...` takes in, listed as items first and read as articles second.

A source is a folder (`.txt` articles and saved `.html`/`.htm` pages), one such file, a table
(`.csv`, `.jsonl`, `.parquet`: one article per row), an http(s) feed URL (RSS or Atom) or, from
Python, a pandas DataFrame. `tolk.intake.listing.list_items` is cheap: it names every article, so
a run can read them in chunks; only tables and feeds are opened to list them. `read_items` reads
one chunk into `Article`s, fetching its web pages concurrently. Every problem is a `Failure`
naming the file, row or URL; one bad item never stops the others.

Ids: a file's stem when it is safe, else a slug plus a short hash; a table row's `id` column,
else its `url`, else "<table stem>-row<N>"; a web page's URL as a slug plus a short hash. A
second source with a taken id fails, naming both. The same page or file listed twice is read
once, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tolk.errors import (
    EmptyPage,
    FetchError,
    LeftOut,
    TolkError,
    UnknownSource,
)
from tolk.intake.extract import extract_page, page_article
from tolk.intake.feeds import DEFAULT_MAX_ITEMS
from tolk.intake.fetch_terms import Fetched, FetchOptions
from tolk.intake.files import (
    DEFAULT_MAX_FILE_BYTES,
    READ_DELAYS,
    read_bytes,
)
from tolk.intake.ids import make_id
from tolk.intake.language import check_dutch
from tolk.intake.tables import (
    TABLE_SUFFIXES,
    ColumnMap,
    TableRow,
    row_article,
)
from tolk.intake.text import ARTICLE_SUFFIX, read_article, read_with_retries
from tolk.intake.textcheck import check_article, safe
from tolk.intake.urlpolicy import UrlPolicy
from tolk.intake.walls import check_redirect, raw_consent, screen
from tolk.intake.web import Web, fetch_pages, page_of
from tolk.records import Article, Failure, SourceKind
from tolk.settings import DEFAULTS, Settings

if TYPE_CHECKING:
    pass

PAGE_SUFFIXES = (".html", ".htm")
FOLDER_SUFFIXES = (ARTICLE_SUFFIX, *PAGE_SUFFIXES)


@dataclass(frozen=True)
class SourceOptions:
    """How sources are read: limits, fetching, table columns and whether to refresh pages."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  # per article: a file, or a row's text
    fetch: FetchOptions = FetchOptions()
    # (tolk's name, the table's column); see tolk.intake.tables.parse_columns
    columns: ColumnMap = DEFAULTS.columns
    refresh: bool = DEFAULTS.refresh  # ask again for archived pages (conditionally)
    max_feed_items: int = DEFAULT_MAX_ITEMS
    read_delays: tuple[float, ...] = READ_DELAYS  # waits before each try after a file I/O error
    recursive: bool = DEFAULTS.recursive  # read a folder's subfolders too
    urls: UrlPolicy = UrlPolicy()  # which pages a feed may have tolk fetch

    @classmethod
    def from_settings(cls, settings: Settings) -> SourceOptions:
        """Derive how a run reads its sources from its settings."""
        return cls(
            max_file_bytes=settings.max_article_bytes,
            fetch=FetchOptions.from_settings(settings),
            columns=settings.columns,
            refresh=settings.refresh,
            recursive=settings.recursive,
            urls=UrlPolicy(settings.allow_private_urls, settings.public_origins),
        )


DEFAULT_SOURCE_OPTIONS = SourceOptions()


@dataclass(frozen=True)
class Item:
    """One article to read, named and located but not yet read."""

    id: str
    kind: SourceKind  # "file", "table" or "web"
    origin: str  # the file, "table.csv#row 3" or the page URL: the article's source_path
    path: Path | None = None  # a file's path
    folder: Path | None = None  # the input folder a file's links must stay within
    url: str | None = None  # a web page's address
    title: str | None = None  # from the feed: wins over the page's own
    date: str | None = None  # from the feed: wins over the page's own
    row: TableRow | None = None  # a table row, checked
    trusted: bool = False  # a page a feed on a local host names: its address is not checked
    teaser: bool = False  # the feed marks the page as a teaser: its lead alone may be kept


def source_kind(spec: object) -> str:
    """Say what a source is: "folder", "file", "table", "feed" or "frame"; raise why not."""
    if type(spec).__name__ == "DataFrame":
        return "frame"
    text = str(spec)
    if text.startswith(("http://", "https://")):
        try:
            host = urlsplit(text).hostname
        except ValueError as error:  # "http://[::1"
            raise UnknownSource(f"{text}: not a valid URL ({error}); check the address") from None
        if not host:
            raise UnknownSource(f"{text}: the URL names no host; give the full address")
        return "feed"
    if "://" in text:
        raise UnknownSource(f"{text}: tolk reads http(s) feed URLs only; give an http(s) address")
    path = Path(text)
    if path.is_dir():
        return "folder"
    if path.is_file() and path.suffix.lower() in TABLE_SUFFIXES:
        return "table"
    if path.is_file() and path.suffix.lower() in FOLDER_SUFFIXES:
        return "file"
    if not path.exists():
        raise UnknownSource(f"{text}: no such file or folder; check the path")
    kinds = ", ".join(FOLDER_SUFFIXES + TABLE_SUFFIXES)
    raise UnknownSource(
        f"{text}: not a folder, {kinds} file or http(s) feed URL; give one of those"
    )


@contextmanager
def _session(web: Web | None, options: SourceOptions) -> Iterator[Web]:
    """Use the caller's web session, or open one without an archive for this call."""
    if web is not None:
        yield web
        return
    with Web.open(options.fetch, policy=options.urls) as own:
        yield own


def read_page_file(
    path: Path, folder: Path | None = None, max_bytes: int = FetchOptions.max_bytes
) -> Article:
    """Read a saved web page (`.html`) as an article; its URL is the page's canonical one."""
    page = extract_page(read_bytes(path, folder, max_bytes), str(path))
    return page_article(page, make_id(path.stem), str(path), "file", page.url)


def _read_file(item: Item, options: SourceOptions) -> Article | Failure:
    assert item.path is not None
    if item.path.suffix.lower() in PAGE_SUFFIXES:  # a saved page: the limit of a fetched one
        page_limit = options.fetch.max_bytes
        read = lambda path: read_page_file(path, item.folder, page_limit)  # noqa: E731
    else:
        limit = options.max_file_bytes
        read = lambda path: read_article(path, folder=item.folder, max_bytes=limit)  # noqa: E731
    return read_with_retries(item.path, read, options.read_delays)


def read_items(
    items: Iterable[Item], options: SourceOptions = DEFAULT_SOURCE_OPTIONS, web: Web | None = None
) -> tuple[list[Article], list[Failure]]:
    """Read a chunk of items into articles, in order; say why for each that cannot be read."""
    items = list(items)
    done: dict[int, Article | Failure] = {}
    pages: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        if item.kind == "web" and item.url:
            pages.setdefault(item.url, []).append(n)
            continue
        try:
            if item.kind == "table" and item.row is not None:
                read = row_article(item.row, item.id)
            else:
                read = _read_file(item, options)  # an Article, or a Failure after retries
            done[n] = check_dutch(read) if isinstance(read, Article) else read
        except TolkError as error:
            done[n] = _failure(item, error)
    if pages:
        with _session(web, options) as session:
            for url, indexes in pages.items():
                if any(items[n].trusted for n in indexes):
                    session.guard.trust(url)
            for url, fetched in fetch_pages(pages, session, options.refresh):
                for n in pages[url]:
                    done[n] = _web_article(items[n], fetched)
    results = [_checked(done[n]) for n in range(len(items))]
    articles = [r for r in results if isinstance(r, Article)]
    return articles, [r for r in results if isinstance(r, Failure)]


def _checked(result: Article | Failure) -> Article | Failure:
    """Let through only an article every writer can store (see tolk.intake.textcheck)."""
    if isinstance(result, Failure):
        return result
    try:
        check_article(result)
    except TolkError as error:
        return Failure(result.id, safe(result.source_path), str(error))
    return result


def _failure(item: Item, error: TolkError) -> Failure:
    return Failure(item.id, item.origin, str(error), left_out=isinstance(error, LeftOut))


def _web_article(item: Item, fetched: Fetched | FetchError) -> Article | Failure:
    """Make a fetched page's article, unless it is a wall or not Dutch (see tolk.intake.walls)."""
    if isinstance(fetched, TolkError):
        return _failure(item, fetched)
    try:
        check_redirect(item.origin, fetched.final_url)
        try:
            page = page_of(fetched, item.title, item.date)
        except EmptyPage:
            raw_consent(fetched.body, item.origin)  # a consent form is a wall, not an empty page
            raise
        screened = screen(page, fetched.body, item.origin, teaser_ok=item.teaser)
        article = page_article(screened.page, item.id, item.origin, "web", item.url)
        return check_dutch(replace(article, warnings=article.warnings + screened.notes))
    except TolkError as error:
        return _failure(item, error)

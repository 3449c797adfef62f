"""What `tolk run SOURCE...` takes in, listed as items first and read as articles second.

A source is a folder (`.txt` articles and saved `.html`/`.htm` pages), one such file, a table
(`.csv`, `.jsonl`, `.parquet`: one article per row), an http(s) feed URL (RSS or Atom) or, from
Python, a pandas DataFrame. `list_items` is cheap: it names every article, so a run can read
them in chunks; only tables and feeds are opened to list them. `read_items` reads one chunk
into `Article`s, fetching its web pages concurrently. Every problem is a `Failure` naming the
file, row or URL; one bad item never stops the others.

Ids: a file's stem when it is safe, else a slug plus a short hash; a table row's `id` column,
else its `url`, else "<table stem>-row<N>"; a web page's URL as a slug plus a short hash. A
second source with a taken id fails, naming both. The same page or file listed twice is read
once, with a note.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tolk.errors import (
    BadTable,
    DuplicateArticleId,
    EmptyPage,
    FetchError,
    LeftOut,
    TolkError,
    UnknownSource,
    UnreadableArticle,
)
from tolk.intake.extract import extract_page, page_article
from tolk.intake.feeds import DEFAULT_MAX_ITEMS
from tolk.intake.fetch import Fetched, FetchOptions
from tolk.intake.files import (
    DEFAULT_MAX_FILE_BYTES,
    READ_DELAYS,
    list_folder,
    megabytes,
    read_bytes,
    shown,
)
from tolk.intake.ids import IdRegistry, make_id, page_key, url_id
from tolk.intake.language import check_dutch
from tolk.intake.tables import (
    TABLE_SUFFIXES,
    ColumnMap,
    TableRow,
    check_row,
    frame_rows,
    row_article,
    table_rows,
)
from tolk.intake.text import ARTICLE_SUFFIX, read_article, read_with_retries
from tolk.intake.textcheck import check_article, check_text, safe
from tolk.intake.urlpolicy import UrlPolicy
from tolk.intake.walls import check_redirect, raw_consent, screen
from tolk.intake.web import Web, fetch_pages, page_of, read_feed
from tolk.records import Article, Failure, SourceKind
from tolk.settings import DEFAULTS, Settings

if TYPE_CHECKING:
    import pandas as pd

PAGE_SUFFIXES = (".html", ".htm")
FOLDER_SUFFIXES = (ARTICLE_SUFFIX, *PAGE_SUFFIXES)
# What a folder that gave no article is told, after what was skipped.
FOLDER_READS = (
    "tolk reads .txt articles and saved .html/.htm pages in a folder, and a table (.csv, "
    ".jsonl, .parquet) given as a source of its own; save the documents as .txt, or name the "
    "table itself"
)


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


class _Listing:
    """The items, failures and notes of one listing, and the ids it has handed out."""

    def __init__(self, options: SourceOptions) -> None:
        self.options = options
        self.items: list[Item] = []
        self.failures: list[Failure] = []
        self.notes: list[str] = []
        self._ids = IdRegistry()
        self._seen: dict[str, str] = {}  # what an item is (a file, row or URL) -> where listed

    def add(self, item: Item, identity: str, listed_in: str) -> bool:
        """Add an item unless the same article is listed already; say whether it was new."""
        if identity in self._seen:
            return False
        try:
            self._ids.claim(item.id, item.origin)
        except DuplicateArticleId as error:
            self.fail(item.id, item.origin, error)
            return True
        self._seen[identity] = listed_in
        self.items.append(item)
        return True

    def repeated(self, source: str, count: int, what: str) -> None:
        if count:
            self.notes.append(f"{source}: {count} {what} listed by an earlier source; read once")

    def fail(self, article_id: str, origin: str, error: TolkError | str) -> None:
        self.failures.append(Failure(article_id, origin, str(error)))

    def folder(self, folder: Path) -> None:
        found = list_folder(folder, FOLDER_SUFFIXES, self.options.recursive)
        if not found.paths and not found.problems:  # nothing to read fails; it is no success
            reason = found.why_empty(FOLDER_READS)
            self.fail(make_id(folder.name or "folder"), shown(folder), reason)
            return
        if note := found.note():
            self.notes.append(note)
        for path, reason in found.problems:
            self.fail(self._file_id(path, folder), shown(path), reason)
        repeated = sum(not self.file(path, folder, shown(folder)) for path in found.paths)
        self.repeated(shown(folder), repeated, "files")

    @staticmethod
    def _file_id(path: Path, folder: Path) -> str:
        # A file in a subfolder is named by its path from the folder ("2025/a" -> a slug and a
        # hash of it): unique and stable; a file at the top keeps its stem, as it always had.
        if path.parent == folder:
            return make_id(path.stem)
        return make_id(path.relative_to(folder).with_suffix("").as_posix())

    def file(self, path: Path, folder: Path, listed_in: str) -> bool:
        item = Item(self._file_id(path, folder), "file", str(path), path=path, folder=folder)
        return self.add(item, os.path.abspath(path), listed_in)

    def rows(self, rows: Iterable[tuple[int, object]], table: str, stem: str) -> None:
        count = 0
        try:
            for number, values in rows:
                count += 1
                self.row(number, values, table, stem)
        except BadTable as error:  # the table as a whole
            self.fail(make_id(stem), table, error)
            return
        if not count:
            self.fail(make_id(stem), table, f"{table}: the table has no rows; one row per article")

    def row(self, number: int, values: object, table: str, stem: str) -> None:
        origin, limit = f"{table}#row {number}", self.options.max_file_bytes
        fallback_id = make_id(f"{stem}-row{number}")
        try:
            if isinstance(values, TolkError):
                raise values
            row = check_row(values, origin, self.options.columns)
            size = len(row.text.encode("utf-8", "surrogatepass"))
            if size > limit:
                raise UnreadableArticle(
                    f"{origin}: the text is {megabytes(size)}, over the limit of "
                    f"{megabytes(limit)} per article; split it into articles"
                )
        except TolkError as error:
            self.fail(_raw_id(values, self.options.columns) or fallback_id, origin, error)
            return
        article_id = make_id(row.id) if row.id else url_id(row.url) if row.url else fallback_id
        self.add(Item(article_id, "table", origin, url=row.url, row=row), origin, table)

    def feed(self, url: str, web: Web) -> None:
        try:
            feed = read_feed(url, web, self.options.max_feed_items)
        except TolkError as error:
            self.fail(url_id(url), url, error)
            return
        if note := feed.note():
            self.notes.append(note)
        if not feed.items:
            self.fail(url_id(url), url, f"{url}: the feed lists no articles; check the address")
            return
        trusted = web.guard.is_local(url)
        repeated = 0
        for entry in feed.items:
            page, title, date = entry.url, entry.title, entry.date
            try:
                check_text(page, f"{url}: the item linking {page}", "link", line=True)
                check_text(title or "", f"{url}: the item linking {page}", "title", line=True)
            except TolkError as error:
                self.fail(url_id(page), safe(page), error)
                continue
            item = Item(
                url_id(page),
                "web",
                page,
                url=page,
                title=title,
                date=date,
                trusted=trusted,
                teaser=entry.teaser,
            )
            repeated += not self.add(item, page_key(page), url)
        self.repeated(url, repeated, "pages")


def _raw_id(values: object, columns: ColumnMap) -> str | None:
    """Give the id a failing row names, if it names a usable one."""
    raw = values.get(dict(columns).get("id", "id")) if isinstance(values, dict) else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return make_id(raw) if isinstance(raw, str) and raw.strip() else None


@contextmanager
def _session(web: Web | None, options: SourceOptions) -> Iterator[Web]:
    """Use the caller's web session, or open one without an archive for this call."""
    if web is not None:
        yield web
        return
    with Web.open(options.fetch, policy=options.urls) as own:
        yield own


def list_items(
    specs: Iterable[object], options: SourceOptions = SourceOptions(), web: Web | None = None
) -> tuple[list[Item], list[Failure], list[str]]:
    """List the articles of every source: the items, the failures and notes to log."""
    listing = _Listing(options)
    kinds = []
    for spec in specs:
        try:
            kinds.append((spec, source_kind(spec)))
        except UnknownSource as error:
            listing.fail(make_id(str(spec)), str(spec), error)
    frames = 0
    with ExitStack() as stack:
        session = web
        for spec, kind in kinds:
            if kind == "frame":
                frames += 1
                name = "DataFrame" if frames == 1 else f"DataFrame{frames}"
                listing.rows(frame_rows(spec, name, options.columns), name, name)
            elif kind == "folder":
                listing.folder(Path(spec))
            elif kind == "table":
                path = Path(spec)
                rows = table_rows(path, options.columns, options.max_file_bytes)
                listing.rows(rows, shown(path), path.stem)
            elif kind == "file":  # named on purpose: a link may lead anywhere
                path = Path(spec)
                if not listing.file(path, Path(os.path.realpath(path)).parent, str(path)):
                    listing.repeated(str(path), 1, "file")
            else:
                session = session or stack.enter_context(
                    Web.open(options.fetch, policy=options.urls)
                )
                listing.feed(str(spec), session)
    return listing.items, listing.failures, listing.notes


def items_from_frame(
    frame: pd.DataFrame, options: SourceOptions = SourceOptions(), name: str = "DataFrame"
) -> tuple[list[Item], list[Failure]]:
    """List a pandas DataFrame of Dutch texts as items, one per row ("DataFrame#row 1" ...)."""
    listing = _Listing(options)
    listing.rows(frame_rows(frame, name, options.columns), name, make_id(name.replace(" ", "")))
    return listing.items, listing.failures


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
    items: Iterable[Item], options: SourceOptions = SourceOptions(), web: Web | None = None
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

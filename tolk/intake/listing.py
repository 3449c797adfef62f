"""List what sources hold: every article named as an `Item`, cheaply, before any is read.

Only tables and feeds are opened to list them; folders are listed, files named. Ids are made
here and checked for collisions across all sources (see `tolk.intake.sources` for the rules);
every problem is a `Failure` naming the file, row or URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from tolk.errors import BadTable, DuplicateArticleId, TolkError, UnknownSource, UnreadableArticle
from tolk.intake.files import list_folder, megabytes, shown
from tolk.intake.ids import IdRegistry, make_id, page_key, url_id
from tolk.intake.sources import (
    DEFAULT_SOURCE_OPTIONS,
    FOLDER_SUFFIXES,
    Item,
    SourceOptions,
    source_kind,
)
from tolk.intake.tables import ColumnMap, check_row, frame_rows, table_rows
from tolk.intake.textcheck import check_text, safe
from tolk.intake.web import Web, read_feed
from tolk.records import Failure

if TYPE_CHECKING:
    import pandas as pd

# What a folder that gave no article is told, after what was skipped.
FOLDER_READS = (
    "tolk reads .txt articles and saved .html/.htm pages in a folder, and a table (.csv, "
    ".jsonl, .parquet) given as a source of its own; save the documents as .txt, or name the "
    "table itself"
)


class Listing:
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


def list_items(
    specs: Iterable[object], options: SourceOptions = DEFAULT_SOURCE_OPTIONS, web: Web | None = None
) -> tuple[list[Item], list[Failure], list[str]]:
    """List the articles of every source: the items, the failures and notes to log."""
    listing = Listing(options)
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
    frame: pd.DataFrame, options: SourceOptions = DEFAULT_SOURCE_OPTIONS, name: str = "DataFrame"
) -> tuple[list[Item], list[Failure]]:
    """List a pandas DataFrame of Dutch texts as items, one per row ("DataFrame#row 1" ...)."""
    listing = Listing(options)
    listing.rows(frame_rows(frame, name, options.columns), name, make_id(name.replace(" ", "")))
    return listing.items, listing.failures

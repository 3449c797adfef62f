"""`OutputStore`: the only code that touches an output folder.

A run opens the store (taking the folder's lock, sweeping what dead runs left, recovering the
work they had sealed, and checking that the tables are readable and agree, before any model
work), asks it which articles need translating, stages the new digests chunk by chunk (sealed
to disk every few chunks), and commits them as one new generation of both tables. The views
(pages, indexes) are written after the commit, by `tolk.views.refresh`.

The folder's layout is named in `tolk.store.layout`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tolk import __version__
from tolk.errors import OutputError, StoreTooNew
from tolk.fileio import fsync_path, io_errors, is_temp, replace_symlink, write_text
from tolk.intake.archive import PageArchive
from tolk.records import (
    ARTICLES_SCHEMA,
    SCHEMA_VERSION,
    SENTENCES_SCHEMA,
    Article,
    Digest,
    article_row,
    digest_from_rows,
    sentence_rows,
)
from tolk.settings import DEFAULTS
from tolk.store.changes import CHANGE_COLUMNS, Change, classify
from tolk.store.layout import (
    ARTICLES_FILE,
    CURRENT,
    DAMAGED_DIR,
    FETCHED_DIR,
    LOCK_FILE,
    OWN_FOLDERS,
    SENTENCES_FILE,
    STAGING_DIR,
    STATE_DIR,
    TABLES_DIR,
    VIEWS_STATE,
)
from tolk.store.lock import FolderLock, describe_owner
from tolk.store.tables import (
    KEEP_GENERATIONS,
    KEY_COLUMN,
    SCHEMAS,
    Generation,
    Unreadable,
    current_number,
    distinct_settings,
    generation_dir,
    list_generations,
    load_generation,
    write_generation,
    write_table,
)

SEALED = ".sealed"


@dataclass
class Plan:
    """What a chunk needs: the articles whose stored output is reused, and those to translate."""

    reuse: list[str]
    work: list[Article]


@dataclass
class Commit:
    """A committed generation: its number, what it holds, and which articles it changed."""

    generation: int
    articles: int
    sentences: int
    changed: list[str] = field(default_factory=list)


@dataclass
class _Part:
    """Staged digests of some chunks: one Parquet file per table, sealed when complete."""

    path: Path  # part-NNNNNN (the files add .articles.parquet, .sentences.parquet, .sealed)
    ids: list[str] = field(default_factory=list)

    def file(self, name: str) -> Path:
        return self.path.with_name(f"{self.path.name}.{name}")

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def marker(self) -> Path:
        return self.path.with_name(self.path.name + SEALED)

    def table(self, name: str, exclude: set[str]) -> Iterator[pa.Table]:
        parquet = pq.ParquetFile(self.file(name))
        for batch in parquet.iter_batches(batch_size=4096):
            yield _without(pa.Table.from_batches([batch]), KEY_COLUMN[name], exclude)


def _without(table: pa.Table, column: str, ids: set[str]) -> pa.Table:
    """Drop the rows whose `column` is one of `ids`."""
    if not ids or not table.num_rows:
        return table
    return table.filter(pc.invert(pc.is_in(table[column], pa.array(sorted(ids), pa.string()))))


class OutputStore:
    """Own one output folder for the length of a run (use it as a context manager)."""

    def __init__(
        self,
        root: Path,
        lock_timeout: float = DEFAULTS.lock_timeout,
        checkpoint_chunks: int = DEFAULTS.checkpoint_chunks,
        log: logging.Logger | logging.LoggerAdapter | None = None,
    ) -> None:
        self.root = Path(root)
        self.state = self.root / STATE_DIR
        self.tables = self.root / TABLES_DIR
        self.log = log or logging.getLogger("tolk")
        self.checkpoint_chunks = max(1, checkpoint_chunks)
        self.lock = FolderLock(self.state / LOCK_FILE, lock_timeout, self.log)
        self.archive = PageArchive(self.root / FETCHED_DIR)  # fetched pages and feeds
        self.generation: Generation | None = None
        self.stored: dict[str, str] = {}  # id -> cache key, for every intact stored article
        self.damaged: set[str] = set()  # ids whose rows are unusable: dropped at the next commit
        self.lost: set[str] = set()  # articles the folder held but can no longer give back
        self.recovered: list[str] = []  # articles an interrupted run translated, now committed
        self.outdated = False  # the tables are in an older schema: upgraded at the next commit
        self.notes: list[str] = []  # what a person should know about the folder's state
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
        self._parts: list[_Part] = []
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._open_part: _Part | None = None
        self._chunks_in_part = 0

    # ------------------------------------------------------------------ opening

    def __enter__(self) -> OutputStore:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Lock the folder, sweep and recover what dead runs left, and check the tables."""
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(f"{self.root} is a file, not a folder: choose another --out")
        with io_errors(self.root, "create the output folder"):
            self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise OutputError(
                f"{self.root}: cannot write here (permission denied); fix the folder's "
                "permissions or choose another --out"
            )
        self._refuse_links()
        self.lock.acquire()
        try:
            self._sweep()
            self._load()
            self._recover()
            self._link_tables()
        except BaseException:
            self.lock.release()
            raise

    def close(self) -> None:
        """Seal nothing more, drop an unsealed part, and release the folder."""
        self._close_writers()
        if self._open_part is not None:
            for name in SCHEMAS:
                self._open_part.file(name).unlink(missing_ok=True)
            self._open_part = None
        staging = self._staging()
        if staging.exists() and not any(staging.iterdir()):
            staging.rmdir()
        self.lock.release()

    def _refuse_links(self) -> None:
        """Refuse a folder whose own folders are links: tolk would write wherever they lead."""
        folders = [self.root / name for name in OWN_FOLDERS]
        if self.archive.root.is_dir() and not self.archive.root.is_symlink():
            folders += [*self.archive.root.glob("*"), *self.archive.root.glob("*/*")]
        for folder in folders:
            if folder.is_symlink():
                raise OutputError(
                    f"{folder}: a symbolic link (to {os.readlink(folder)}); tolk writes only "
                    "inside the output folder: replace the link by a real folder, or choose "
                    "another --out"
                )

    def _staging(self) -> Path:
        return self.state / STAGING_DIR / self.run_id

    def _sweep(self) -> None:
        """Remove what dead runs left: temporary files, half-written generations."""
        removed = 0
        folders = [self.root, *[p for p in self.root.iterdir() if p.is_dir()]]
        if self.archive.root.is_dir():  # pages/ab/..., two levels further down
            folders += [p for p in self.archive.root.glob("*/*") if p.is_dir()]
        for folder in folders:
            for entry in folder.iterdir():
                if is_temp(entry.name) and not entry.is_dir():
                    entry.unlink(missing_ok=True)
                    removed += 1
        if self.tables.is_dir():
            current = current_number(self.tables)
            for entry in self.tables.iterdir():
                unfinished = entry.name.endswith(".partial")
                uncommitted = (
                    entry.name.isdigit() and current is not None and int(entry.name) > current
                )
                if unfinished or uncommitted:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed += 1
        if removed:
            self.log.info(f"{self.root}: removed {removed} files an interrupted run left")

    def _load(self) -> None:
        """Find the newest intact generation and the articles it holds."""
        candidates = self._candidates()
        unreadable: set[str] = set()
        for generation in candidates:
            claimed = generation.manifest.get("schema_version", 1)
            if not isinstance(claimed, int) or claimed > SCHEMA_VERSION:
                raise StoreTooNew(
                    f"{generation.path}: its manifest claims store schema {claimed!r}; this tolk "
                    f"{__version__} reads up to schema {SCHEMA_VERSION}: upgrade tolk, or choose "
                    "another --out"
                )
            try:
                self.stored, self.damaged = self._inspect(generation)
            except Unreadable as error:
                unreadable |= self._ids_of(generation)
                self._set_aside(generation, str(error))
                continue
            self.generation = generation
            self.outdated = generation.manifest.get("schema_version", 1) < SCHEMA_VERSION
            self.lost = (unreadable - set(self.stored)) | self.damaged
            if generation is not candidates[0]:
                self._note(
                    f"the newest tables were damaged; went back to generation {generation.number}"
                    f" ({generation.manifest.get('committed_at', 'an earlier run')}): articles "
                    "changed since then are translated again when their sources are given"
                )
                replace_symlink(self.tables / CURRENT, generation.path.name)
            elif generation.number and (target := _link_target(self.tables / CURRENT)) != (
                generation.path.name
            ):
                was = "was missing" if target is None else f"pointed at {target!r}"
                self._note(
                    f"tables/current {was}, not at a generation of this folder: repaired to "
                    f"{generation.path.name}"
                )
                replace_symlink(self.tables / CURRENT, generation.path.name)
            return
        if candidates:
            self.lost = unreadable
            self._note("no intact tables were left: starting from empty ones")

    @staticmethod
    def _ids_of(generation: Generation) -> set[str]:
        """Return the article ids a damaged generation still names, if its articles can be read."""
        try:
            return set(generation.read(ARTICLES_FILE, ["id"])["id"].to_pylist())
        except (Unreadable, OSError, pa.ArrowException):
            return set()

    def _candidates(self) -> list[Generation]:
        """Return the generations to try, newest (current) first; tolk 0.1.0's files last."""
        found: list[Generation] = []
        current = current_number(self.tables)
        for number in sorted(list_generations(self.tables), reverse=True):
            if current is not None and number > current:
                continue
            try:
                found.append(load_generation(self.tables, number))
            except Unreadable as error:
                self._set_aside(Generation(number, generation_dir(self.tables, number)), str(error))
        legacy = Generation(0, self.root)
        legacy_file = self.root / ARTICLES_FILE  # tolk 0.1.0 wrote files, never links
        if not found and legacy_file.is_file() and not legacy_file.is_symlink():
            found.append(legacy)  # written by tolk 0.1.0: upgraded at the next commit
        return found

    def _inspect(self, generation: Generation) -> tuple[dict[str, str], set[str]]:
        """Check a generation's tables agree; return intact ids' keys and damaged ids."""
        articles = generation.read(ARTICLES_FILE, ["id", "cache_key", "n_sentences"])
        sentences = generation.read(SENTENCES_FILE, ["article_id"])
        expected = generation.manifest
        if expected and (
            expected.get("articles") != articles.num_rows
            or expected.get("sentences") != sentences.num_rows
        ):
            raise Unreadable(
                f"{generation.path}: the tables hold {articles.num_rows} articles and "
                f"{sentences.num_rows} sentences, the manifest says {expected.get('articles')} "
                f"and {expected.get('sentences')}"
            )
        tally = pc.value_counts(sentences["article_id"].combine_chunks())
        counts = dict(
            zip(tally.field("values").to_pylist(), tally.field("counts").to_pylist(), strict=True)
        )
        stored: dict[str, str] = {}
        damaged: set[str] = set()
        ids = articles["id"].to_pylist()
        for article_id, key, n in zip(
            ids, articles["cache_key"].to_pylist(), articles["n_sentences"].to_pylist(), strict=True
        ):
            if article_id in stored or counts.get(article_id, 0) != n:
                damaged.add(article_id)
            else:
                stored[article_id] = key
        for article_id in damaged:
            stored.pop(article_id, None)
        orphans = set(counts) - set(ids)
        if damaged:
            self._note(
                f"{len(damaged)} stored articles have sentence rows that do not match their "
                f"article rows ({', '.join(sorted(damaged)[:5])}{'…' if len(damaged) > 5 else ''}"
                "): their rows are dropped at the next commit; give their sources again to "
                "translate them anew"
            )
        return stored, damaged | orphans

    def _set_aside(self, generation: Generation, reason: str) -> None:
        """Move a damaged generation out of the way, keeping it for a person to look at."""
        if generation.number == 0:
            target = self.state / DAMAGED_DIR / f"tolk-0.1.0-{self.run_id}"
            with io_errors(target, "set the damaged tables aside"):
                target.mkdir(parents=True, exist_ok=True)
                for name in SCHEMAS:
                    if (self.root / name).exists():
                        os.replace(self.root / name, target / name)
        else:
            target = self.state / DAMAGED_DIR / f"{generation.path.name}-{self.run_id}"
            with io_errors(target, "set the damaged tables aside"):
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(generation.path, target)
        self._note(f"unreadable tables set aside in {target} ({reason})")

    def _note(self, message: str) -> None:
        self.notes.append(message)
        self.log.warning(f"{self.root}: {message}")

    def _recover(self) -> None:
        """Commit the work that interrupted runs had sealed, so none of it is translated again."""
        staging = self.state / STAGING_DIR
        if not staging.is_dir():
            return
        parts: list[_Part] = []
        committed = set(self.generation.manifest.get("parts", [])) if self.generation else set()
        runs = sorted(p for p in staging.iterdir() if p.is_dir())
        for run in runs:
            for marker in sorted(run.glob(f"part-*{SEALED}")):
                part = _Part(marker.with_name(marker.name[: -len(SEALED)]))
                if part.name in committed:
                    continue  # its run died after committing it, before cleaning up
                part.ids = json.loads(marker.read_text(encoding="utf-8"))["ids"]
                parts.append(part)
        if parts:
            commit = self._commit(parts)
            self._note(
                f"recovered {len(commit.changed)} articles that an interrupted run had "
                f"translated (generation {commit.generation})"
            )
            self.recovered = commit.changed
        for run in runs:
            shutil.rmtree(run, ignore_errors=True)

    def _link_tables(self) -> None:
        """Make the top-level table names point through tables/current."""
        if self.generation is None or self.generation.number == 0:
            return
        for name in SCHEMAS:
            link = self.root / name
            target = f"{TABLES_DIR}/{CURRENT}/{name}"
            if not (link.is_symlink() and os.readlink(link) == target):
                replace_symlink(link, target)

    # ------------------------------------------------------------------ planning and staging

    def plan(self, articles: Sequence[Article], keys: dict[str, str]) -> Plan:
        """Split a chunk into articles whose stored output still holds and articles to translate."""
        reuse = [a.id for a in articles if self.stored.get(a.id) == keys[a.id]]
        taken = set(reuse)
        work = [a for a in articles if a.id not in taken]
        self._name_collisions([a for a in work if a.id in self.stored])
        return Plan(reuse, work)

    def _name_collisions(self, changed: Sequence[Article]) -> None:
        """Note each changed article whose stored namesake came from another source."""
        if not changed or self.generation is None:
            return
        ids = sorted({a.id for a in changed})
        rows = self.generation.read(ARTICLES_FILE, ["id", "source_path"], [("id", "in", ids)])
        before = dict(zip(rows["id"].to_pylist(), rows["source_path"].to_pylist(), strict=True))
        for article in changed:
            old = before.get(article.id)
            if old is not None and old != article.source_path:
                self._note(
                    f"article {article.id!r} from {article.source_path} replaces the one stored "
                    f"from {old} (same id, other source, other text); if they are different "
                    "articles, rename one of them or give the table an id column"
                )

    def stage(self, digests: Sequence[Digest]) -> None:
        """Stage a chunk's digests; seal the part every `checkpoint_chunks` chunks."""
        if not digests:
            return
        if self._open_part is None:
            path = self._staging() / f"part-{len(self._parts) + 1:06d}"
            with io_errors(path.parent, "stage the translations"):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._open_part = _Part(path)
        part = self._open_part
        written_at = datetime.now(UTC)
        tables = {
            ARTICLES_FILE: pa.Table.from_pylist(
                [article_row(d, written_at) for d in digests], schema=ARTICLES_SCHEMA
            ),
            SENTENCES_FILE: pa.Table.from_pylist(
                [row for d in digests for row in sentence_rows(d)], schema=SENTENCES_SCHEMA
            ),
        }
        with io_errors(part.path.parent, "stage the translations"):
            for name, table in tables.items():
                if name not in self._writers:
                    self._writers[name] = pq.ParquetWriter(
                        part.file(name), SCHEMAS[name], compression="zstd"
                    )
                self._writers[name].write_table(table)
        part.ids.extend(d.article.id for d in digests)
        self._chunks_in_part += 1
        if self._chunks_in_part >= self.checkpoint_chunks:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Seal the staged part to disk, so that an interrupted run's work is recovered."""
        part = self._open_part
        if part is None:
            return
        self._close_writers()
        with io_errors(part.path.parent, "seal the staged translations"):
            for name in SCHEMAS:
                fsync_path(part.file(name))
            write_text(part.marker, json.dumps({"ids": part.ids}))
            fsync_path(part.path.parent)
        self._parts.append(part)
        self._open_part = None
        self._chunks_in_part = 0

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    # ------------------------------------------------------------------ committing

    @property
    def pending(self) -> bool:
        """Say whether a commit would change the tables."""
        legacy = self.generation is not None and self.generation.number == 0
        return bool(self._parts or self._open_part or self.damaged or legacy or self.outdated)

    def commit(self) -> Commit | None:
        """Merge the staged digests into a new generation of both tables and make it current."""
        self.checkpoint()
        if not self.pending:
            return None
        parts, self._parts = self._parts, []
        commit = self._commit(parts)
        for part in parts:
            for name in SCHEMAS:
                part.file(name).unlink(missing_ok=True)
            part.marker.unlink(missing_ok=True)
        return commit

    def _commit(self, parts: list[_Part]) -> Commit:
        # A later part wins over an earlier one for the same article (recovered runs).
        later: set[str] = set()
        excluded: list[set[str]] = []
        for part in reversed(parts):
            excluded.append(set(later))
            later.update(part.ids)
        excluded.reverse()
        drop = later | self.damaged
        old = self.generation

        def stream(name: str) -> Iterator[pa.Table]:
            if old is not None:
                for table in old.batches(name):
                    yield _without(table, KEY_COLUMN[name], drop)
            for part, skip in zip(parts, excluded, strict=True):
                yield from part.table(name, skip)

        def settings() -> Iterator[pa.Table]:
            # Only two columns: the signatures describe the rows the new generation holds.
            if old is not None:
                yield _without(old.read(ARTICLES_FILE, ["id", "settings"]), "id", drop)
            for part, skip in zip(parts, excluded, strict=True):
                table = pq.read_table(part.file(ARTICLES_FILE), columns=["id", "settings"])
                yield _without(table, "id", skip)

        signatures = distinct_settings(settings())
        numbers = list_generations(self.tables) + [old.number if old else 0]
        number = max(numbers) + 1
        changed = [
            i for part, skip in zip(parts, excluded, strict=True) for i in part.ids if i not in skip
        ]
        changes = self._changes(old, parts, excluded)
        generation = write_generation(
            self.tables,
            number,
            {name: stream(name) for name in SCHEMAS},
            signatures,
            changed,
            [part.name for part in parts],
            {i: c.to_dict() for i, c in changes.items()},
        )
        self.generation = generation
        self.stored, self.damaged = self._inspect(generation)
        self.outdated = False
        self._link_tables()
        self._prune()
        self.log.info(
            f"{self.root}: committed generation {number}: {generation.manifest['articles']} "
            f"articles, {generation.manifest['sentences']} sentence pairs"
        )
        return Commit(
            number, generation.manifest["articles"], generation.manifest["sentences"], changed
        )

    def _changes(
        self, old: Generation | None, parts: list[_Part], excluded: list[set[str]]
    ) -> dict[str, Change]:
        """Tell for each staged article whether it is new, changed at its source or redone."""
        new: dict[str, dict] = {}
        for part, skip in zip(parts, excluded, strict=True):
            table = pq.read_table(part.file(ARTICLES_FILE), columns=CHANGE_COLUMNS)
            new.update((r["id"], r) for r in _without(table, "id", skip).to_pylist())
        before: dict[str, dict] = {}
        if old is not None and new:
            ids = sorted(set(new) - self.damaged)
            rows = old.read(ARTICLES_FILE, CHANGE_COLUMNS, filters=[("id", "in", ids)])
            before = {r["id"]: r for r in rows.to_pylist()}
        return {i: classify(before.get(i), row) for i, row in new.items()}

    def _prune(self) -> None:
        """Keep the current generation and the one before it; remove older ones."""
        numbers = list_generations(self.tables)
        for number in numbers[:-KEEP_GENERATIONS]:
            shutil.rmtree(generation_dir(self.tables, number), ignore_errors=True)

    # ------------------------------------------------------------------ reading

    def digests(self, ids: Iterable[str], batch: int = 256) -> Iterator[Digest]:
        """Rebuild the stored digests of some articles, a batch at a time (no model work)."""
        if self.generation is None:
            return
        wanted = sorted(set(ids) & set(self.stored))
        for start in range(0, len(wanted), batch):
            some = wanted[start : start + batch]
            rows = self.generation.read(ARTICLES_FILE, filters=[("id", "in", some)]).to_pylist()
            sentences = self.generation.read(
                SENTENCES_FILE, filters=[("article_id", "in", some)]
            ).to_pylist()
            by_article: dict[str, list[dict]] = {}
            for s in sentences:
                by_article.setdefault(s["article_id"], []).append(s)
            for row in rows:
                yield digest_from_rows(row, by_article.get(row["id"], []))

    def articles(self, columns: list[str]) -> pa.Table:
        """Read some columns of every stored article (for indexes)."""
        if self.generation is None:
            return pa.schema([ARTICLES_SCHEMA.field(c) for c in columns]).empty_table()
        return self.generation.read(ARTICLES_FILE, columns)

    def generations_after(self, number: int) -> list[Generation]:
        """Return the kept generations after `number`, up to the current one, oldest first."""
        if self.generation is None:
            return []
        found = []
        for n in list_generations(self.tables):
            if number < n <= self.generation.number:
                try:
                    found.append(load_generation(self.tables, n))
                except Unreadable:
                    continue
        return found

    def changed_since(self, number: int) -> set[str] | None:
        """Return the articles changed after generation `number`, or None when unknown."""
        if self.generation is None:
            return set()
        changed: set[str] = set()
        for n in range(number + 1, self.generation.number + 1):
            try:
                changed.update(load_generation(self.tables, n).manifest.get("changed", []))
            except Unreadable:
                return None  # pruned: the caller treats every article as changed
        return changed

    def write_view(self, relative: str, text: str) -> None:
        """Write one derived view file (a page or an index) atomically, inside the folder."""
        path = self.root / relative
        where = Path(os.path.realpath(path.parent))
        if not where.is_relative_to(os.path.realpath(self.root)):
            raise OutputError(
                f"{path.parent}: leads out of the output folder (to {where}); tolk writes only "
                "inside it: replace the link by a real folder"
            )
        write_text(path, text)

    def remove_view(self, relative: str) -> bool:
        """Remove one view file, if it is there (never through a link); say whether it was."""
        path = self.root / relative
        if not Path(os.path.realpath(path.parent)).is_relative_to(os.path.realpath(self.root)):
            return False
        with io_errors(path, "remove the page"):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        return True

    def view_exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def view_state(self) -> dict:
        """Return the record of which generation the views show ({} when none)."""
        try:
            return json.loads((self.state / VIEWS_STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def set_view_state(self, state: dict) -> None:
        write_text(self.state / VIEWS_STATE, json.dumps(state))

    def owner_text(self) -> str:
        return describe_owner(self.lock.owner())


def _link_target(link: Path) -> str | None:
    try:
        return os.readlink(link)
    except OSError:
        return None


__all__ = ["Commit", "OutputStore", "Plan", "write_table"]

"""`OutputStore`: the only code that touches an output folder.

A run opens the store (taking the folder's lock, sweeping what dead runs left, recovering the
work they had sealed, and checking that the tables are readable and agree, before any model
work: `recovery`), asks it which articles need translating, stages the new digests chunk by
chunk (sealed to disk every few chunks: `staging`), and commits them as one new generation of
both tables (`merge`). The views (pages, indexes) are written after the commit, by
`tolk.views.refresh`, through `views` (`viewfiles`). The layout is named in `tolk.store.layout`.

One module because `OutputStore` is the one object a run holds for its folder: its steps live
in `staging`, `merge`, `recovery` and `viewfiles`; what remains here is their order.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from tolk import __version__
from tolk.errors import OutputError, StoreTooNew
from tolk.fileio import io_errors, replace_symlink
from tolk.intake.archive import PageArchive
from tolk.records import ARTICLES_SCHEMA, SCHEMA_VERSION, Article, Digest, Signature
from tolk.settings import DEFAULTS
from tolk.store import recovery
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
from tolk.store.memory import Recent, decoded_sentences, recall
from tolk.store.merge import merge
from tolk.store.rows import digest_from_rows
from tolk.store.staging import Staging, sealed_parts
from tolk.store.tables import (
    KEEP_GENERATIONS,
    SCHEMAS,
    Generation,
    Unreadable,
    generation_dir,
    list_generations,
    load_generation,
    write_table,
)
from tolk.store.viewfiles import ViewFiles
from tolk.translate.base import Translation


@dataclass
class Plan:
    """What a chunk needs: the articles whose stored output is reused, and those to translate."""

    reuse: list[str]
    work: list[Article]
    reused_sentences: int = 0  # the sentences of the reused articles


@dataclass
class Commit:
    """A committed generation: its number, what it holds, and which articles it changed."""

    generation: int
    articles: int
    sentences: int
    changed: list[str] = field(default_factory=list)


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
        self._keys: dict[str, str] = {}  # id -> cache key, of the articles planned for work
        self._sizes: dict[str, int] = {}  # id -> sentences, for every intact stored article
        self._recent = Recent()  # this run's staged sentences, for its translation memory
        self.views = ViewFiles(self.root, self.state / VIEWS_STATE)
        self.staging = Staging(self.state / STAGING_DIR / self.run_id, checkpoint_chunks)

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
        self.staging.close()
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

    def _sweep(self) -> None:
        recovery.sweep(self.root, self.archive.root, self.tables, self.log)

    def _load(self) -> None:
        """Find the newest intact generation and the articles it holds."""
        candidates, broken = recovery.candidates(self.root, self.tables)
        for generation, reason in broken:
            self._set_aside(generation, reason)
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
                unreadable |= recovery.ids_of(generation)
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
            elif generation.number and (target := recovery.link_target(self.tables / CURRENT)) != (
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

    def _inspect(self, generation: Generation) -> tuple[dict[str, str], set[str]]:
        stored, damaged, note, self._sizes = recovery.inspect(generation)
        if note:
            self._note(note)
        return stored, damaged

    def _set_aside(self, generation: Generation, reason: str) -> None:
        """Move a damaged generation out of the way, keeping it for a person to look at."""
        target = recovery.set_aside(generation, self.root, self.state / DAMAGED_DIR, self.run_id)
        self._note(f"unreadable tables set aside in {target} ({reason})")

    def _note(self, message: str) -> None:
        self.notes.append(message)
        self.log.warning(f"{self.root}: {message}")

    def _recover(self) -> None:
        """Commit the work that interrupted runs had sealed, so none of it is translated again."""
        committed = set(self.generation.manifest.get("parts", [])) if self.generation else set()
        parts, runs = sealed_parts(self.state / STAGING_DIR, committed)
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
        self._keys.update((a.id, keys[a.id]) for a in work)
        self._name_collisions([a for a in work if a.id in self.stored])
        return Plan(reuse, work, sum(self._sizes.get(i, 0) for i in reuse))

    def memory(self, signature: Signature, articles: Sequence[Article]) -> dict[str, Translation]:
        """Return the English that the store, or this run, holds for the Dutch sentences of
        `articles` under `signature` (the translation memory: `tolk.store.memory`)."""
        wanted = decoded_sentences(articles)
        found = self._recent.recall(signature, wanted)
        found.update(recall(self.generation, signature, wanted - set(found), self.damaged))
        return found

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
        """Stage a chunk's digests, each with its plan's cache key; seal them every
        `checkpoint_chunks` chunks."""
        unplanned = sorted({d.article.id for d in digests} - set(self._keys))
        if unplanned:
            raise ValueError(f"stage only planned articles: {', '.join(unplanned)} never were")
        self.staging.stage([replace(d, cache_key=self._keys[d.article.id]) for d in digests])
        self._recent.add(digests)

    def checkpoint(self) -> None:
        """Seal the staged work to disk, so that an interrupted run's work is recovered."""
        self.staging.checkpoint()

    # ------------------------------------------------------------------ committing

    @property
    def pending(self) -> bool:
        """Say whether a commit would change the tables."""
        legacy = self.generation is not None and self.generation.number == 0
        return bool(self.staging.pending or self.damaged or legacy or self.outdated)

    def commit(self) -> Commit | None:
        """Merge the staged digests into a new generation of both tables and make it current."""
        self.checkpoint()
        if not self.pending:
            return None
        parts = self.staging.take()
        commit = self._commit(parts)
        for part in parts:
            part.remove()
        return commit

    def _commit(self, parts) -> Commit:
        generation, changed = merge(self.tables, self.generation, parts, self.damaged)
        self.generation = generation
        self.stored, self.damaged = self._inspect(generation)
        self.outdated = False
        self._link_tables()
        self._prune()
        manifest = generation.manifest
        self.log.info(
            f"{self.root}: committed generation {generation.number}: {manifest['articles']} "
            f"articles, {manifest['sentences']} sentence pairs"
        )
        return Commit(generation.number, manifest["articles"], manifest["sentences"], changed)

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

    def owner_text(self) -> str:
        return describe_owner(self.lock.owner())


__all__ = ["Commit", "OutputStore", "Plan", "write_table"]

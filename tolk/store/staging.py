"""Staging: a run's new digests written beside the tables, chunk by chunk, before the commit.

Digests go into parts (one Parquet file per table); every few chunks the open part is flushed
and sealed with a marker naming its articles, so a run that dies after sealing loses none of
that work: the next run commits the sealed parts it finds (`sealed_parts`) without translating
them again. An unsealed part is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tolk.fileio import fsync_path, io_errors, write_text
from tolk.records import ARTICLES_SCHEMA, SENTENCES_SCHEMA, Digest
from tolk.store.layout import ARTICLES_FILE, SENTENCES_FILE
from tolk.store.rows import article_row, sentence_rows
from tolk.store.tables import BATCH_ROWS, KEY_COLUMN, SCHEMAS

SEALED = ".sealed"


@dataclass
class Part:
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
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            yield without(pa.Table.from_batches([batch]), KEY_COLUMN[name], exclude)

    def remove(self) -> None:
        """Delete the part's files and its seal (after a commit that holds it)."""
        for name in SCHEMAS:
            self.file(name).unlink(missing_ok=True)
        self.marker.unlink(missing_ok=True)


def without(table: pa.Table, column: str, ids: set[str]) -> pa.Table:
    """Drop the rows whose `column` is one of `ids`."""
    if not ids or not table.num_rows:
        return table
    return table.filter(pc.invert(pc.is_in(table[column], pa.array(sorted(ids), pa.string()))))


def sealed_parts(staging: Path, committed: set[str]) -> tuple[list[Part], list[Path]]:
    """Return the sealed parts dead runs left that no generation holds yet, and their runs."""
    if not staging.is_dir():
        return [], []
    parts: list[Part] = []
    runs = sorted(p for p in staging.iterdir() if p.is_dir())
    for run in runs:
        for marker in sorted(run.glob(f"part-*{SEALED}")):
            part = Part(marker.with_name(marker.name[: -len(SEALED)]))
            if part.name in committed:
                continue  # its run died after committing it, before cleaning up
            part.ids = json.loads(marker.read_text(encoding="utf-8"))["ids"]
            parts.append(part)
    return parts, runs


class Staging:
    """One run's staged parts, in its own folder; sealed every `checkpoint_chunks` chunks."""

    def __init__(self, folder: Path, checkpoint_chunks: int) -> None:
        self.folder = folder
        self.checkpoint_chunks = max(1, checkpoint_chunks)
        self.sealed: list[Part] = []
        self._open: Part | None = None
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._chunks_in_part = 0

    @property
    def pending(self) -> bool:
        """Say whether anything is staged, sealed or not."""
        return bool(self.sealed or self._open)

    def stage(self, digests: Sequence[Digest]) -> None:
        """Stage a chunk's digests; seal the part every `checkpoint_chunks` chunks."""
        if not digests:
            return
        if self._open is None:
            path = self.folder / f"part-{len(self.sealed) + 1:06d}"
            with io_errors(path.parent, "stage the translations"):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._open = Part(path)
        part = self._open
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
        """Seal the open part to disk, so that an interrupted run's work is recovered."""
        part = self._open
        if part is None:
            return
        self._close_writers()
        with io_errors(part.path.parent, "seal the staged translations"):
            for name in SCHEMAS:
                fsync_path(part.file(name))
            write_text(part.marker, json.dumps({"ids": part.ids}))
            fsync_path(part.path.parent)
        self.sealed.append(part)
        self._open = None
        self._chunks_in_part = 0

    def take(self) -> list[Part]:
        """Seal what is open and hand over every sealed part (for a commit)."""
        self.checkpoint()
        parts, self.sealed = self.sealed, []
        return parts

    def close(self) -> None:
        """Drop an unsealed part and the run's folder if it is empty."""
        self._close_writers()
        if self._open is not None:
            for name in SCHEMAS:
                self._open.file(name).unlink(missing_ok=True)
            self._open = None
        if self.folder.exists() and not any(self.folder.iterdir()):
            self.folder.rmdir()

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

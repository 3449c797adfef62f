"""The two Parquet tables of an output folder, as generations: read tolerantly, written as one.

A generation is a folder `tables/NNNNNN/` holding `articles.parquet`, `sentences.parquet` and a
`manifest.json` (counts, schema version, the signatures of the rows, the articles it changed).
`tables/current` is a symbolic link to the current generation and is the commit point: it is
replaced in one atomic rename, so a reader never sees new sentences beside old articles. The
top-level `articles.parquet` and `sentences.parquet` are links through `tables/current`, so
analysts keep opening the plain names.

Reading is tolerant: a table written by an older tolk (fewer columns) gets the new columns as
nulls and is upgraded when the next generation is written. A table from a newer tolk is refused.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tolk import __version__
from tolk.errors import StoreTooNew
from tolk.fileio import fsync_path, io_errors, replace_symlink, write_text
from tolk.records import ARTICLES_SCHEMA, SCHEMA_VERSION, SENTENCES_SCHEMA
from tolk.store.layout import ARTICLES_FILE, CURRENT, MANIFEST_FILE, SENTENCES_FILE

SCHEMAS = {ARTICLES_FILE: ARTICLES_SCHEMA, SENTENCES_FILE: SENTENCES_SCHEMA}
KEY_COLUMN = {ARTICLES_FILE: "id", SENTENCES_FILE: "article_id"}
BATCH_ROWS = 4096
KEEP_GENERATIONS = 2  # the current one and the one before, for readers still on it


class Unreadable(Exception):
    """A table or manifest of a generation cannot be read (the store decides what follows)."""


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Give a table exactly `schema`'s columns: older tables get the newer columns as nulls."""
    columns = []
    for schema_field in schema:
        if schema_field.name in table.column_names:
            columns.append(table[schema_field.name].cast(schema_field.type))
        else:
            columns.append(pa.nulls(table.num_rows, schema_field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def schema_version(metadata: dict[bytes, bytes] | None) -> int:
    """Return the schema version a table's metadata states (tolk 0.1.0 stated none: 1)."""
    return int((metadata or {}).get(b"tolk_schema", b"1"))


@dataclass
class Generation:
    """One readable pair of tables: a generation folder, or tolk 0.1.0's top-level files."""

    number: int  # 0: tolk 0.1.0's layout, before generations
    path: Path
    manifest: dict = field(default_factory=dict)

    def table(self, name: str) -> Path:
        return self.path / name

    def open(self, name: str) -> pq.ParquetFile:
        """Open one table's footer, refusing one from a newer tolk."""
        path = self.table(name)
        try:
            parquet = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as error:
            raise Unreadable(f"{path}: {error}") from None
        version = schema_version(parquet.schema_arrow.metadata)
        if version > SCHEMA_VERSION:
            raise StoreTooNew(
                f"{path} was written by tolk "
                f"{(parquet.schema_arrow.metadata or {}).get(b'tolk_version', b'?').decode()} "
                f"(store schema {version}); this tolk {__version__} reads up to schema "
                f"{SCHEMA_VERSION}: upgrade tolk, or choose another --out"
            )
        return parquet

    def read(self, name: str, columns: list[str] | None = None, filters=None) -> pa.Table:
        """Read a table (only `columns`, only the rows `filters` keep), conformed to the schema."""
        schema = SCHEMAS[name]
        wanted = columns or schema.names
        try:
            present = set(self.open(name).schema_arrow.names)
            table = pq.read_table(
                self.table(name), columns=[c for c in wanted if c in present], filters=filters
            )
        except (OSError, pa.ArrowException) as error:
            raise Unreadable(f"{self.table(name)}: {error}") from None
        return conform(table, pa.schema([schema.field(c) for c in wanted]))

    def batches(self, name: str) -> Iterator[pa.Table]:
        """Stream a whole table in batches conformed to the schema."""
        parquet = self.open(name)
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                yield conform(pa.Table.from_batches([batch]), SCHEMAS[name])
        except (OSError, pa.ArrowException) as error:
            raise Unreadable(f"{self.table(name)}: {error}") from None


def generation_dir(tables: Path, number: int) -> Path:
    return tables / f"{number:06d}"


def list_generations(tables: Path) -> list[int]:
    """Return the numbers of the complete generation folders, oldest first."""
    if not tables.is_dir():
        return []
    return sorted(int(p.name) for p in tables.iterdir() if p.name.isdigit() and p.is_dir())


def current_number(tables: Path) -> int | None:
    """Return the generation `tables/current` points at, or None."""
    link = tables / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    # Only a generation of this folder counts: a link that leads elsewhere is not followed.
    return int(target) if target.isdigit() else None


def load_generation(tables: Path, number: int) -> Generation:
    """Return a generation with its manifest; `Unreadable` when the manifest is damaged."""
    path = generation_dir(tables, number)
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Unreadable(f"{path / MANIFEST_FILE}: {error}") from None
    return Generation(number, path, manifest)


def _metadata(number: int, signatures: list[dict]) -> dict[bytes, bytes]:
    return {
        b"tolk_version": __version__.encode(),
        b"tolk_schema": str(SCHEMA_VERSION).encode(),
        b"generation": str(number).encode(),
        b"written_at": datetime.now(UTC).isoformat().encode(),
        b"signatures": json.dumps(signatures).encode(),
    }


def write_table(path: Path, schema: pa.Schema, parts: Iterable[pa.Table]) -> int:
    """Write a Parquet table from a stream of parts, flush it to disk; return its rows."""
    rows = 0
    with io_errors(path, "write the table"):
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for part in parts:
                if part.num_rows:
                    writer.write_table(part.cast(schema))
                    rows += part.num_rows
        fsync_path(path)
    return rows


def write_generation(
    tables: Path,
    number: int,
    sources: dict[str, Iterable[pa.Table]],
    signatures: list[dict],
    changed: list[str],
    parts: list[str],
    changes: dict[str, dict] | None = None,
) -> Generation:
    """Write a new generation from streams of rows and make it current; return it."""
    final = generation_dir(tables, number)
    partial = final.with_name(final.name + ".partial")
    with io_errors(partial, "write the new tables"):
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    metadata = _metadata(number, signatures)
    counts = {}
    for name in (SENTENCES_FILE, ARTICLES_FILE):
        schema = SCHEMAS[name].with_metadata(metadata)
        counts[name] = write_table(partial / name, schema, sources[name])
    manifest = {
        "generation": number,
        "schema_version": SCHEMA_VERSION,
        "tolk_version": __version__,
        "committed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "articles": counts[ARTICLES_FILE],
        "sentences": counts[SENTENCES_FILE],
        "signatures": signatures,
        "changed": changed,
        "changes": changes or {},  # per changed article: why (tolk.store.changes.Change)
        "parts": parts,  # the staged parts it holds: never recovered a second time
    }
    write_text(partial / MANIFEST_FILE, json.dumps(manifest, indent=1) + "\n")
    with io_errors(final, "commit the new tables"):
        fsync_path(partial)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        fsync_path(tables)
    replace_symlink(tables / CURRENT, final.name)  # the commit point
    with io_errors(tables, "commit the new tables"):
        fsync_path(tables)
    return Generation(number, final, manifest)


def distinct_settings(tables: Iterable[pa.Table]) -> list[dict]:
    """Return the distinct signatures (settings JSON) of some articles' rows, sorted."""
    seen: set[str] = set()
    for table in tables:
        seen.update(pc.unique(table["settings"]).to_pylist())
    return [json.loads(s) for s in sorted(seen)]

"""Write digests to Parquet: `articles.parquet` (one row per article) and `sentences.parquet`
(one row per sentence pair), merged with what the output folder already holds.

Runs accumulate: an article in this run replaces its old rows, every other article's rows are
kept, nothing is duplicated. New rows are staged chunk by chunk and merged in a stream, so
memory does not grow with the size of the batch or of the output. Each file is written to a
temporary name and renamed into place, so a crash leaves the last good output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tolk import __version__
from tolk.errors import OutputError
from tolk.records import (
    ARTICLES_SCHEMA,
    SENTENCES_SCHEMA,
    Digest,
    article_row,
    digest_from_rows,
    sentence_rows,
)

ARTICLES_FILE = "articles.parquet"
SENTENCES_FILE = "sentences.parquet"


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through `write(tmp)` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_table(path: Path, schema: pa.Schema, filters: list | None = None) -> pa.Table:
    """Read an existing output table (only the rows `filters` keep), or an empty one."""
    if not path.exists():
        return schema.empty_table()
    try:
        table = pq.read_table(path, filters=filters)
        return table.select(schema.names).cast(schema)
    except (pa.ArrowException, OSError, KeyError, ValueError) as error:
        raise OutputError(
            f"{path}: cannot read the existing output ({error}); move it aside to start afresh"
        ) from error


class ParquetStore:
    """The output tables, updated by streaming: chunks of new digests are staged as row groups,
    then merged with the rows they do not replace, one record batch at a time.

    Memory stays flat as a batch grows: no table is ever held whole.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.paths = {ARTICLES_FILE: ARTICLES_SCHEMA, SENTENCES_FILE: SENTENCES_SCHEMA}
        self._staged: dict[str, pq.ParquetWriter] = {}
        self._replaced: set[str] = set()
        self._signatures: set[str] = set()

    def stored_keys(self) -> dict[str, str]:
        """Return the cache key of every stored article (id -> key), reading two columns."""
        path = self.out_dir / ARTICLES_FILE
        if not path.exists():
            return {}
        try:
            table = pq.read_table(path, columns=["id", "cache_key"])
        except (pa.ArrowException, OSError) as error:
            raise OutputError(
                f"{path}: cannot read the existing output ({error}); move it aside to start afresh"
            ) from error
        return dict(zip(table["id"].to_pylist(), table["cache_key"].to_pylist(), strict=True))

    def _staging(self, name: str) -> Path:
        return self.out_dir / f".{name}.{os.getpid()}.staged"

    def stage(self, digests: Sequence[Digest]) -> None:
        """Add new digests as one row group in each staging file."""
        if not digests:
            return
        written_at = datetime.now(UTC)
        tables = {
            ARTICLES_FILE: pa.Table.from_pylist(
                [article_row(d, written_at) for d in digests], schema=ARTICLES_SCHEMA
            ),
            SENTENCES_FILE: pa.Table.from_pylist(
                [row for d in digests for row in sentence_rows(d)], schema=SENTENCES_SCHEMA
            ),
        }
        for name, table in tables.items():
            if name not in self._staged:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                self._staged[name] = pq.ParquetWriter(
                    self._staging(name), self.paths[name], compression="zstd"
                )
            self._staged[name].write_table(table)
        self._replaced.update(d.article.id for d in digests)
        self._signatures.update(tables[ARTICLES_FILE]["settings"].to_pylist())

    def _batches(self, name: str, column: str) -> Iterator[pa.RecordBatch]:
        old = self.out_dir / name
        if old.exists():
            drop = pa.array(sorted(self._replaced), pa.string())
            for batch in pq.ParquetFile(old).iter_batches(batch_size=4096):
                batch = pa.Table.from_batches([batch]).select(self.paths[name].names)
                kept = batch.filter(pc.invert(pc.is_in(batch[column], value_set=drop)))
                yield from kept.cast(self.paths[name]).to_batches()
        if name in self._staged:
            yield from pq.ParquetFile(self._staging(name)).iter_batches(batch_size=4096)

    def _old_signatures(self) -> set[str]:
        old = self.out_dir / ARTICLES_FILE
        if not old.exists():
            return set()
        metadata = pq.ParquetFile(old).schema_arrow.metadata or {}
        stored = json.loads(metadata.get(b"signatures", b"[]"))
        return {json.dumps(s, sort_keys=True) for s in stored}

    def commit(self) -> tuple[int, int]:
        """Merge the staged rows into the output tables; return the rows now stored."""
        for writer in self._staged.values():
            if writer.is_open:  # a retried commit finds them closed
                writer.close()
        signatures = sorted(self._old_signatures() | self._signatures)
        metadata = {
            b"tolk_version": __version__.encode(),
            b"written_at": datetime.now(UTC).isoformat().encode(),
            b"signatures": json.dumps([json.loads(s) for s in signatures]).encode(),
        }
        counts = {}
        # Sentences first: a crash between the two renames leaves articles.parquet as the older,
        # consistent index, and the cache then simply redoes the articles it lacks.
        for name, column in ((SENTENCES_FILE, "article_id"), (ARTICLES_FILE, "id")):
            schema = self.paths[name].with_metadata(metadata)

            def write(tmp: Path, name=name, column=column, schema=schema) -> None:
                rows = 0
                with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                    for batch in self._batches(name, column):
                        writer.write_batch(batch)
                        rows += batch.num_rows
                counts[name] = rows

            write_atomic(self.out_dir / name, write)
        self.discard()
        return counts[ARTICLES_FILE], counts[SENTENCES_FILE]

    def discard(self) -> None:
        """Drop whatever was staged and not committed."""
        for name, writer in self._staged.items():
            if writer.is_open:
                writer.close()
            self._staging(name).unlink(missing_ok=True)
        self._staged.clear()


def write_parquet(out_dir: Path, digests: Sequence[Digest]) -> tuple[int, int]:
    """Merge new digests into the output tables; return (articles, sentences) now stored."""
    store = ParquetStore(out_dir)
    try:
        store.stage(digests)
        return store.commit()
    finally:
        store.discard()


def stored_digests(out_dir: Path, wanted: dict[str, str]) -> dict[str, Digest]:
    """Return the stored digests whose article id and cache key match `wanted` (id -> key)."""
    if not wanted or not (out_dir / ARTICLES_FILE).exists():
        return {}
    # Read only the wanted rows, so restoring a few pages costs no more than those pages.
    only = [("cache_key", "in", sorted(wanted.values()))]
    articles = read_table(out_dir / ARTICLES_FILE, ARTICLES_SCHEMA, only).to_pylist()
    rows = [r for r in articles if wanted.get(r["id"]) == r["cache_key"]]
    if not rows:
        return {}
    ids = [("article_id", "in", sorted(r["id"] for r in rows))]
    by_article: dict[str, list[dict]] = {}
    for s in read_table(out_dir / SENTENCES_FILE, SENTENCES_SCHEMA, ids).to_pylist():
        by_article.setdefault(s["article_id"], []).append(s)
    found = {}
    for row in rows:
        pairs = by_article.get(row["id"], [])
        if len(pairs) == row["n_sentences"]:  # both files from the same write
            found[row["id"]] = digest_from_rows(row, pairs)
    return found

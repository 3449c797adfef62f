"""Write digests to Parquet: `articles.parquet` (one row per article) and `sentences.parquet`
(one row per sentence pair), merged with what the output folder already holds.

Runs accumulate: an article in this run replaces its old rows, every other article's rows are
kept, nothing is duplicated. Each file is written to a temporary name and renamed into place,
so a crash leaves the last good output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
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


def read_table(path: Path, schema: pa.Schema) -> pa.Table:
    """Read an existing output table, or an empty one when there is none."""
    if not path.exists():
        return schema.empty_table()
    try:
        table = pq.read_table(path)
        return table.select(schema.names).cast(schema)
    except (pa.ArrowException, OSError, KeyError, ValueError) as error:
        raise OutputError(
            f"{path}: cannot read the existing output ({error}); move it aside to start afresh"
        ) from error


def _without(table: pa.Table, column: str, ids: Iterable[str]) -> pa.Table:
    drop = pa.array(sorted(set(ids)), pa.string())
    return table.filter(pc.invert(pc.is_in(table[column], value_set=drop)))


def _metadata(articles: pa.Table) -> dict[bytes, bytes]:
    signatures = sorted(set(articles["settings"].to_pylist())) if articles.num_rows else []
    return {
        b"tolk_version": __version__.encode(),
        b"written_at": datetime.now(UTC).isoformat().encode(),
        b"signatures": json.dumps([json.loads(s) for s in signatures]).encode(),
    }


def _write(table: pa.Table, path: Path, metadata: dict[bytes, bytes]) -> None:
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_parquet(out_dir: Path, digests: Sequence[Digest]) -> tuple[int, int]:
    """Merge new digests into the output tables; return (articles, sentences) now stored."""
    written_at = datetime.now(UTC)
    new_ids = [d.article.id for d in digests]
    articles = _without(read_table(out_dir / ARTICLES_FILE, ARTICLES_SCHEMA), "id", new_ids)
    sentences = _without(
        read_table(out_dir / SENTENCES_FILE, SENTENCES_SCHEMA), "article_id", new_ids
    )
    fresh_articles = pa.Table.from_pylist(
        [article_row(d, written_at) for d in digests], schema=ARTICLES_SCHEMA
    )
    fresh_sentences = pa.Table.from_pylist(
        [row for d in digests for row in sentence_rows(d)], schema=SENTENCES_SCHEMA
    )
    articles = pa.concat_tables([articles, fresh_articles]).sort_by("id")
    sentences = pa.concat_tables([sentences, fresh_sentences]).sort_by(
        [("article_id", "ascending"), ("sentence_index", "ascending")]
    )
    metadata = _metadata(articles)
    # Sentences first: a crash between the two renames leaves articles.parquet as the older,
    # consistent index, and the cache then simply redoes the articles it lacks.
    _write(sentences, out_dir / SENTENCES_FILE, metadata)
    _write(articles, out_dir / ARTICLES_FILE, metadata)
    return articles.num_rows, sentences.num_rows


def stored_digests(out_dir: Path, wanted: dict[str, str]) -> dict[str, Digest]:
    """Return the stored digests whose article id and cache key match `wanted` (id -> key)."""
    if not wanted or not (out_dir / ARTICLES_FILE).exists():
        return {}
    articles = read_table(out_dir / ARTICLES_FILE, ARTICLES_SCHEMA)
    keep = pc.is_in(articles["cache_key"], value_set=pa.array(list(wanted.values()), pa.string()))
    rows = [r for r in articles.filter(keep).to_pylist() if wanted.get(r["id"]) == r["cache_key"]]
    if not rows:
        return {}
    sentences = read_table(out_dir / SENTENCES_FILE, SENTENCES_SCHEMA)
    ids = pa.array([r["id"] for r in rows], pa.string())
    by_article: dict[str, list[dict]] = {}
    for s in sentences.filter(pc.is_in(sentences["article_id"], value_set=ids)).to_pylist():
        by_article.setdefault(s["article_id"], []).append(s)
    found = {}
    for row in rows:
        pairs = by_article.get(row["id"], [])
        if len(pairs) == row["n_sentences"]:  # both files from the same write
            found[row["id"]] = digest_from_rows(row, pairs)
    return found

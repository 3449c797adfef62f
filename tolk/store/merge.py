"""Merge staged parts into the committed tables: one new generation of both, streamed.

The new generation holds the old one's rows less the articles restaged or damaged, then each
part's rows (a later part wins over an earlier one for the same article: recovered runs), and
a manifest that says which articles changed and why (`tolk.store.changes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tolk.store.changes import CHANGE_COLUMNS, Change, classify
from tolk.store.layout import ARTICLES_FILE
from tolk.store.staging import Part, without
from tolk.store.tables import (
    KEY_COLUMN,
    SCHEMAS,
    Generation,
    distinct_settings,
    list_generations,
    write_generation,
)


def merge(
    tables: Path, old: Generation | None, parts: list[Part], damaged: set[str]
) -> tuple[Generation, list[str]]:
    """Write the next generation: `old`'s rows, less `damaged` and restaged ones, plus `parts`.

    Returns the generation written and the articles it changed, in staging order.
    """
    later: set[str] = set()
    excluded: list[set[str]] = []
    for part in reversed(parts):
        excluded.append(set(later))
        later.update(part.ids)
    excluded.reverse()
    drop = later | damaged

    def stream(name: str) -> Iterator[pa.Table]:
        if old is not None:
            for table in old.batches(name):
                yield without(table, KEY_COLUMN[name], drop)
        for part, skip in zip(parts, excluded, strict=True):
            yield from part.table(name, skip)

    def settings() -> Iterator[pa.Table]:
        # Only two columns: the signatures describe the rows the new generation holds.
        if old is not None:
            yield without(old.read(ARTICLES_FILE, ["id", "settings"]), "id", drop)
        for part, skip in zip(parts, excluded, strict=True):
            table = pq.read_table(part.file(ARTICLES_FILE), columns=["id", "settings"])
            yield without(table, "id", skip)

    signatures = distinct_settings(settings())
    number = max(list_generations(tables) + [old.number if old else 0]) + 1
    changed = [
        i for part, skip in zip(parts, excluded, strict=True) for i in part.ids if i not in skip
    ]
    changes = _changes(old, parts, excluded, damaged)
    generation = write_generation(
        tables,
        number,
        {name: stream(name) for name in SCHEMAS},
        signatures,
        changed,
        [part.name for part in parts],
        {i: c.to_dict() for i, c in changes.items()},
    )
    return generation, changed


def _changes(
    old: Generation | None, parts: list[Part], excluded: list[set[str]], damaged: set[str]
) -> dict[str, Change]:
    """Tell for each staged article whether it is new, changed at its source or redone."""
    new: dict[str, dict] = {}
    for part, skip in zip(parts, excluded, strict=True):
        table = pq.read_table(part.file(ARTICLES_FILE), columns=CHANGE_COLUMNS)
        new.update((r["id"], r) for r in without(table, "id", skip).to_pylist())
    before: dict[str, dict] = {}
    if old is not None and new:
        ids = sorted(set(new) - damaged)
        rows = old.read(ARTICLES_FILE, CHANGE_COLUMNS, filters=[("id", "in", ids)])
        before = {r["id"]: r for r in rows.to_pylist()}
    return {i: classify(before.get(i), row) for i, row in new.items()}

"""Read an output folder's committed tables without taking its lock.

A reader resolves `tables/current` once and reads that generation: a commit that lands
meanwhile switches the link but leaves the generation being read in place (the store keeps the
one before the current), so a reader always gets two tables of one generation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from tolk.errors import OutputError
from tolk.store.layout import (
    ARTICLES_FILE,
    CURRENT,
    SENTENCES_FILE,
    TABLES_DIR,
)
from tolk.store.tables import (
    Generation,
    Unreadable,
    current_number,
    load_generation,
)


def current_generation(root: Path) -> Generation | None:
    """Return an output folder's committed generation (tolk 0.1.0's files too), or None."""
    root = Path(root)
    tables = root / TABLES_DIR
    number = current_number(tables)
    try:
        if number is not None:
            return load_generation(tables, number)
    except Unreadable as error:
        raise OutputError(f"{error}; run tolk on the folder again to repair it") from None
    if (tables / CURRENT).is_symlink():
        raise OutputError(
            f"{tables / CURRENT}: does not point at a generation of this folder; run tolk on "
            "the folder again to repair it"
        )
    legacy = root / ARTICLES_FILE  # tolk 0.1.0 wrote the tables themselves, never links
    if legacy.is_file() and not legacy.is_symlink():
        return Generation(0, root)
    return None


def read_tables(root: Path, columns: dict[str, list[str]] | None = None) -> dict[str, pa.Table]:
    """Read both tables of an output folder (optionally only some columns of each)."""
    generation = current_generation(root)
    if generation is None:
        raise OutputError(f"{root}: no tolk output here; run `tolk run SOURCE --out {root}`")
    columns = columns or {}
    try:
        return {
            name: generation.read(name, columns.get(name))
            for name in (ARTICLES_FILE, SENTENCES_FILE)
        }
    except Unreadable as error:
        raise OutputError(f"{error}; run tolk on the folder again to repair it") from None


def sentence_batches(root: Path) -> Iterator[pa.Table]:
    """Stream the sentence pairs of an output folder, a batch at a time."""
    generation = current_generation(root)
    if generation is None:
        raise OutputError(f"{root}: no tolk output here; run `tolk run SOURCE --out {root}`")
    try:
        yield from generation.batches(SENTENCES_FILE)
    except Unreadable as error:
        raise OutputError(f"{error}; run tolk on the folder again to repair it") from None

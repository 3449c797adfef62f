"""Recovery: what an output folder holds after a crash, found and put right when it is opened.

Sweeps what dead runs left (temporary files, half-written or uncommitted generations), checks
a generation's two tables against its manifest and each other, and sets a damaged generation
aside for a person to look at, so the store can fall back to the newest intact one.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tolk.fileio import io_errors, is_temp
from tolk.store.layout import ARTICLES_FILE, SENTENCES_FILE
from tolk.store.tables import (
    SCHEMAS,
    Generation,
    Unreadable,
    current_number,
    generation_dir,
    list_generations,
    load_generation,
)


def sweep(root: Path, archive: Path, tables: Path, log: logging.Logger | logging.LoggerAdapter):
    """Remove what dead runs left: temporary files, half-written generations."""
    removed = 0
    folders = [root, *[p for p in root.iterdir() if p.is_dir()]]
    if archive.is_dir():  # pages/ab/..., two levels further down
        folders += [p for p in archive.glob("*/*") if p.is_dir()]
    for folder in folders:
        for entry in folder.iterdir():
            if is_temp(entry.name) and not entry.is_dir():
                entry.unlink(missing_ok=True)
                removed += 1
    if tables.is_dir():
        current = current_number(tables)
        for entry in tables.iterdir():
            unfinished = entry.name.endswith(".partial")
            uncommitted = entry.name.isdigit() and current is not None and int(entry.name) > current
            if unfinished or uncommitted:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
    if removed:
        log.info(f"{root}: removed {removed} files an interrupted run left")


def candidates(root: Path, tables: Path) -> tuple[list[Generation], list[tuple[Generation, str]]]:
    """Return the generations to try, newest (current) first, tolk 0.1.0's files last; and
    those whose manifest cannot be read, with the reason."""
    found: list[Generation] = []
    unreadable: list[tuple[Generation, str]] = []
    current = current_number(tables)
    for number in sorted(list_generations(tables), reverse=True):
        if current is not None and number > current:
            continue
        try:
            found.append(load_generation(tables, number))
        except Unreadable as error:
            unreadable.append((Generation(number, generation_dir(tables, number)), str(error)))
    legacy_file = root / ARTICLES_FILE  # tolk 0.1.0 wrote files, never links
    if not found and legacy_file.is_file() and not legacy_file.is_symlink():
        found.append(Generation(0, root))  # written by tolk 0.1.0: upgraded at the next commit
    return found, unreadable


def inspect(
    generation: Generation,
) -> tuple[dict[str, str], set[str], str | None, dict[str, int]]:
    """Check a generation's tables agree; return intact ids' keys, damaged ids, a note, and
    the intact ids' sentence counts.

    Raises `Unreadable` when the tables cannot be read or disagree with the manifest.
    """
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
    note = None
    if damaged:
        note = (
            f"{len(damaged)} stored articles have sentence rows that do not match their "
            f"article rows ({', '.join(sorted(damaged)[:5])}{'…' if len(damaged) > 5 else ''}"
            "): their rows are dropped at the next commit; give their sources again to "
            "translate them anew"
        )
    return stored, damaged | orphans, note, {i: counts.get(i, 0) for i in stored}


def ids_of(generation: Generation) -> set[str]:
    """Return the article ids a damaged generation still names, if its articles can be read."""
    try:
        return set(generation.read(ARTICLES_FILE, ["id"])["id"].to_pylist())
    except (Unreadable, OSError, pa.ArrowException):
        return set()


def set_aside(generation: Generation, root: Path, damaged: Path, run_id: str) -> Path:
    """Move a damaged generation into `damaged`, keeping it for a person to look at."""
    if generation.number == 0:
        target = damaged / f"tolk-0.1.0-{run_id}"
        with io_errors(target, "set the damaged tables aside"):
            target.mkdir(parents=True, exist_ok=True)
            for name in SCHEMAS:
                if (root / name).exists():
                    os.replace(root / name, target / name)
    else:
        target = damaged / f"{generation.path.name}-{run_id}"
        with io_errors(target, "set the damaged tables aside"):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(generation.path, target)
    return target


def link_target(link: Path) -> str | None:
    """Return where a link points, or None when it is no link (or missing)."""
    try:
        return os.readlink(link)
    except OSError:
        return None

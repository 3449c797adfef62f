"""Helpers the tests share: small articles, real digests from the tiny model, store checks."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from tolk.compose import build_digests
from tolk.fileio import is_temp
from tolk.intake.text import parse
from tolk.records import Article

# A guard against a hang, not a guess at how long something takes: what the tests wait for
# (a server answering, a file appearing, a process ending) is waited on as an event, and only
# a process that hangs reaches this. Runs of the tiny model took up to 12x their idle time
# beside two CPU-bound processes on 2 cores.
HANG_SECONDS = 1800


def article(article_id: str, text: str, date: str | None = "2025-11") -> Article:
    """Make an article from text, as the reader would split it."""
    _, paragraphs = parse(text)
    return Article(article_id, f"in/{article_id}.txt", "0" * 64, date, tuple(paragraphs))


def digests_for(translator, signature, *articles):
    """Translate articles with a real translator; fail the test on any failure."""
    digests, failures = build_digests(list(articles), translator, signature)
    assert failures == []
    return digests


def tables_agree(out: Path) -> tuple[int, int]:
    """Assert both tables read and agree: each article row has exactly its sentence rows."""
    articles = pq.read_table(out / "articles.parquet", columns=["id", "n_sentences"]).to_pylist()
    sentences = pq.read_table(out / "sentences.parquet", columns=["article_id"])
    counts = Counter(sentences["article_id"].to_pylist())
    assert len({a["id"] for a in articles}) == len(articles), "an article is stored twice"
    assert {a["id"]: a["n_sentences"] for a in articles} == dict(counts)
    return len(articles), sentences.num_rows


def litter(out: Path) -> list[str]:
    """List what an interrupted run may leave: temporary files, half generations, staging."""
    found = []
    for folder, dirs, files in os.walk(out):
        rel = Path(folder).relative_to(out)
        found += [str(rel / f) for f in files if is_temp(f)]
        found += [str(rel / d) for d in dirs if d.endswith(".partial")]
    staging = out / ".tolk" / "staging"
    if staging.exists():
        found += [str(p.relative_to(out)) for p in staging.rglob("*") if p.is_file()]
    return found

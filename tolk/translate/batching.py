"""Batching for decoding: sentences in, groups of them that fit a token budget out.

Each sentence's length cap comes from its own source length (`length_cap`), never from the
batch it shares, so a sentence's English does not depend on which other articles share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tolk.settings import DEFAULTS

_LETTER = re.compile(r"[^\W\d_]")
# Where a long sentence may be cut, strongest first: after ; or :, at a dash, after a comma.
_CLAUSE_CUTS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"\s+(?=[–—-]\s)"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+"),
)

# Caps grow in steps of this many source tokens: sentences of one step share a cap, so a
# CTranslate2 call (one cap for all its rows) needs no more splitting than a few steps.
CAP_STEP = 8


def length_cap(source_tokens: int, limit: int) -> int:
    """Return the most tokens an output may have (its end-of-sentence included)."""
    step = -(-max(source_tokens, 1) // CAP_STEP) * CAP_STEP
    return min(limit, 2 * step + 16)


@dataclass(frozen=True)
class BatchPolicy:
    """How sentences are grouped for decoding: a token budget, not a fixed count."""

    max_batch_tokens: int = DEFAULTS.max_batch_tokens  # source tokens, padded, per batch
    max_batch_sentences: int = 64


def has_letters(text: str) -> bool:
    """Say whether a sentence holds any letter (else it is copied through)."""
    return bool(_LETTER.search(text))


def split_long(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Cut a sentence into parts of at most `limit` tokens, at the strongest clause boundary."""
    if count(text) <= limit:
        return [text]
    for cut in _CLAUSE_CUTS:
        points = [m for m in cut.finditer(text) if 0 < m.start() < len(text)]
        if points:
            middle = len(text) / 2
            best = min(points, key=lambda m: abs(m.start() - middle))
            left, right = text[: best.start()], text[best.end() :]
            return split_long(left, count, limit) + split_long(right, count, limit)
    # One unbroken token run longer than the limit: cut it by characters.
    half = len(text) // 2
    return split_long(text[:half], count, limit) + split_long(text[half:], count, limit)


def plan_batches(lengths: Sequence[int], policy: BatchPolicy) -> list[list[int]]:
    """Group item indices, longest first, into batches whose padded size fits the budget."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # Longest first, so the first item of a batch sets its padded width.
        width = lengths[current[0]] if current else lengths[i]
        if current and (
            width * (len(current) + 1) > policy.max_batch_tokens
            or len(current) >= policy.max_batch_sentences
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches

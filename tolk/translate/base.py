"""The translator interface: Dutch sentences in, English sentences out, in the same order.

A backend supplies three things: how many tokens a sentence costs, how to decode one batch,
and its identity. Everything that makes batch translation fast and safe lives here, once:
copying through sentences with no letters, translating each distinct sentence once, splitting
sentences longer than the model's input limit at clause boundaries, sorting by length and
batching by a token budget, and restoring the original order.
"""

from __future__ import annotations

import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

_LETTER = re.compile(r"[^\W\d_]")
# Where a long sentence may be cut, strongest first: after ; or :, at a dash, after a comma.
_CLAUSE_CUTS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"\s+(?=[–—-]\s)"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+"),
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Translation:
    """One sentence's English text, with a warning when it needed special handling."""

    text: str
    warning: str | None = None


@dataclass(frozen=True)
class BatchPolicy:
    """How sentences are grouped for decoding: a token budget, not a fixed count."""

    max_batch_tokens: int = 4096  # source tokens, padded, per batch
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


def default_threads() -> int:
    """Return the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Translator(ABC):
    """A loaded model that turns Dutch sentences into English ones."""

    backend: str
    compute_type: str
    device: str
    max_input_tokens: int
    # On CPU, decoding is bound by the 67k-word output layer: its logits for many rows at once
    # (sentences x beams) leave the cache. About 32 rows per step is fastest (README, Performance).
    cpu_max_batch_sentences: int = BatchPolicy.max_batch_sentences

    def __init__(self, policy: BatchPolicy | None = None) -> None:
        self.policy = policy or BatchPolicy()
        self.stats = {"sentences": 0, "decoded": 0, "batches": 0, "seconds": 0.0}

    @classmethod
    def runtime(cls, info, device: str = "auto") -> tuple[str, str]:
        """Return the device and compute type a model would run on, without loading it."""
        raise NotImplementedError

    @classmethod
    def batch_policy(cls, max_batch_tokens: int = 4096, device: str = "cpu") -> BatchPolicy:
        """Return how to batch sentences for this backend on `device`."""
        if device != "cpu":
            return BatchPolicy(max_batch_tokens=max_batch_tokens)
        return BatchPolicy(max_batch_tokens, cls.cpu_max_batch_sentences)

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Return the number of source tokens of each text, end-of-sentence included."""

    @abstractmethod
    def decode_batch(self, texts: Sequence[str], beams: int) -> list[str]:
        """Translate one batch of texts that all fit the model's input limit."""

    def decode_batches(self, batches: Sequence[Sequence[str]], beams: int) -> Iterator[list[str]]:
        """Translate batches, yielding each one's output in order (a backend may overlap them)."""
        for texts in batches:
            yield self.decode_batch(texts, beams)

    def translate(
        self, sentences: Sequence[str], beams: int, progress: Progress | None = None
    ) -> list[Translation]:
        """Translate sentences, keeping their order; never truncate silently."""
        started = time.perf_counter()
        results: list[Translation | None] = [None] * len(sentences)
        unique: dict[str, list[int]] = {}
        for i, sentence in enumerate(sentences):
            if has_letters(sentence):
                unique.setdefault(sentence, []).append(i)
            else:
                results[i] = Translation(sentence)  # numbers, punctuation: nothing to translate

        texts = list(unique)
        limit = self.max_input_tokens
        counts = self.count_tokens(texts) if texts else []
        units: list[str] = []  # what the model decodes: whole sentences or parts of long ones
        owners: list[int] = []
        warnings: dict[int, str] = {}
        for t, (text, n) in enumerate(zip(texts, counts, strict=True)):
            parts = (
                [text]
                if n <= limit
                else split_long(text, lambda s: self.count_tokens([s])[0], limit)
            )
            if len(parts) > 1:
                warnings[t] = (
                    f"sentence of {n} tokens is over the model's limit of {limit}: translated "
                    f"in {len(parts)} parts cut at clause boundaries"
                )
            units.extend(parts)
            owners.extend([t] * len(parts))

        lengths = self.count_tokens(units) if units else []
        outputs: list[str] = [""] * len(units)
        done = 0
        batches = plan_batches(lengths, self.policy)
        texts_of = [[units[i] for i in batch] for batch in batches]
        for batch, decoded in zip(batches, self.decode_batches(texts_of, beams), strict=True):
            for i, out in zip(batch, decoded, strict=True):
                outputs[i] = out.strip()
            done += len(batch)
            self.stats["batches"] += 1
            if progress:
                progress(done, len(units))

        joined: dict[int, list[str]] = {}
        for owner, out in zip(owners, outputs, strict=True):
            joined.setdefault(owner, []).append(out)
        for t, text in enumerate(texts):
            translation = Translation(" ".join(p for p in joined[t] if p), warnings.get(t))
            for i in unique[text]:
                results[i] = translation
        self.stats["sentences"] += len(sentences)
        self.stats["decoded"] += len(units)
        self.stats["seconds"] += time.perf_counter() - started
        assert all(r is not None for r in results), "every sentence gets a translation"
        return results  # type: ignore[return-value]

"""The translator interface: Dutch sentences in, English sentences out, in the same order.

A backend supplies three things: how many tokens a sentence costs, how to decode one batch
(each output with its confidence, and whether it hit its length cap), and its identity.
Everything that makes batch translation fast and safe lives here, once: copying through
sentences with no letters, translating each distinct sentence once, splitting sentences longer
than the model's input limit at clause boundaries, sorting by length and batching by a token
budget (`batching`), repairing outputs that the judge finds loop, hit the cap or came out empty
(`repair`), and restoring the order. Each translation carries the flags its judge raised.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from tolk.settings import DEFAULTS
from tolk.translate.batching import BatchPolicy, has_letters, plan_batches, split_long
from tolk.translate.repair import (
    Decoded,
    Judge,
    Terms,
    better,
    flags_of,
    glossary_choice,
    mean_confidence,
    needs_repair,
    no_judge,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Translation:
    """One sentence's English text, how it came about, and a warning if it needed handling."""

    text: str
    warning: str | None = None
    confidence: float | None = None  # None: copied through, not decoded
    capped: bool = False
    retried: bool = False  # decoded a second time to repair it
    flags: tuple[str, ...] = ()  # what the judge found, and `cap`


def _stripped(decoded: Decoded) -> Decoded:
    """Strip an output's text (the backends' is stripped already, so its links stay right)."""
    if decoded.text == decoded.text.strip():
        return decoded
    return replace(decoded, text=decoded.text.strip(), links=())


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
        self._counts = threading.local()

    @property
    def stats(self) -> dict[str, float]:
        """Count the work this translator did for the calling thread: two chunks translating
        at once on one loaded model (ct2 queues both) each read their own counts."""
        counts = getattr(self._counts, "stats", None)
        if counts is None:
            counts = self._counts.stats = {
                "sentences": 0,
                "decoded": 0,
                "remembered": 0,  # distinct sentences taken from the memory, not decoded
                "batches": 0,
                "retried": 0,
                "seconds": 0.0,
            }
        return counts

    @classmethod
    def runtime(
        cls,
        info,
        device: str = "auto",
        threads: int = DEFAULTS.threads,
        torch_dtype: str = DEFAULTS.torch_dtype,
    ) -> tuple[str, str]:
        """Return the device and compute type a model would run on, without loading it."""
        raise NotImplementedError

    @classmethod
    def batch_policy(
        cls, max_batch_tokens: int = DEFAULTS.max_batch_tokens, device: str = "cpu"
    ) -> BatchPolicy:
        """Return how to batch sentences for this backend on `device`."""
        if device != "cpu":
            return BatchPolicy(max_batch_tokens=max_batch_tokens)
        return BatchPolicy(max_batch_tokens, cls.cpu_max_batch_sentences)

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Return the number of source tokens of each text, end-of-sentence included."""

    @abstractmethod
    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        """Translate one batch of texts that all fit the model's input limit.

        With `repair`, decode so as to break loops (`REPAIR`).
        """

    def decode_candidates(self, texts: Sequence[str], beams: int, n: int) -> list[list[Decoded]]:
        """Return each text's `n` best translations from one beam search, best first (for a
        glossary to pick from); the best is what `decode_batch` gives, and carries its
        alignment (`Decoded.links`) where the backend can read one off the model.

        A backend without n-best decoding gives the best alone: the glossary then only
        substitutes.
        """
        return [[best] for best in self.decode_batch(texts, beams)]

    def aligned(self, text: str, decoded: Decoded) -> Decoded:
        """Give an output of `text` its alignment (`Decoded.links`) where it lacks one (a
        repaired output: the repair's search keeps none) and the backend can read it off the
        model in a forced pass; else the output as it is."""
        return decoded

    def scored(self, text: str, decoded: Decoded) -> Decoded:
        """Give a candidate of `decode_candidates` for `text` its confidence, where the backend
        left it to be scored once chosen (confidence None); the others as they are."""
        return decoded

    def candidate_batches(
        self, batches: Sequence[Sequence[str]], beams: int, n: int
    ) -> Iterator[list[list[Decoded]]]:
        """`decode_candidates` for each batch, in order (a backend may overlap them)."""
        for texts in batches:
            yield self.decode_candidates(texts, beams, n)

    def decode_batches(
        self, batches: Sequence[Sequence[str]], beams: int, repair: bool = False
    ) -> Iterator[list[Decoded]]:
        """Translate batches, yielding each one's output in order (a backend may overlap them)."""
        for texts in batches:
            yield self.decode_batch(texts, beams, repair)

    def _decode(
        self,
        units: Sequence[str],
        lengths: Sequence[int],
        beams: int,
        repair: bool = False,
        progress: Progress | None = None,
        n: int = 0,
    ) -> list:
        """Decode units in length-sorted batches within the token budget; keep their order.

        Gives a `Decoded` a unit; with `n`, a unit's n-best instead (`decode_candidates`).
        """
        outputs: list = [Decoded("")] * len(units)
        done = 0
        batches = plan_batches(lengths, self.policy)
        texts_of = [[units[i] for i in batch] for batch in batches]
        decoded_batches = (
            self.candidate_batches(texts_of, beams, n)
            if n
            else self.decode_batches(texts_of, beams, repair)
        )
        for batch, decoded in zip(batches, decoded_batches, strict=True):
            for i, out in zip(batch, decoded, strict=True):
                outputs[i] = [_stripped(c) for c in out] if n else _stripped(out)
            done += len(batch)
            self.stats["batches"] += 1
            if progress:
                progress(done, len(units))
        return outputs

    def _first_decode(
        self,
        units: Sequence[str],
        lengths: Sequence[int],
        beams: int,
        glossary: Terms | None,
        progress: Progress | None,
    ) -> tuple[list[Decoded], dict[int, list[Decoded]]]:
        """Decode every unit once; where some hold a glossary term, every unit into its n-best
        (one group, so the batches are as without a glossary: two groups cost 18-37% more on
        the stand-in), and return the candidates of those that hold a term."""
        termed = [i for i, u in enumerate(units) if glossary.terms_in(u)] if glossary else []
        n = max(1, beams) if termed else 0
        decoded = self._decode(units, lengths, beams, progress=progress, n=n)
        if not n:
            return decoded, {}
        return [found[0] for found in decoded], {i: decoded[i] for i in termed}

    def translate(
        self,
        sentences: Sequence[str],
        beams: int,
        progress: Progress | None = None,
        repair: bool = DEFAULTS.repair,
        glossary: Terms | None = None,
        judge: Judge = no_judge,
        memory: Mapping[str, Translation] | None = None,
    ) -> list[Translation]:
        """Translate sentences, keeping their order; never truncate silently.

        With `repair`, an output that loops, hits its cap or comes out empty is decoded once
        more with loop-breaking settings, and the one with fewer flags (then the higher
        confidence) is kept. With a `glossary` whose terms some sentence holds, the sentences
        are decoded into the n-best of their beam search (as many as the beams: the best is
        the plain decode's); if the best of a sentence misses a term, the first candidate that
        renders them all is kept, else the best with the terms put in where its alignment
        shows their place unambiguously (`Glossary.substitute`), else the best as it is.
        `judge` names the flags of a sentence and its English (`tolk.checks.flags.flag_pair`);
        each translation carries them, and the repair pass mends what they say loops.
        A sentence in `memory` (what the same model and settings gave before) is not decoded
        again; its warning, which depends only on its tokens, is worked out anew.
        """
        memory = memory or {}
        started = time.perf_counter()
        results: list[Translation | None] = [None] * len(sentences)
        unique: dict[str, list[int]] = {}
        for i, sentence in enumerate(sentences):
            if has_letters(sentence):
                unique.setdefault(sentence, []).append(i)
            else:
                # numbers, punctuation: nothing to translate
                results[i] = Translation(sentence, flags=judge(sentence, sentence))

        texts = list(unique)
        limit = self.max_input_tokens
        counts = self.count_tokens(texts) if texts else []
        units: list[str] = []  # what the model decodes: whole sentences or parts of long ones
        owners: list[int] = []
        warnings: dict[int, str] = {}
        remembered: list[int] = []
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
            if text in memory:
                remembered.append(t)
                continue
            units.extend(parts)
            owners.extend([t] * len(parts))

        lengths = self.count_tokens(units) if units else []
        outputs, candidates = self._first_decode(units, lengths, beams, glossary, progress)
        retried: set[int] = set()
        if repair:
            again = [
                i
                for i, (u, d) in enumerate(zip(units, outputs, strict=True))
                if needs_repair(u, d, judge)
            ]
            if again:
                # The repair pass goes on counting where the first stopped, its units added to
                # the total, so progress never goes silent while it runs.
                first = len(units)
                more = (
                    (lambda done, total: progress(first + done, first + total))
                    if progress
                    else None
                )
                second = self._decode(
                    [units[i] for i in again], [lengths[i] for i in again], beams, True, more
                )
                for i, candidate in zip(again, second, strict=True):
                    outputs[i] = better(units[i], outputs[i], candidate, judge)
                retried.update(again)
                self.stats["retried"] += len(again)

        for i, found in candidates.items():
            if glossary and glossary.unmet(units[i], outputs[i].text):
                self.stats["glossary"] = self.stats.get("glossary", 0) + 1
                best = self.aligned(units[i], outputs[i]) if i in retried else outputs[i]
                outputs[i] = self.scored(units[i], glossary_choice(units[i], best, found, glossary))

        parts_of: dict[int, list[int]] = {}
        for unit, owner in enumerate(owners):
            parts_of.setdefault(owner, []).append(unit)
        for t in remembered:
            for i in unique[texts[t]]:
                results[i] = replace(memory[texts[t]], warning=warnings.get(t))
        for t, text in enumerate(texts):
            if t not in parts_of:
                continue  # remembered
            parts = [outputs[u] for u in parts_of[t]]
            english = " ".join(p.text for p in parts if p.text)
            capped = any(p.capped for p in parts)
            translation = Translation(
                english,
                warnings.get(t),
                confidence=mean_confidence(parts),
                capped=capped,
                retried=any(u in retried for u in parts_of[t]),
                flags=flags_of(text, Decoded(english, capped=capped), judge),
            )
            for i in unique[text]:
                results[i] = translation
        self.stats["sentences"] += len(sentences)
        self.stats["decoded"] += len(units)
        self.stats["remembered"] += len(remembered)
        self.stats["seconds"] += time.perf_counter() - started
        assert all(r is not None for r in results), "every sentence gets a translation"
        return results  # type: ignore[return-value]

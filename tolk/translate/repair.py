"""Mend what decoding got wrong: outputs judged to loop, hit the cap or come out empty, and
outputs that miss a glossary term.

The judge of an output is given, never imported: a `Judge` takes a Dutch sentence and its
English and names the flags they raise. The checks stage supplies the real one
(`tolk.checks.flags.flag_pair`), so translation stays below the checks that judge it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

# What a second decoding uses to break a loop: no trigram twice, and repeats made costlier.
REPAIR = {"no_repeat_ngram_size": 3, "repetition_penalty": 1.3}
# The flags a second decoding may mend; numbers, copies and length are the model's reading.
REPAIRABLE = frozenset({"repetition", "cap", "empty"})
Judge = Callable[[str, str], tuple[str, ...]]


def no_judge(nl: str, en: str) -> tuple[str, ...]:
    """Raise no text flag: only the decoder's own signal (the length cap) then counts."""
    return ()


class Terms(Protocol):
    """What translation needs of a glossary (`tolk.checks.glossary.Glossary` is one)."""

    terms: Sequence

    def terms_in(self, nl: str) -> Sequence: ...

    def unmet(self, nl: str, en: str) -> Sequence: ...

    def substitute(self, nl: str, en: str, links: Sequence = ()) -> str: ...


@dataclass(frozen=True)
class Decoded:
    """What the model gave for one input."""

    text: str
    confidence: float | None = None  # mean log-probability per output token, under the model
    capped: bool = False  # stopped at its length cap instead of ending by itself
    tokens: int = 0  # output tokens the confidence averages over
    # Where the backend aligned it: which characters of the source each output piece came
    # from (`tolk.translate.align.Link`s); () when it did not.
    links: tuple = ()
    # Its SentencePiece pieces as decoded, where the backend keeps them (to align or score it
    # later: `Translator.aligned`, `Translator.scored`).
    pieces: tuple = ()


def flags_of(nl: str, decoded: Decoded, judge: Judge) -> tuple[str, ...]:
    """Return the flags an output earns: the judge's, and `cap` when it hit its cap."""
    return judge(nl, decoded.text) + (("cap",) if decoded.capped else ())


def needs_repair(nl: str, decoded: Decoded, judge: Judge) -> bool:
    """Say whether an output loops, was cut at the cap or came out empty."""
    return bool(REPAIRABLE & set(flags_of(nl, decoded, judge)))


def better(nl: str, first: Decoded, second: Decoded, judge: Judge) -> Decoded:
    """Keep the output with fewer flags, then the one the model is surer of."""

    def rank(d: Decoded) -> tuple[int, float]:
        return len(flags_of(nl, d, judge)), -(d.confidence if d.confidence is not None else -1e9)

    return second if rank(second) < rank(first) else first


def glossary_choice(
    nl: str, best: Decoded, candidates: Sequence[Decoded], glossary: Terms
) -> Decoded:
    """Pick the first candidate that renders every term; else put the terms right in the best,
    where its alignment (or, for a kept term, a near form of it) shows the place unambiguously."""
    if not glossary.unmet(nl, best.text):
        return best
    for candidate in candidates:
        if not glossary.unmet(nl, candidate.text) and not candidate.capped:
            return candidate
    text = glossary.substitute(nl, best.text, best.links)
    return best if text == best.text else replace(best, text=text, links=())


def mean_confidence(parts: Sequence[Decoded]) -> float | None:
    """Average the parts' confidences over their tokens (None if any part has none)."""
    if not parts or any(p.confidence is None for p in parts):
        return None
    tokens = sum(max(p.tokens, 1) for p in parts)
    return sum(p.confidence * max(p.tokens, 1) for p in parts) / tokens

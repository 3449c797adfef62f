"""Flag the English sentences a reader should not trust, by checking each against its Dutch.

Takes one Dutch sentence and its English translation; gives the names of the checks that fail,
from a fixed vocabulary (`FLAGS`). The text checks look at the two strings alone, no model:

- empty: the Dutch has letters and the English has none.
- copy: the English is the Dutch, or nearly so (names, credits, short headings and lines that
  were English already excepted).
- repetition: the English repeats a word or phrase back to back, as a decoding loop does.
- numbers: a number on one side has no equal on the other, once formats are normalized, or a
  Dutch time or amount in words ("half zes", "over vier jaar", "tientallen", "een ton",
  "biljoen") is not stated in the English.
- length: the English is far shorter or longer than the Dutch.
- names: a name of the Dutch is missing from the English, changed, or rendered word for word.
- negation: the English states more or fewer negations than the Dutch.

The translator adds the model flags (`cap`, `low_confidence`). `FLAG_RULES` words each rule for
readers. The checks run on every sentence, so they are plain string work and precompiled regexes.
"""

from __future__ import annotations

import operator
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from tolk.checks.names import names_differ
from tolk.checks.negation import negation_differs
from tolk.checks.numbers import Reading, dutch_facts, facts_differ, number_words, numbers

# Set here, from the two texts alone.
TEXT_FLAGS: tuple[str, ...] = (
    "empty",
    "copy",
    "repetition",
    "numbers",
    "length",
    "names",
    "negation",
)
# Set by the translator, from the decoding: `cap` when the output hit the length limit,
# `low_confidence` when its mean log-probability per token is low for its article.
MODEL_FLAGS: tuple[str, ...] = ("cap", "low_confidence")
# Set when the run has a glossary: the Dutch holds a term whose English the output lacks.
GLOSSARY_FLAGS: tuple[str, ...] = ("glossary",)
FLAGS: tuple[str, ...] = TEXT_FLAGS + MODEL_FLAGS + GLOSSARY_FLAGS

# A copy shares at least this part of its ordinary words with the Dutch, both ways. A translation
# shares cognates ("Het water is warm": 3 of 4 words) and, on long lines, far less: at most 31%
# on Flores-200.
COPY_SHARE = 0.8
# ... over at least this many words: names ("Juan Guaidó"), credits ("© ANP") and short
# headings ("Speciale eenheden", "Kremlin") may stay the same in English ...
COPY_MIN_WORDS = 3
# ... of which this many ordinary ones (lowercase, or first): a name is no copy however long
# ("Juan Carlos Guaidó Márquez", "Black Lives Matter"), "Waarom bedreigt Amerika Venezuela?" is.
COPY_MIN_ORDINARY = 2
# A phrase of up to this many words, back to back, is a loop ...
LOOP_MAX_WORDS = 8
# ... when a word or word pair comes 3 times in a row ("no, no, no"), a longer phrase twice
# ("of the city of the city"): "that that" and "had had" are English.
LOOP_SHORT_COPIES = 3
LOOP_LONG_COPIES = 2
# English runs 0.91x the Dutch in characters on Flores-200 (0.67 to 1.23 for 98% of lines, 0.55
# at the least). Below half, a clause is missing: a line cut to a third lands at 0.34, 0.49 at
# the 99th percentile. Above twice, something was added.
LENGTH_MIN_RATIO = 0.5
LENGTH_MAX_RATIO = 2.0
# Characters added to both lengths before dividing, so that short lines ("Ja." -> "Yes.",
# "Nee." -> "No.") never count as too short or too long.
LENGTH_SMOOTHING = 10

# low_confidence: a translation whose confidence is an outlier below the others, by the robust
# z-score (median and MAD; 3.5 is Iglewicz and Hoaglin's usual outlier cut).
LOW_CONFIDENCE_Z = 3.5
MIN_SCORED = 6  # fewer decoded sentences than this give no reliable "usual"
MIN_SPREAD = 0.05  # log-probability: so that near-identical confidences do not flag noise

FLAG_RULES: dict[str, str] = {
    "empty": "The English has no letters though the Dutch has words: nothing was translated.",
    "copy": (
        f"The English is the Dutch, or nearly: at least {COPY_SHARE:.0%} of the words that are "
        "not names are the same both ways, on a line of at least "
        f"{COPY_MIN_WORDS} words (names, photo credits, short headings and English quotes "
        "are not copies)."
    ),
    "repetition": (
        f"The English says a word or word pair {LOOP_SHORT_COPIES} times in a row, or a phrase "
        f"of up to {LOOP_MAX_WORDS} words {LOOP_LONG_COPIES} times, as a decoding loop does, "
        "and the Dutch does not repeat itself nearly as often."
    ),
    "numbers": (
        "A number in digits on one side has no equal on the other, reading 3,5 as 3.5, "
        "1.200 as 1,200, 09.30 uur as 9:30 a.m. and 3,5 miljard as 3.5 billion (a number "
        "spelled out as a word on the other side counts as equal); or a Dutch time or amount "
        "in words is missing from the English: half zes is 5:30, kwart voor acht 7:45, over "
        "vier jaar in four years, een ton (money) 100,000, tientallen dozens, biljoen trillion."
    ),
    "length": (
        f"The English is under {LENGTH_MIN_RATIO:g} or over {LENGTH_MAX_RATIO:g} times the "
        f"Dutch's length in characters, counting {LENGTH_SMOOTHING} more on each side so that "
        "short lines pass."
    ),
    "names": (
        "A name in the Dutch (a capitalised word inside a sentence, an acronym or an initial) "
        "is missing from the English, changed, or rendered as a common word; common English "
        "names for Dutch ones (Poetin: Putin, Den Haag: The Hague) count as the same."
    ),
    "negation": (
        "The English says not, no, never, nothing, without ... more or fewer times than the "
        "Dutch says niet, geen, nooit, niets, zonder ..., so it may say the opposite."
    ),
    "cap": "The translation hit the model's output length limit, so its end may be missing.",
    "low_confidence": (
        f"The model was far less sure of this translation than usual: its mean log-probability "
        f"per token is over {LOW_CONFIDENCE_Z:g} robust deviations below the median of the "
        "article's sentences (or of a test set's, once `tolk eval --calibrate` has run)."
    ),
    "glossary": (
        "The Dutch holds a term of the run's glossary and the English lacks the rendering the "
        "glossary requires, even after tolk tried the model's other candidates and putting "
        "the term in where the model's alignment shows its place."
    ),
}

# Common words of one language that the other does not have (not "of", "at", "as" or "been",
# which are Dutch too): a line with more English than Dutch ones (",,I can't breathe''") was
# English already, and copying it is right.
_DUTCH_ONLY = frozenset(
    "de het een en van niet met voor zijn er dat ook maar naar bij nog wel aan uit dan als om "
    "wordt werd heeft hebben geen zo door tegen moet zal hun ons onze mijn jij je wij ze zij hij "
    "ik wat wie waar hoe nu toen deze dit zei zegt al op".split()
)
_ENGLISH_ONLY = frozenset(
    "i the a an and to are were be has it its this that these those with for on by from but not "
    "no or if they he she you his her their our your my will would can could should do does "
    "did what who which there said says".split()
)

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"[0-9]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Addresses, handles and hashtags are the same in any language.
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|[@#]\w+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_ADDRESS_SIGNS = ("/", "@", "#", "www.")
_TOKEN = re.compile(r"\w+")


def is_empty(nl: str, en: str) -> bool:
    """Tell whether the English lost every letter of a Dutch sentence that has some."""
    return _LETTER.search(en) is None and _LETTER.search(nl) is not None


def _ordinary_words(text: str) -> tuple[list[str], list[str]]:
    """Return a sentence's words but names and addresses, lowercased, and all its words."""
    if any(sign in text for sign in _ADDRESS_SIGNS):
        text = _ADDRESS.sub(" ", text)
    words = _WORD.findall(text)
    ordinary = [w for w in words if w.islower()]
    # The first word is capitalized for its place, not because it is a name; acronyms are names.
    if words and not words[0].islower() and not words[0].isupper():
        ordinary.append(words[0].lower())
    return ordinary, words


def is_copy(nl: str, en: str) -> bool:
    """Tell whether the English is the Dutch, or nearly, beyond names, headings and English."""
    nl_words, nl_all = _ordinary_words(nl)
    if len(nl_all) < COPY_MIN_WORDS or len(nl_words) < COPY_MIN_ORDINARY:
        return False
    # A word of the English is in it as a substring too: a quick test that rules most lines out.
    lowered = en.lower()
    if sum(w in lowered for w in nl_words) < COPY_SHARE * len(nl_words):
        return False
    en_words, _ = _ordinary_words(en)
    nl_set, en_set = set(nl_words), set(en_words)
    if sum(w in en_set for w in nl_words) < COPY_SHARE * len(nl_words):
        return False
    if sum(w in nl_set for w in en_words) < COPY_SHARE * len(en_words):
        return False
    nl_all = [w.lower() for w in nl_all]
    return sum(w in _ENGLISH_ONLY for w in nl_all) <= sum(w in _DUTCH_ONLY for w in nl_all)


def _tokens(text: str) -> list[str]:
    """Return a sentence's words and numbers, lowercased."""
    return _TOKEN.findall(text.lower())


def _repeats(tokens: list[str]) -> Iterator[tuple[int, int]]:
    """Yield (words, copies) for each run of a phrase that follows itself, shortest first."""
    for size in range(1, min(LOOP_MAX_WORDS, len(tokens) // 2) + 1):
        # same[i]: token i comes back `size` tokens on. A phrase of `size` tokens said k times
        # in a row makes a run of (k - 1) * size of these.
        same = list(map(operator.eq, tokens, tokens[size:]))
        if sum(same) < size:
            continue
        run = 0
        for hit in [*same, False]:
            if hit:
                run += 1
                continue
            if run >= size:
                yield size, run // size + 1
            run = 0


def _loop_copies(tokens: list[str]) -> int:
    """Return how many times a looping phrase comes back to back in a text, 0 if none does."""
    # Every loop says some word pair twice ("no no no", "of the city of the city"): a text
    # whose word pairs all differ, as most do, has none.
    pairs = list(zip(tokens, tokens[1:], strict=False))
    if len(set(pairs)) == len(pairs):
        return 0
    for size, copies in _repeats(tokens):
        if copies >= (LOOP_SHORT_COPIES if size <= 2 else LOOP_LONG_COPIES):
            return copies
    return 0


def has_repetition(nl: str, en: str) -> bool:
    """Tell whether the English loops on a phrase that the Dutch does not repeat as often."""
    copies = _loop_copies(_tokens(en))
    if copies == 0:
        return False
    # "Nee, nee, nee!" is "No, no, no!": the repetition is the speaker's, not the model's. One
    # copy more is allowed, but a loop goes on far longer.
    dutch_copies = max((c for _, c in _repeats(_tokens(nl))), default=1)
    return dutch_copies < max(2, copies - 1)


def _unmatched(ours: list[set[Reading]], theirs: list[set[Reading]], their_text: str) -> bool:
    """Tell whether a number of ours has no reading in common with any of theirs."""
    words: set[Decimal] | None = None
    for readings in ours:
        if any(readings & other for other in theirs):
            continue
        if words is None:
            words = number_words(their_text)
        if not readings & words:
            return True
    return False


def numbers_differ(nl: str, en: str) -> bool:
    """Tell whether a number on one side has no equal on the other, or a Dutch time or
    amount in words is missing from the English."""
    if facts_differ(nl, en):
        return True
    if _DIGIT.search(en) is None and (_DIGIT.search(nl) is None):
        return False
    # "half zes" in the Dutch is the 5:30 of the English, and its digits ("half 9") are no
    # number of their own.
    facts = dutch_facts(nl)
    plain = nl
    for words, _ in facts:
        plain = plain.replace(words, " ")
    nl_numbers, en_numbers = numbers(plain), numbers(en)
    return _unmatched(nl_numbers, en_numbers, en) or _unmatched(
        en_numbers, nl_numbers + [readings for _, readings in facts], nl
    )


def length_ratio(nl: str, en: str) -> float:
    """Return the English's length over the Dutch's, in characters, smoothed for short lines."""
    return (len(en.strip()) + LENGTH_SMOOTHING) / (len(nl.strip()) + LENGTH_SMOOTHING)


def length_off(nl: str, en: str) -> bool:
    """Tell whether the English is far too short or too long for the Dutch."""
    return not LENGTH_MIN_RATIO <= length_ratio(nl, en) <= LENGTH_MAX_RATIO


# Each text flag and the check that raises it, in FLAGS order.
CHECKS: dict[str, Callable[[str, str], bool]] = {
    "empty": is_empty,
    "copy": is_copy,
    "repetition": has_repetition,
    "numbers": numbers_differ,
    "length": length_off,
    "names": names_differ,
    "negation": negation_differs,
}


def flag_pair(nl: str, en: str) -> tuple[str, ...]:
    """Return the text flags that one Dutch sentence and its English translation raise."""
    return tuple(flag for flag, check in CHECKS.items() if check(nl, en))


def confidence_floor(values: Sequence[float | None]) -> float | None:
    """Return the confidence below which a translation is far less sure than the others.

    None when there are too few values to tell. Used on an article's sentences, or on a test
    set's (`tolk eval --calibrate`), whose floor then applies to every article.
    """
    scored = [v for v in values if v is not None]
    if len(scored) < MIN_SCORED:
        return None
    median = statistics.median(scored)
    spread = statistics.median(abs(v - median) for v in scored)
    return median - LOW_CONFIDENCE_Z * 1.4826 * max(spread, MIN_SPREAD)


def ordered(flags: set[str] | Sequence[str]) -> tuple[str, ...]:
    """Return flags in the fixed order of `FLAGS`."""
    return tuple(flag for flag in FLAGS if flag in flags)

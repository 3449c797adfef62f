"""Measure the text checks of `tolk.quality` on FLORES-200 devtest, Dutch to English.

Takes the 1,012 Dutch sentences shipped in `tolk/data/flores200-devtest/` with their human
English translations; gives how often each text flag fires on those good translations (false
flags) and how often it fires once the English is broken the ways machine translation fails
(recall). Every corruption uses its own `random.Random` seeded from `SEED` and its name, so the
numbers are the same on every run. A corruption applies to the pairs it can break:

- drop a number (numbers): delete one number written in digits from the English, with one space
  beside it; it applies when the English has a number whose value it states only once.
- change a digit (numbers): replace one digit of one number in the English by another digit;
  it applies when the English has a digit.
- copy the source (copy): the English becomes the Dutch sentence, unchanged; it always applies.
- append a loop (repetition): strip the English's final punctuation and append its last 1 to 3
  words 4 to 6 more times, as a decoder stuck in a loop does; it always applies.
- cut to a third (length): keep the first third of the English's words (rounded, at least one);
  it applies when the English has at least 3 words.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from tolk.numbers import NUMBER, numbers
from tolk.quality import TEXT_FLAGS, flag_pair

SEED = 2024
FLORES_DIR = "data/flores200-devtest"
_END = re.compile(r"[\s.!?;:,\"'”’)]+$")


def flores_pairs() -> list[tuple[str, str]]:
    """Return the FLORES-200 devtest (Dutch, English) pairs shipped with tolk."""
    folder = resources.files("tolk").joinpath(FLORES_DIR)
    dutch = folder.joinpath("nld_Latn.devtest").read_text(encoding="utf-8").splitlines()
    english = folder.joinpath("eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    if len(dutch) != len(english):
        raise ValueError(f"{FLORES_DIR}: {len(dutch)} Dutch lines but {len(english)} English")
    return list(zip(dutch, english, strict=True))


def drop_number(en: str, rng: random.Random) -> str | None:
    """Delete one number that the English states once, or give None if it has none."""
    matches = list(NUMBER.finditer(en))
    values = [frozenset().union(*numbers(m[0])) for m in matches]
    once = [m for m, v in zip(matches, values, strict=True) if values.count(v) == 1]
    if not once:
        return None
    match = rng.choice(once)
    before, after = en[: match.start()], en[match.end() :]
    if before.endswith(" "):
        before = before[:-1]
    elif after.startswith(" "):
        after = after[1:]
    return before + after


def change_digit(en: str, rng: random.Random) -> str | None:
    """Replace one digit of the English by another, or give None if it has no digit."""
    positions = [i for i, char in enumerate(en) if "0" <= char <= "9"]
    if not positions:
        return None
    i = rng.choice(positions)
    digit = rng.choice([d for d in "0123456789" if d != en[i]])
    return en[:i] + digit + en[i + 1 :]


def append_loop(en: str, rng: random.Random) -> str | None:
    """Append the English's last 1-3 words to it 4-6 more times, as a looping decoder does."""
    words = _END.sub("", en).split()
    phrase = words[-rng.randint(1, 3) :]
    return " ".join(words + phrase * rng.randint(4, 6))


def cut_to_third(en: str, rng: random.Random) -> str | None:
    """Keep the first third of the English's words, or give None if it has under 3 words."""
    words = en.split()
    if len(words) < 3:
        return None
    return " ".join(words[: max(1, round(len(words) / 3))])


@dataclass(frozen=True)
class Corruption:
    """One way machine translation breaks the English, and the flag that should catch it."""

    flag: str
    min_recall: float  # the target: the share of broken pairs the flag must catch
    breaks: Callable[[str, str, random.Random], str | None]  # (nl, en, rng) -> broken en or None


# The most a text flag may fire on good translations.
MAX_FALSE_FLAG_RATE = 0.03
CORRUPTIONS: dict[str, Corruption] = {
    "drop a number": Corruption("numbers", 0.95, lambda nl, en, rng: drop_number(en, rng)),
    "change a digit": Corruption("numbers", 0.95, lambda nl, en, rng: change_digit(en, rng)),
    "copy the source": Corruption("copy", 0.95, lambda nl, en, rng: nl),
    "append a loop": Corruption("repetition", 0.95, lambda nl, en, rng: append_loop(en, rng)),
    # Lower: a human translation that says more than the Dutch can lose two thirds and still
    # be half the Dutch's length.
    "cut to a third": Corruption("length", 0.80, lambda nl, en, rng: cut_to_third(en, rng)),
}


def false_flags(pairs: list[tuple[str, str]]) -> dict[str, list[int]]:
    """Return, for each text flag, the indexes of the pairs it fires on."""
    fired: dict[str, list[int]] = {flag: [] for flag in TEXT_FLAGS}
    for i, (nl, en) in enumerate(pairs):
        for flag in flag_pair(nl, en):
            fired[flag].append(i)
    return fired


def corrupt(pairs: list[tuple[str, str]], name: str) -> list[tuple[int, str]]:
    """Return (index, broken English) for every pair a corruption applies to."""
    breaks = CORRUPTIONS[name].breaks
    rng = random.Random(f"{SEED}:{name}")
    broken = ((i, breaks(nl, en, rng)) for i, (nl, en) in enumerate(pairs))
    return [(i, en) for i, en in broken if en is not None]


def misses(pairs: list[tuple[str, str]], name: str) -> tuple[int, list[tuple[int, str]]]:
    """Return how many pairs a corruption applies to, and those its flag does not catch."""
    flag = CORRUPTIONS[name].flag
    broken = corrupt(pairs, name)
    return len(broken), [(i, en) for i, en in broken if flag not in flag_pair(pairs[i][0], en)]


def measure(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    """Return each text flag's false-flag rate and each corruption's recall, with the targets."""
    result: dict[str, dict] = {"false_flags": {}, "recall": {}}
    for flag, indexes in false_flags(pairs).items():
        rate = len(indexes) / len(pairs)
        result["false_flags"][flag] = {
            "flagged": len(indexes),
            "rate": rate,
            "target": MAX_FALSE_FLAG_RATE,
            "met": rate <= MAX_FALSE_FLAG_RATE,
        }
    for name, corruption in CORRUPTIONS.items():
        applies, missed = misses(pairs, name)
        caught = applies - len(missed)
        recall = caught / applies if applies else 1.0
        result["recall"][name] = {
            "flag": corruption.flag,
            "applies": applies,
            "caught": caught,
            "recall": recall,
            "target": corruption.min_recall,
            "met": recall >= corruption.min_recall,
        }
    return result

"""Read the numbers a Dutch or English sentence states, as values that compare across the two.

Takes one sentence; gives one set of readings per number written in digits, where a reading is a
`Decimal` value or a clock time `(hour, minute)`. Two numbers match when they share a reading.

A number gets every reading its form allows in either language, because Dutch and English swap
the decimal comma and the thousands point and a translation may keep either: "3,5" reads 3.5;
"1.125" reads 1125 or 1.125; "1.250" reads 1250 only (a decimal has no trailing 0);
"1.200.000" reads 1200000; "09.30" reads 9.3 or 09:30. A clock time also reads 12 hours on,
since English writes 22:00 as 10:00 p.m. The words right after a number add readings: a scale
("3,5 miljard" and "3.5 billion" also read 3500000000), a clock word ("9 uur", "9 a.m." also
read 9:00) and a decade's "s" ("the 1960s" also reads 60, as in "de jaren 60").

`number_words` gives the values of the numbers spelled out as words ("drie", "third"): they
excuse a number in digits on the other side, which is no mistake.
"""

from __future__ import annotations

import re
from decimal import Decimal

Reading = Decimal | tuple[int, int]

# Digits, joined by single separators: "12", "3,5", "1.200.000", "09:30", "12 000" (a no-break
# or thin space groups thousands in some Dutch texts; a plain space separates two numbers).
NUMBER = re.compile(r"[0-9]+(?:[.,:][0-9]+|[\u00a0\u202f\u2009][0-9]{3}(?![0-9]))*")
_SEPARATOR = re.compile(r"[.,:\u00a0\u202f\u2009]")
_SCALES = {
    "duizend": 10**3,
    "thousand": 10**3,
    "miljoen": 10**6,
    "million": 10**6,
    "mln": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "miljard": 10**9,
    "billion": 10**9,
    "mld": 10**9,
    "mrd": 10**9,
    "bn": 10**9,
    "biljoen": 10**12,  # the Dutch biljoen is the English trillion
    "trillion": 10**12,
}
_SCALE = re.compile(r"\s?(" + "|".join(sorted(_SCALES, key=len, reverse=True)) + r")\b", re.I)
_CLOCK = re.compile(r"\s?(?:uur|u|h|o'clock|[ap]\.?m)\b", re.I)
_DECADE = re.compile(r"['’]?s\b")


def _clock(hour: int, minute: int) -> set[Reading]:
    """Read a clock time as itself or 12 hours on: English writes 22:00 as 10:00 (p.m.)."""
    return {(hour % 12, minute), (hour % 12 + 12, minute)}


def _token_readings(token: str) -> list[set[Reading]]:
    """Read one run of digits and separators: one set per number it holds ("12.03.2019": three)."""
    parts = _SEPARATOR.split(token)
    separators = _SEPARATOR.findall(token)
    if not separators:
        return [{Decimal(token)}]
    if len(separators) == 1:
        head, tail = parts
        hour, minute = int(head), int(tail)
        is_clock = len(tail) == 2 and hour <= 24 and minute < 60
        if separators[0] == ":":
            # 09:30 is a time; 3:2 is a score, two numbers.
            return [_clock(hour, minute)] if is_clock else [{Decimal(head)}, {Decimal(tail)}]
        if separators[0] not in ".,":
            return [{Decimal(head + tail)}]  # a spaced thousands group
        readings: set[Reading] = {Decimal(f"{head}.{tail}")}
        if len(tail) == 3 and len(head) <= 3:
            readings.add(Decimal(head + tail))  # thousands, in either language's notation
            if tail.endswith("0"):
                readings.discard(Decimal(f"{head}.{tail}"))  # no one writes 7 as 7.000
        if is_clock:
            readings.update(_clock(hour, minute))  # 09.30 uur
        return [readings]
    first = separators[0]
    groups_of_three = len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:-1])
    if groups_of_three and len(parts[-1]) == 3 and all(s == first for s in separators):
        return [{Decimal("".join(parts))}]  # 1.200.000
    if groups_of_three and all(s == first for s in separators[:-1]) and separators[-1] != first:
        return [{Decimal("".join(parts[:-1]) + "." + parts[-1])}]  # 1.234,5 or 1,234.5
    return [{Decimal(p)} for p in parts]  # a date or a version: 12.03.2019


def _add_context(readings: set[Reading], token: str, after: str) -> None:
    """Add the readings that the words right after a number give it."""
    if scale := _SCALE.match(after):
        factor = _SCALES[scale[1].lower()]
        readings.update(r * factor for r in list(readings) if isinstance(r, Decimal))
    elif _CLOCK.match(after):
        for r in list(readings):
            if isinstance(r, Decimal) and r == r.to_integral_value() and 0 <= r <= 24:
                readings.update(_clock(int(r), 0))  # 9 uur, 9 p.m.
            elif isinstance(r, tuple) and r[1] == 0:
                readings.add(Decimal(r[0]))  # 21.00 uur
    elif len(token) == 4 and token[:2] in ("19", "20") and token[3] == "0" and _DECADE.match(after):
        readings.add(Decimal(token[2:]))  # the 1960s are de jaren 60


def numbers(text: str) -> list[set[Reading]]:
    """Return the readings of every number written in digits in a sentence, in order."""
    found: list[set[Reading]] = []
    for match in NUMBER.finditer(text):
        token = match[0]
        readings = _token_readings(token)
        _add_context(readings[-1], token, text[match.end() : match.end() + 12])
        found.extend(readings)
    return found


_DUTCH_UNITS = "een twee drie vier vijf zes zeven acht negen".split()
_DUTCH_TEENS = "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien"
_DUTCH_TENS = "twintig dertig veertig vijftig zestig zeventig tachtig negentig".split()
_DUTCH_ORDINALS = "eerste tweede derde vierde vijfde zesde zevende achtste negende".split()
_ENGLISH_UNITS = "one two three four five six seven eight nine".split()
_ENGLISH_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_ENGLISH_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ENGLISH_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth".split()


def _word_values() -> dict[str, Decimal]:
    """Map each Dutch and English number word, cardinal or ordinal, to its value."""
    table: dict[str, int | str] = {"nul": 0, "zero": 0, "één": 1, "eén": 1}
    table |= {"anderhalf": "1.5", "anderhalve": "1.5"}  # one and a half
    table |= {"honderd": 100, "hundred": 100, "duizend": 1000, "thousand": 1000, "dozen": 12}
    table |= {"honderdste": 100, "hundredth": 100, "duizendste": 1000, "thousandth": 1000}
    for units, ordinals in ((_DUTCH_UNITS, _DUTCH_ORDINALS), (_ENGLISH_UNITS, _ENGLISH_ORDINALS)):
        table |= {word: value for value, word in enumerate(units, start=1)}
        table |= {word: value for value, word in enumerate(ordinals, start=1)}
    for value, word in enumerate(_DUTCH_TEENS.split(), start=10):
        table |= {word: value, word + "de": value}  # tiende, elfde, dertiende
    for value, word in enumerate(_ENGLISH_TEENS.split(), start=10):
        table |= {word: value, word.removesuffix("ve") + ("fth" if value == 12 else "th"): value}
    for value, (dutch, english) in enumerate(zip(_DUTCH_TENS, _ENGLISH_TENS, strict=True), start=2):
        table |= {dutch: 10 * value, dutch + "ste": 10 * value}  # twintigste
        table |= {english: 10 * value, english[:-1] + "ieth": 10 * value}  # twentieth
    return {word: Decimal(value) for word, value in table.items()}


_WORD_VALUES = _word_values()
# Dutch writes 21 as eenentwintig(ste); English writes twenty-one or twenty-first.
_COMPOUND = re.compile(
    rf"\b({'|'.join(_DUTCH_UNITS)})[eë]n({'|'.join(_DUTCH_TENS)})|"
    rf"\b({'|'.join(_ENGLISH_TENS)})[- ]({'|'.join(_ENGLISH_UNITS + _ENGLISH_ORDINALS)})\b",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]+")


def number_words(text: str) -> set[Decimal]:
    """Return the values of the numbers a sentence spells out in Dutch or English words."""
    values = {_WORD_VALUES[w] for w in _WORD.findall(text.lower()) if w in _WORD_VALUES}
    for match in _COMPOUND.finditer(text.lower()):
        unit, ten = (match[1], match[2]) if match[1] else (match[4], match[3])
        values.add(_WORD_VALUES[ten] + _WORD_VALUES[unit])
    return values

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


# Dutch words for times and amounts that are no digits, or mean something else in English:
# "half zes" is 5:30 (in British English "half six" is 6:30), "kwart voor acht" 7:45, "over
# vier jaar" is "in four years", "een ton" is 100,000 in money, "biljoen" is trillion.
Fact = Reading | tuple[str, object]
_HOURS = {w: i for i, w in enumerate(_DUTCH_UNITS + ["tien", "elf", "twaalf"], start=1)}
_HOURS |= {"één": 1, "eén": 1}
_ENGLISH_HOURS = {w: i for i, w in enumerate(_ENGLISH_UNITS + ["ten", "eleven", "twelve"], 1)}
_HOUR = r"(1[0-2]|[1-9]|" + "|".join(sorted(_HOURS, key=len, reverse=True)) + r")"
_DUTCH_CLOCK = re.compile(rf"\b(half|kwart\s+voor|kwart\s+over)\s+{_HOUR}\b", re.I)
_ENGLISH_HOUR = r"(1[0-2]|[1-9]|" + "|".join(sorted(_ENGLISH_HOURS, key=len, reverse=True)) + r")"
_ENGLISH_CLOCK = re.compile(
    rf"\b(half\s+past|(?:a\s+)?quarter\s+(?:to|past|after|of))\s+{_ENGLISH_HOUR}\b", re.I
)
_UNITS = {"jaar": "year", "maand": "month", "maanden": "month", "week": "week", "weken": "week"}
_UNITS |= {"dag": "day", "dagen": "day", "uur": "hour", "minuut": "minute", "minuten": "minute"}
_COUNT = r"([0-9]+|een|" + "|".join(_DUTCH_UNITS[1:] + _DUTCH_TEENS.split() + _DUTCH_TENS) + r")"
_DUTCH_IN = re.compile(rf"\bover\s+{_COUNT}\s+({'|'.join(_UNITS)})\b", re.I)
_ENGLISH_COUNT = (
    r"([0-9]+|an?|one|"
    + "|".join(_ENGLISH_UNITS[1:] + _ENGLISH_TEENS.split() + _ENGLISH_TENS)
    + r")"
)
_ENGLISH_UNIT = r"(year|month|week|day|hour|minute)s?"
_ENGLISH_IN = re.compile(
    rf"\b(?:in|within|after)\s+(?:another\s+|the\s+next\s+)?{_ENGLISH_COUNT}\s+{_ENGLISH_UNIT}|"
    rf"\b{_ENGLISH_COUNT}\s+{_ENGLISH_UNIT}['’]?\s+(?:from\s+now|later|time|hence)",
    re.I,
)
_MONEY = re.compile(
    r"€|\beuro|\bgeld|\bkost|\bbedrag|\bsubsidie|\bboete|\bsalaris|\bschade|\bwinst|\bprijs|"
    r"\bbetaal|\bverdien|\binvester|\bbudget|\bomzet|\bvergoeding|\bschuld",
    re.I,
)
_TON = re.compile(rf"\b({_COUNT[1:-1]}|[0-9]+,[0-9]+|anderhalve)\s+ton\b", re.I)
_DUTCH_AMOUNTS = {
    "tientallen": "tens",
    "honderden": "hundreds",
    "duizenden": "thousands",
    "tienduizenden": "tens of thousands",
    "honderdduizenden": "hundreds of thousands",
    "miljoenen": "millions",
    "miljarden": "billions",
    "miljoen": "million",
    "miljard": "billion",
    "biljoen": "trillion",
    "anderhalf": "1.5",
    "anderhalve": "1.5",
}
_DUTCH_AMOUNT = re.compile(r"\b(" + "|".join(_DUTCH_AMOUNTS) + r")\b", re.I)
_ENGLISH_AMOUNTS = {
    "tens": re.compile(r"\b(?:dozens|tens|scores|dozen)\b(?!\s+of\s+thousands)", re.I),
    "hundreds": re.compile(r"\bhundreds\b(?!\s+of\s+thousands)", re.I),
    "thousands": re.compile(r"\bthousands\b", re.I),
    "tens of thousands": re.compile(r"\b(?:tens|dozens)\s+of\s+thousands\b", re.I),
    "hundreds of thousands": re.compile(r"\bhundreds\s+of\s+thousands\b", re.I),
    "millions": re.compile(r"\bmillions\b", re.I),
    "billions": re.compile(r"\bbillions\b", re.I),
    "million": re.compile(r"\b(?:million|mln|mn)\b|[0-9]m\b", re.I),
    "billion": re.compile(r"\b(?:billion|bn|bln)\b|[0-9]b\b", re.I),
    "trillion": re.compile(r"\b(?:trillion|tn)\b", re.I),
    "1.5": re.compile(
        r"\b1\.5\b|\bone[- ]and[- ]a[- ]half\b|\b(?:an?|one)\s+\w+\s+and\s+a\s+half\b",
        re.I,
    ),
}
# A scale word is also stated by a number in digits of that size ("1,500,000,000").
_SCALE_SIZES = {"million": 10**6, "billion": 10**9, "trillion": 10**12}


# Every Dutch fact above holds one of these.
_FACT_WORDS = ("half", "kwart", "over ", "ton", "tiental", "honderden", "duizenden", "miljoen")
_FACT_WORDS += ("miljard", "biljoen", "anderhal")


def _count(word: str) -> int:
    """Read a count written in digits or as a Dutch or English word ("een", "a", "vier")."""
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("een", "a", "an", "one", "één"):
        return 1
    return int(_WORD_VALUES[word])


def dutch_facts(nl: str) -> list[tuple[str, set[Fact]]]:
    """Return the times and amounts a Dutch sentence states in words, each with its readings."""
    facts: list[tuple[str, set[Fact]]] = []
    lower = nl.lower()
    if not any(word in lower for word in _FACT_WORDS):
        return facts  # the common case, found by plain substring tests
    for match in _DUTCH_CLOCK.finditer(nl):
        hour = int(match[2]) if match[2].isdigit() else _HOURS[match[2].lower()]
        kind = match[1].lower().split()[-1]
        hour, minute = {"half": (hour - 1, 30), "voor": (hour - 1, 45), "over": (hour, 15)}[kind]
        facts.append((match[0], set(_clock(hour % 12, minute))))
    for match in _DUTCH_IN.finditer(nl):
        facts.append((match[0], {("in", (_count(match[1]), _UNITS[match[2].lower()]))}))
    if "ton" in nl and _MONEY.search(nl):
        for match in _TON.finditer(nl):
            size = match[1].lower()
            amount = (
                Decimal("1.5")
                if size == "anderhalve"
                else Decimal(size.replace(",", "."))
                if size[0].isdigit()
                else Decimal(_count(size))
            )
            facts.append((match[0], {amount * 100_000}))
    for match in _DUTCH_AMOUNT.finditer(nl):
        amount = _DUTCH_AMOUNTS[match[1].lower()]
        readings: set[Fact] = {("amount", amount)}
        if amount == "1.5":
            readings.add(Decimal("1.5"))
        facts.append((match[0], readings))
    return facts


def english_facts(en: str) -> set[Fact]:
    """Return the readings of the times and amounts an English sentence states, in any form."""
    found: set[Fact] = set()
    for readings in numbers(en):
        found |= readings
    for match in _ENGLISH_CLOCK.finditer(en):
        hour = int(match[2]) if match[2].isdigit() else _ENGLISH_HOURS[match[2].lower()]
        kind = match[1].lower().split()[-1]
        minute = {"past": 30 if "half" in match[1].lower() else 15, "after": 15}.get(kind, 45)
        found |= _clock((hour - 1 if minute == 45 else hour) % 12, minute)
    for match in _ENGLISH_IN.finditer(en):
        count, unit = (match[1], match[2]) if match[1] else (match[3], match[4])
        found.add(("in", (_count(count), unit.lower())))
    words = number_words(en)
    if "hundred" in en.lower() and "thousand" in en.lower():
        words |= {w * 100_000 for w in words if w < 100} | {Decimal(100_000)}
    found |= words
    for amount, pattern in _ENGLISH_AMOUNTS.items():
        if pattern.search(en):
            found.add(("amount", amount))
    for amount, size in _SCALE_SIZES.items():
        if any(isinstance(r, Decimal) and size <= r < size * 1000 for r in found):
            found.add(("amount", amount))
    return found


def facts_differ(nl: str, en: str) -> list[str]:
    """Return the Dutch words for times and amounts that the English does not state."""
    facts = dutch_facts(nl)
    if not facts:
        return []
    english = english_facts(en)
    return [words for words, readings in facts if not readings & english]

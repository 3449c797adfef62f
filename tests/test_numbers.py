"""Tests for tolk.checks.numbers: the numbers a Dutch or English sentence states, and how they read."""

from decimal import Decimal as D

import pytest

from tolk.checks.numbers import number_words, numbers

READINGS = [
    ("Er waren 12 doden.", [{D(12)}]),
    ("3,5 miljard euro", [{D("3.5"), D(3_500_000_000)}]),
    ("3.5 billion euros", [{D("3.5"), D(3_500_000_000)}]),
    ("1.125 deelnemers", [{D(1125), D("1.125")}]),
    ("1.250 deelnemers", [{D(1250)}]),
    ("7.000 eilanden", [{D(7000)}]),
    ("1.200.000 inwoners", [{D(1_200_000)}]),
    ("1,200,000 inhabitants", [{D(1_200_000)}]),
    ("1.234,56 euro", [{D("1234.56")}]),
    ("1,234.56 euros", [{D("1234.56")}]),
    ("12\u00a0000 kilometer", [{D(12000)}]),
    ("om 09.30 uur", [{D("9.3"), (9, 30), (21, 30)}]),
    ("at 9:30 a.m.", [{(9, 30), (21, 30)}]),
    ("om 21.00 uur", [{D(21), D(9), (9, 0), (21, 0)}]),
    ("at 9 p.m.", [{D(9), (9, 0), (21, 0)}]),
    ("won met 3:2", [{D(3)}, {D(2)}]),
    ("7-2", [{D(7)}, {D(2)}]),
    ("2019-2020", [{D(2019)}, {D(2020)}]),
    ("op 12.03.2019", [{D(12)}, {D(3)}, {D(2019)}]),
    ("12%", [{D(12)}]),
    ("de 21ste eeuw", [{D(21)}]),
    ("in the 1960s", [{D(1960), D(60)}]),
    ("in the 1760s", [{D(1760)}]),
    ("in 1960 so", [{D(1960)}]),
    ("een IL-62", [{D(62)}]),
    ("zonder getallen", []),
]

WORDS = [
    ("Moskou zweeg drie dagen lang.", {D(3)}),
    ("Hij werd derde en zij tiende.", {D(3), D(10)}),
    ("Op de eenentwintigste dag.", {D(21)}),
    # The parts of a compound count too: they can only excuse more, never flag.
    ("On the twenty-first day, twelve men.", {D(20), D(1), D(21), D(12)}),
    ("Thirty percent of the forty voters.", {D(30), D(40)}),
    ("Het duurde anderhalf jaar.", {D("1.5")}),
    ("Na anderhalve week.", {D("1.5")}),
    ("Geen getal hier.", set()),
]


@pytest.mark.parametrize("text, expected", READINGS)
def test_numbers_read_every_form_either_language_allows(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize("text, expected", WORDS)
def test_number_words(text, expected):
    assert number_words(text) == expected

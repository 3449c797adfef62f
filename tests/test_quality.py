"""Tests for tolk.checks.flags: which flags a Dutch sentence and its English translation raise.

The pairs are real: Dutch news sentences from the sample articles and FLORES-200 devtest, with
their English; a flag's true positives break that English the way machine translation does.
"""

import pytest

from tolk.checks.flags import (
    CHECKS,
    FLAG_RULES,
    FLAGS,
    MODEL_FLAGS,
    TEXT_FLAGS,
    flag_pair,
    has_repetition,
    is_copy,
    is_empty,
    length_off,
    numbers_differ,
)

MOSCOW_NL = "Er is helemaal niets aan de hand, beweert Moskou deze dagen."
MOSCOW_EN = "There is nothing wrong at all, Moscow claims these days."
PLANES_NL = "In het passagiersvliegtuig bevonden zich zo’n honderd militairen."
PLANES_EN = "There were about a hundred soldiers on the passenger plane."
ACCORD_NL = "De twee landen sloten in 2001 een militair samenwerkingsakkoord."
ACCORD_EN = "The two countries signed a military cooperation agreement in 2001."
DYLAN_NL = (
    "Op maandag kondigde Sara Danius, de permanente secretaris van de nobelcommissie voor "
    "literatuur bij de Zweedse Academie, tijdens een radioprogramma op Sveriges Radio in Zweden "
    "aan dat de commissie Bob Dylan niet direct kon bereiken om hem te vertellen dat hij de "
    "Nobelprijs voor literatuur van 2016 had gewonnen en geen moeite meer zou doen om hem te bereiken."
)
DYLAN_EN = (
    "On Monday, Sara Danius, permanent secretary of the Nobel Committee for Literature at the "
    "Swedish Academy, publicly announced during a radio program on Sveriges Radio in Sweden the "
    "committee, unable to reach Bob Dylan directly about winning the 2016 Nobel Prize in "
    "Literature, had abandoned its efforts to reach him."
)

EMPTY = [
    (MOSCOW_NL, "", True),
    (MOSCOW_NL, "   ", True),
    (MOSCOW_NL, "...", True),
    (ACCORD_NL, "2001", True),
    ("Speciale eenheden", "—", True),
    (MOSCOW_NL, MOSCOW_EN, False),
    ("Ja.", "Yes.", False),
    # Lines without letters are copied through: nothing was lost.
    ("12.000", "12.000", False),
    ("—", "—", False),
    ("", "", False),
]

COPY = [
    (MOSCOW_NL, MOSCOW_NL, True),
    (DYLAN_NL, DYLAN_NL, True),
    # Nearly so: the quotes changed, or one word was translated.
    (
        ",,Ik stop ermee.'' Dat zei de trainer na afloop.",
        '"Ik stop ermee." Dat zei de trainer na afloop.',
        True,
    ),
    (
        "De militairen arriveerden op het moment dat Venezuela net was bekomen van de stroomuitval.",
        "De militairen arriveerden op het moment dat Venezuela net was recovered van de stroomuitval.",
        True,
    ),
    ("Hoe nu verder met Venezuela?", "Hoe nu verder met Venezuela?", True),
    ("1. Waarom bedreigt Amerika Venezuela?", "1. Waarom bedreigt Amerika Venezuela?", True),
    (MOSCOW_NL, MOSCOW_EN, False),
    (DYLAN_NL, DYLAN_EN, False),
    # The same in both languages: names, credits, short headings, addresses, numbers.
    ("Kremlin", "Kremlin", False),
    ("Juan Guaidó", "Juan Guaidó", False),
    ("Beeld REUTERS", "Photo: REUTERS", False),
    ("© ANP", "© ANP", False),
    ("Venezuela", "Venezuela", False),
    ("Speciale eenheden", "Speciale eenheden", False),
    ("Amnesty International", "Amnesty International", False),
    ("Juan Carlos Guaidó Márquez", "Juan Carlos Guaidó Márquez", False),
    ("17 miljard", "17 miljard", False),
    (
        "https://nos.nl/artikel/2277412-rusland-stuurt-militairen",
        "https://nos.nl/artikel/2277412-rusland-stuurt-militairen",
        False,
    ),
    ("@MinPres #Venezuela", "@MinPres #Venezuela", False),
    ("12.000", "12.000", False),
    # Cognates are not copies, nor a line that was English already.
    ("Het water is warm.", "The water is warm.", False),
    ("Hij is in Amsterdam.", "He is in Amsterdam.", False),
    (",,I can't breathe''", '"I can\'t breathe"', False),
]

REPETITION = [
    ("Nee, dat klopt niet.", "No, no, no, no, no, no, no, no.", True),
    ("Het stadsbestuur vergaderde gisteren.", "The the the city council met yesterday.", True),
    (
        "Hij woont in het centrum van de stad.",
        "He lives in the centre of the city of the city of the city.",
        True,
    ),
    (
        "Onder hen zouden zich cyberveiligheidsspecialisten bevinden.",
        "Among them are cyber security specialists, cyber security specialists, cyber security specialists.",
        True,
    ),
    (
        MOSCOW_NL,
        "There is nothing wrong at all, Moscow claims these days these days these days these days.",
        True,
    ),
    # A loop of a long phrase twice, and a loop far longer than the Dutch's own repetition.
    (
        "Volgens Maduro was de storing het gevolg van een cyberaanval.",
        "According to Maduro, the outage was the result of a cyber attack the result of a cyber attack.",
        True,
    ),
    ("Hij zei dat dat niet klopt.", "He said that that that that that that is not true.", True),
    (MOSCOW_NL, MOSCOW_EN, False),
    (DYLAN_NL, DYLAN_EN, False),
    ("Nee, nee, nee!", "No, no, no!", False),
    ("Nee, nee, nee, nee!", "No, no, no, no, no!", False),
    ("Hij zei dat dat niet klopt.", "He said that that is not true.", False),
    ("Hij had het al gehad.", "He had had it.", False),
    ("Het werd steeds drukker op het plein.", "It got more and more crowded on the square.", False),
    ("Stap voor stap", "Step by step", False),
    ("Heel, heel erg.", "Very, very bad.", False),
]

NUMBERS = [
    # The brief's own cases.
    (
        "Het kabinet trekt 3,5 miljard euro uit.",
        "The cabinet is allocating 3.5 billion euros.",
        False,
    ),
    ("De vergadering begint om 09.30 uur.", "The meeting starts at 9:30 a.m.", False),
    ("De vergadering begint om 09.30 uur.", "The meeting starts at 09:30.", False),
    ("De vergadering begint om 09.30 uur.", "The meeting starts at 9.30am.", False),
    ("Het bedrijf telde 244890 klanten.", "The company had 24,490 customers.", True),
    (ACCORD_NL, "The two countries signed a military cooperation agreement.", True),
    # Formats: thousands, decimals, times, ranges, scores, percentages, ordinals, years.
    ("Er waren 1.200 demonstranten.", "There were 1,200 protesters.", False),
    ("Er waren 1.200 demonstranten.", "There were 1.200 protesters.", False),
    ("Er waren 1.200 demonstranten.", "There were 200 protesters.", True),
    ("Het kost 1.200.000 euro.", "It costs 1,200,000 euros.", False),
    ("Het kost 1,2 miljoen euro.", "It costs 1.2 million euros.", False),
    ("Het kost 1,2 miljoen euro.", "It costs 12 million euros.", True),
    ("Een kop koffie kost € 2,50.", "A cup of coffee costs €2.50.", False),
    ("Het tekort is 3,5 miljard euro.", "The deficit is 35 billion euros.", True),
    ("De vergadering begint om 09.30 uur.", "The meeting starts at 9:45 a.m.", True),
    (
        "De plaatselijke starttijd van het programma was 20.30 uur (15.00 UTC).",
        "The program started at 8:30 p.m. local time (15.00 UTC).",
        False,
    ),
    (
        "Tussen 22:00-23:00 uur lokale tijd werd er brand gesticht.",
        "Between 10:00-11:00 pm local time, a fire was started.",
        False,
    ),
    ("Ajax won met 7-2 van PSV.", "Ajax beat PSV 7–2.", False),
    ("Ajax won met 7-2 van PSV.", "Ajax beat PSV 7–1.", True),
    ("Het seizoen 2019-2020 werd afgebroken.", "The 2019–2020 season was cut short.", False),
    ("Met 8 procent sinds 2008.", "By 8 per cent since 2008.", False),
    ("Met 8 procent sinds 2008.", "By 8% since 2008.", False),
    ("Met 8 procent sinds 2008.", "By 18% since 2008.", True),
    (
        "Japan is het 7e grootste eiland ter wereld.",
        "Japan is the 7th largest island in the world.",
        False,
    ),
    ("In de 21ste eeuw.", "In the 21st century.", False),
    (
        "Gedurende de jaren 60 werkte hij als adviseur.",
        "Throughout the 1960s, he worked as an advisor.",
        False,
    ),
    (
        "De toestellen, een IL-62 en een AN-24, kwamen zaterdag aan.",
        "The aircraft, an IL-62 and an AN-24, arrived on Saturday.",
        False,
    ),
    (
        "De toestellen, een IL-62 en een AN-24, kwamen zaterdag aan.",
        "The aircraft, an IL-62 and an AN-42, arrived on Saturday.",
        True,
    ),
    # Numbers copied through, and numbers written out as words on one side.
    ("12.000", "12.000", False),
    ("Moskou zweeg 3 dagen lang.", "Moscow was silent for three days.", False),
    ("Moskou zweeg drie dagen lang.", "Moscow was silent for 3 days.", False),
    ("De toer zou tot zestien september duren.", "The tour was to last until September 16.", False),
    ("Op de 21e dag.", "On the twenty-first day.", False),
    ("Moskou zweeg drie dagen lang.", "Moscow was silent for 4 days.", True),
    (MOSCOW_NL, MOSCOW_EN, False),
    (DYLAN_NL, DYLAN_EN, False),
    (DYLAN_NL, DYLAN_EN.replace("2016", "2015"), True),
    (PLANES_NL, PLANES_EN.replace("a hundred", "100"), False),
]

LENGTH = [
    (DYLAN_NL, "On Monday, Sara Danius, permanent secretary of the Nobel Committee", True),
    (MOSCOW_NL, "There is nothing wrong", True),
    ("Ja.", "Yes, and then the soldiers arrived at the airport of Caracas on Saturday.", True),
    ("Speciale eenheden", "Special units of the Russian army arrived in Caracas.", True),
    (PLANES_NL, "", True),
    (DYLAN_NL, DYLAN_EN, False),
    (MOSCOW_NL, MOSCOW_EN, False),
    ("Ja.", "Yes.", False),
    ("Nee.", "No.", False),
    ("Dank u.", "Thank you very much.", False),
    ("Speciale eenheden", "Special units", False),
    ("Beeld REUTERS", "Photo: REUTERS", False),
    ("12.000", "12.000", False),
]


@pytest.mark.parametrize("nl, en, expected", EMPTY)
def test_empty(nl, en, expected):
    assert is_empty(nl, en) is expected


@pytest.mark.parametrize("nl, en, expected", COPY)
def test_copy(nl, en, expected):
    assert is_copy(nl, en) is expected


@pytest.mark.parametrize("nl, en, expected", REPETITION)
def test_repetition(nl, en, expected):
    assert has_repetition(nl, en) is expected


@pytest.mark.parametrize("nl, en, expected", NUMBERS)
def test_numbers(nl, en, expected):
    assert numbers_differ(nl, en) is expected


@pytest.mark.parametrize("nl, en, expected", LENGTH)
def test_length(nl, en, expected):
    assert length_off(nl, en) is expected


@pytest.mark.parametrize(
    "nl, en, flags",
    [
        (MOSCOW_NL, MOSCOW_EN, ()),
        (DYLAN_NL, DYLAN_EN, ()),
        ("Beeld REUTERS", "Photo: REUTERS", ()),
        (ACCORD_NL, "", ("empty", "numbers", "length")),
        (ACCORD_NL, ACCORD_NL, ("copy",)),
        (
            ACCORD_NL,
            "The two countries signed a a a a a a a a a a a a a.",
            ("repetition", "numbers"),
        ),
        (ACCORD_NL, "The two countries signed.", ("numbers", "length")),
    ],
)
def test_flag_pair_gives_the_flags_that_fire_in_order(nl, en, flags):
    assert flag_pair(nl, en) == flags


def test_the_flag_vocabulary_is_fixed_and_every_flag_has_a_rule():
    assert FLAGS == (
        "empty",
        "copy",
        "repetition",
        "numbers",
        "length",
        "names",
        "negation",
        "cap",
        "low_confidence",
        "glossary",
    )
    assert TEXT_FLAGS + MODEL_FLAGS + ("glossary",) == FLAGS
    assert tuple(CHECKS) == TEXT_FLAGS
    assert list(FLAG_RULES) == list(FLAGS)
    assert all(rule.endswith(".") and "\n" not in rule for rule in FLAG_RULES.values())

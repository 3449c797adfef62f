"""Tests for tolk.segment: Dutch paragraphs in, sentences out."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from tolk.segment import split_sentences

ROOT = Path(__file__).parents[1]
SEEDS = ROOT / "seeds"
BENCHMARK = ROOT / "benchmarks" / "segmentation.py"

QUOTES = [
    (
        ",,Ik stop ermee.'' Dat zei de trainer na afloop.",
        [",,Ik stop ermee.''", "Dat zei de trainer na afloop."],
    ),
    (
        "De trainer was duidelijk. ,, Ik stop ermee. Het is mooi geweest. '' Daarna vertrok hij.",
        [
            "De trainer was duidelijk.",
            ",, Ik stop ermee.",
            "Het is mooi geweest. ''",
            "Daarna vertrok hij.",
        ],
    ),
    (
        "Ze keek terug op een lang seizoen:,, Zo'n jaar maak je maar één keer mee.''",
        ["Ze keek terug op een lang seizoen:,, Zo'n jaar maak je maar één keer mee.''"],
    ),
    (
        "„We gaan door”, zei de burgemeester. „Er is geen alternatief.” De raad stemde in.",
        ["„We gaan door”, zei de burgemeester.", "„Er is geen alternatief.”", "De raad stemde in."],
    ),
    (
        "‘Dit is onaanvaardbaar.’ Met die woorden verliet de minister de zaal.",
        ["‘Dit is onaanvaardbaar.’", "Met die woorden verliet de minister de zaal."],
    ),
    (
        "“Het is voorbij.” De premier keek somber voor zich uit.",
        ["“Het is voorbij.”", "De premier keek somber voor zich uit."],
    ),
    (
        "« Nous continuons. » Dat zei de Franse president in Brussel.",
        ["« Nous continuons. »", "Dat zei de Franse president in Brussel."],
    ),
    (
        '"Het water stond tot aan de ramen." Dat vertelde een bewoner van de Maasstraat.',
        ['"Het water stond tot aan de ramen."', "Dat vertelde een bewoner van de Maasstraat."],
    ),
    (
        'Het is klaar. "Nu gaan we feesten", zei de aanvoerder.',
        ["Het is klaar.", '"Nu gaan we feesten", zei de aanvoerder.'],
    ),
    (
        'Een omwonende zei: " Ik ben moe. " Daarna ging ze naar binnen.',
        ['Een omwonende zei: " Ik ben moe. "', "Daarna ging ze naar binnen."],
    ),
    (
        "Volgens haar is het een ‘roekeloze escalatie’. Moskou reageerde niet.",
        ["Volgens haar is het een ‘roekeloze escalatie’.", "Moskou reageerde niet."],
    ),
]

QUESTIONS_AND_EXCLAMATIONS = [
    (
        ",,Waarom nu?'' vroeg een verslaggever. De minister zweeg.",
        [",,Waarom nu?'' vroeg een verslaggever.", "De minister zweeg."],
    ),
    (
        "‘Weg hier!’ riep een agent. De menigte trok zich terug.",
        ["‘Weg hier!’ riep een agent.", "De menigte trok zich terug."],
    ),
    (
        ",,Wat een wedstrijd!'' De coach straalde. Is dit het begin van iets moois?",
        [",,Wat een wedstrijd!''", "De coach straalde.", "Is dit het begin van iets moois?"],
    ),
    (
        'Hij riep: "Help!" Niemand kwam. Wie had hem kunnen horen?',
        ['Hij riep: "Help!"', "Niemand kwam.", "Wie had hem kunnen horen?"],
    ),
]

ABBREVIATIONS = [
    (
        "Er kwamen o.a. Duitse en Franse bezoekers. Landen als bijv. België doen ook mee.",
        ["Er kwamen o.a. Duitse en Franse bezoekers.", "Landen als bijv. België doen ook mee."],
    ),
    (
        "Dhr. De Vries en mevr. Jansen waren aanwezig. Het woord was aan mr. Van Dam.",
        ["Dhr. De Vries en mevr. Jansen waren aanwezig.", "Het woord was aan mr. Van Dam."],
    ),
    (
        "Prof. dr. ir. K. Hendriks leidt het onderzoek. Ing. Bakker en drs. Smit helpen mee.",
        ["Prof. dr. ir. K. Hendriks leidt het onderzoek.", "Ing. Bakker en drs. Smit helpen mee."],
    ),
    (
        "Het congres is in Utrecht i.p.v. Amsterdam. De kosten stijgen t.o.v. vorig jaar.",
        ["Het congres is in Utrecht i.p.v. Amsterdam.", "De kosten stijgen t.o.v. vorig jaar."],
    ),
    (
        "N.a.v. de uitspraak gaat het OM in beroep, d.w.z. de zaak m.b.t. Schiphol loopt door.",
        ["N.a.v. de uitspraak gaat het OM in beroep, d.w.z. de zaak m.b.t. Schiphol loopt door."],
    ),
    (
        "De z.g. Rekenkamer-methode en resp. Ajax vs. PSV in St. Petersburg blijven onbesproken.",
        ["De z.g. Rekenkamer-methode en resp. Ajax vs. PSV in St. Petersburg blijven onbesproken."],
    ),
    (
        "Het gaat om ca. 300 banen, zie art. 5 op blz. 12 van rapport nr. 4.",
        ["Het gaat om ca. 300 banen, zie art. 5 op blz. 12 van rapport nr. 4."],
    ),
    (
        "De staking begint maandag a.s. in Rotterdam. Ook in Den Haag leggen ze het werk neer.",
        [
            "De staking begint maandag a.s. in Rotterdam.",
            "Ook in Den Haag leggen ze het werk neer.",
        ],
    ),
    (
        "De staking begint maandag a.s. Bonden verwachten veel deelnemers.",
        ["De staking begint maandag a.s.", "Bonden verwachten veel deelnemers."],
    ),
    (
        "Hij vertrok op 1 mei jl. Sindsdien is hij spoorloos.",
        ["Hij vertrok op 1 mei jl.", "Sindsdien is hij spoorloos."],
    ),
    (
        "De winkel verkocht fietsen, scooters, enz. Vooral de e-bikes liepen goed.",
        ["De winkel verkocht fietsen, scooters, enz.", "Vooral de e-bikes liepen goed."],
    ),
    (
        "Ze verkopen boeken, tijdschriften, etc. en doen dat al dertig jaar.",
        ["Ze verkopen boeken, tijdschriften, etc. en doen dat al dertig jaar."],
    ),
    (
        "Het gaat om tafels, stoelen e.d. De zaak sluit eind maart.",
        ["Het gaat om tafels, stoelen e.d.", "De zaak sluit eind maart."],
    ),
    (
        "Het kabinet trekt 3,5 mln. euro uit, max. 2 mld. in totaal. Dat is min. 10 procent meer.",
        [
            "Het kabinet trekt 3,5 mln. euro uit, max. 2 mld. in totaal.",
            "Dat is min. 10 procent meer.",
        ],
    ),
    (
        "De vergadering was op 3 jan. De notulen volgen op 14 feb. 2026.",
        ["De vergadering was op 3 jan.", "De notulen volgen op 14 feb. 2026."],
    ),
    (
        "Onzin, roepen de VS. De operatie is een Russische campagne.",
        ["Onzin, roepen de VS.", "De operatie is een Russische campagne."],
    ),
    # Abbreviated prepositions are followed by the rest of the sentence, names included.
    (
        "De daders werden d.m.v. Camerabeelden opgespoord. Het ongeluk gebeurde t.h.v. Utrecht.",
        [
            "De daders werden d.m.v. Camerabeelden opgespoord.",
            "Het ongeluk gebeurde t.h.v. Utrecht.",
        ],
    ),
    (
        "Hij zocht m.b.v. Google, i.o.v. Rijkswaterstaat en t.g.v. Koningsdag. Het lukte.",
        ["Hij zocht m.b.v. Google, i.o.v. Rijkswaterstaat en t.g.v. Koningsdag.", "Het lukte."],
    ),
    # Titles before a name.
    (
        "Burg. Halsema opende de markt. Gen. Mulder en kapt. De Boer waren er ook.",
        ["Burg. Halsema opende de markt.", "Gen. Mulder en kapt. De Boer waren er ook."],
    ),
]

INITIALS = [
    (
        "Oud-premier J.P. Balkenende opende het congres. Hij sprak een kwartier.",
        ["Oud-premier J.P. Balkenende opende het congres.", "Hij sprak een kwartier."],
    ),
    (
        "Het kabinet werd geleid door W. Kok. Hij was eerder minister van Financiën.",
        ["Het kabinet werd geleid door W. Kok.", "Hij was eerder minister van Financiën."],
    ),
    (
        "Het boek van Annie M.G. Schmidt ligt er nog. Volgens H. de Jong is dat terecht.",
        ["Het boek van Annie M.G. Schmidt ligt er nog.", "Volgens H. de Jong is dat terecht."],
    ),
    (
        "Hij verhuisde in 1990 naar de V.S. Daar werd hij hoogleraar.",
        ["Hij verhuisde in 1990 naar de V.S.", "Daar werd hij hoogleraar."],
    ),
]

NUMBERS_AND_DATES = [
    (
        "De schade bedraagt 3,5 miljoen euro. Verzekeraars betalen 1.000 euro per huishouden.",
        ["De schade bedraagt 3,5 miljoen euro.", "Verzekeraars betalen 1.000 euro per huishouden."],
    ),
    (
        "Sinds 2 september loopt het proces. Het vonnis volgt op 21 nov. 2025 om 10.30 uur.",
        ["Sinds 2 september loopt het proces.", "Het vonnis volgt op 21 nov. 2025 om 10.30 uur."],
    ),
    (
        "De temperatuur steeg tot 35,6 graden. 12 mensen raakten onwel.",
        ["De temperatuur steeg tot 35,6 graden.", "12 mensen raakten onwel."],
    ),
    (
        "Feyenoord won met 2 - 1. In de tweede helft gebeurde weinig.",
        ["Feyenoord won met 2 - 1.", "In de tweede helft gebeurde weinig."],
    ),
    (
        "Ze won goud op de 500 m. De Canadese werd tweede.",
        ["Ze won goud op de 500 m.", "De Canadese werd tweede."],
    ),
]

NUMBERED_ITEMS = [
    ("1. Waarom bedreigt Amerika Venezuela?", ["1. Waarom bedreigt Amerika Venezuela?"]),
    (
        "2. Wat doet Rusland? Het land houdt zich op de vlakte.",
        ["2. Wat doet Rusland?", "Het land houdt zich op de vlakte."],
    ),
    (
        "Twee vragen blijven: 1. Wie betaalt? 2. Wanneer begint de bouw?",
        ["Twee vragen blijven: 1. Wie betaalt?", "2. Wanneer begint de bouw?"],
    ),
]

ELLIPSES = [
    (
        "Hij twijfelde… Toen besloot hij toch te gaan.",
        ["Hij twijfelde…", "Toen besloot hij toch te gaan."],
    ),
    (
        "Het was... nou ja, een tegenvaller. En toen... Niets.",
        ["Het was... nou ja, een tegenvaller.", "En toen...", "Niets."],
    ),
    (
        "De verdachte verklaarde (...) dat hij onschuldig was.",
        ["De verdachte verklaarde (...) dat hij onschuldig was."],
    ),
]

URLS_AND_EMAIL = [
    (
        "Meer informatie staat op www.nos.nl. Daar is ook een livestream.",
        ["Meer informatie staat op www.nos.nl.", "Daar is ook een livestream."],
    ),
    (
        "Het rapport staat op https://example.nl/a.b en is gratis te downloaden.",
        ["Het rapport staat op https://example.nl/a.b en is gratis te downloaden."],
    ),
    (
        "Mail uw vragen naar redactie@krant.nl. De redactie reageert binnen een week.",
        ["Mail uw vragen naar redactie@krant.nl.", "De redactie reageert binnen een week."],
    ),
]

HEADINGS_AND_OTHERS = [
    ("Rusland stuurt militairen naar Venezuela", ["Rusland stuurt militairen naar Venezuela"]),
    ("  17 miljard  ", ["17 miljard"]),
    (
        "Overdag was het rustig. 's Avonds braken er rellen uit. ’s Nachts ook.",
        ["Overdag was het rustig.", "'s Avonds braken er rellen uit.", "’s Nachts ook."],
    ),
    (
        "Apple toonde de nieuwe telefoon. iPhone-fans stonden al uren in de rij.",
        ["Apple toonde de nieuwe telefoon.", "iPhone-fans stonden al uren in de rij."],
    ),
    (
        "De wedstrijd eindigde in 1 - 1 (rust 0 - 0). De return is volgende week.",
        ["De wedstrijd eindigde in 1 - 1 (rust 0 - 0).", "De return is volgende week."],
    ),
    (
        "Het eerste deel.\nHet tweede deel staat op een nieuwe regel.",
        ["Het eerste deel.", "Het tweede deel staat op een nieuwe regel."],
    ),
]

CASES = (
    QUOTES
    + QUESTIONS_AND_EXCLAMATIONS
    + ABBREVIATIONS
    + INITIALS
    + NUMBERS_AND_DATES
    + NUMBERED_ITEMS
    + ELLIPSES
    + URLS_AND_EMAIL
    + HEADINGS_AND_OTHERS
)


def load_benchmark():
    """Import benchmarks/segmentation.py, which is a script and not a package."""
    spec = importlib.util.spec_from_file_location("segmentation_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_paragraphs() -> list[str]:
    """Return every paragraph of the sample articles."""
    if not SEEDS.is_dir():
        return []
    return [
        paragraph
        for path in sorted(SEEDS.glob("*.txt"))
        for paragraph in re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
        if paragraph.strip()
    ]


def non_space(text: str) -> str:
    """Drop all whitespace."""
    return "".join(text.split())


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n"])
def test_blank_input_gives_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_seed_paragraphs_lose_no_characters() -> None:
    paragraphs = seed_paragraphs()
    if not paragraphs:
        pytest.skip(f"no sample articles in {SEEDS}")
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        assert non_space("".join(sentences)) == non_space(paragraph)
        assert all(s and s == s.strip() for s in sentences)


def test_dev_paragraphs_lose_no_characters() -> None:
    for gold in load_benchmark().load_paragraphs():
        paragraph = " ".join(gold)
        sentences = split_sentences(paragraph)
        assert non_space("".join(sentences)) == non_space(paragraph)
        assert all(s and s == s.strip() for s in sentences)


def test_dev_set_boundary_f1_is_at_least_099() -> None:
    benchmark = load_benchmark()
    paragraphs = benchmark.load_paragraphs()
    result = benchmark.score((gold, split_sentences(" ".join(gold))) for gold in paragraphs)
    assert result["f1"] >= 0.99, result


def held_out_sets() -> list:
    """Return the paths of the held-out gold sets present under benchmarks/data/."""
    return [path for role, path in load_benchmark().data_sets() if role == "held-out"]


def test_held_out_set_boundary_f1_is_at_least_099() -> None:
    benchmark = load_benchmark()
    paths = held_out_sets()
    if not paths:
        pytest.skip("no held-out gold data in benchmarks/data/")
    for path in paths:
        paragraphs = benchmark.load_paragraphs(path)
        result = benchmark.score((gold, split_sentences(" ".join(gold))) for gold in paragraphs)
        assert result["f1"] >= 0.99, (path.name, result)


def test_held_out_paragraphs_lose_no_characters() -> None:
    for path in held_out_sets():
        for gold in load_benchmark().load_paragraphs(path):
            paragraph = " ".join(gold)
            assert non_space("".join(split_sentences(paragraph))) == non_space(paragraph)


def test_sent_ids_of_split_sentences_keep_their_paragraph(tmp_path: Path) -> None:
    conllu = tmp_path / "split.conllu"
    conllu.write_text(
        "# sent_id = D\\D.p.4.s.3.1\n# text = Een.\n\n"
        "# sent_id = D\\D.p.4.s.3.2\n# text = Twee.\n\n"
        "# sent_id = D\\D.p.5.s.1\n# text = Drie.\n",
        encoding="utf-8",
    )
    assert load_benchmark().load_paragraphs(conllu) == [["Een.", "Twee."], ["Drie."]]


def test_dev_set_is_listed_first_and_held_out_sets_after() -> None:
    benchmark = load_benchmark()
    sets = benchmark.data_sets()
    assert sets[0] == ("dev, the tuning set", benchmark.DEV_SET)
    assert all(role == "held-out" and path != benchmark.DEV_SET for role, path in sets[1:])


def test_missing_peers_are_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pysbd", None)  # None makes the import raise ImportError
    monkeypatch.setitem(sys.modules, "spacy", None)
    splitters = load_benchmark().make_splitters()
    assert splitters["pysbd"] == splitters["spaCy sentencizer"] == "not installed"
    assert splitters["tolk"] is split_sentences


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        (["Een twee.", "Drie."], {8}),
        (["A b.", "C.", "D e f."], {3, 5}),
        (["Alleen."], set()),
    ],
)
def test_boundaries_count_non_space_characters(sentences: list[str], expected: set[int]) -> None:
    assert load_benchmark().boundaries(sentences) == expected

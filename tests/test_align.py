"""Word alignment from the alignment head, and the glossary putting terms in its place."""

from __future__ import annotations

from tolk.checks.glossary import parse_glossary
from tolk.translate.align import Link, links, piece_spans


def test_pieces_map_to_the_characters_they_spell():
    text = "De Tweede Kamer, vandaag."
    pieces = ["▁De", "▁Tweede", "▁Ka", "mer", ",", "▁vandaag", ".", "</s>"]
    spans = piece_spans(pieces, text)
    assert [text[s[0] : s[1]] if s else None for s in spans] == [
        "De", "Tweede", "Ka", "mer", ",", "vandaag", ".", None,
    ]  # fmt: skip
    # An unknown piece spans what its neighbours leave: "ğ" where the vocabulary lacks it.
    text = "Recep Erdoğan sprak."
    pieces = ["▁Recep", "▁Erdo", "<unk>", "an", "▁sprak", ".", "</s>"]
    spans = piece_spans(pieces, text)
    assert [text[s[0] : s[1]] if s else None for s in spans] == [
        "Recep", "Erdo", "ğ", "an", "sprak", ".", None,
    ]  # fmt: skip
    # Pieces that do not spell the text (a normalised character, a word left out) give none.
    assert piece_spans(["▁De", "▁Tweede"], "De Twede") is None
    assert piece_spans(["▁De"], "De Tweede") is None


def _one_hot(size: int, at: list[int]) -> list[list[float]]:
    return [[1.0 if j == i else 0.0 for j in range(size)] for i in at]


def test_each_output_piece_is_linked_to_the_source_piece_it_attends_to_most():
    source = ["▁Toen", "▁sprak", "▁Rut", "te", ".", "</s>"]
    target = ["▁Then", "▁Rit", "ter", "▁spoke", ".", "</s>"]
    nl, en = "Toen sprak Rutte.", "Then Ritter spoke."
    found = links(source, nl, target, en, _one_hot(len(source), [0, 2, 3, 1, 4, 5]))
    assert [(en[a:b], nl[c:d]) for a, b, c, d in found] == [
        ("Then", "Toen"), ("Rit", "Rut"), ("ter", "te"), ("spoke", "sprak"), (".", "."),
    ]  # fmt: skip
    # An attention that does not fit the pieces gives no links at all.
    assert links(source, nl, target, en, _one_hot(len(source), [0, 1])) == ()


def _links(nl: str, en: str, pairs: list[tuple[str, str]]) -> tuple[Link, ...]:
    """Link each English word to a Dutch word (each written once in its sentence)."""
    out = []
    for english, dutch in pairs:
        a, c = en.index(english), nl.index(dutch)
        out.append(Link(a, a + len(english), c, c + len(dutch)))
    return tuple(out)


GLOSSARY = parse_glossary("Rutte,=\nTweede Kamer,House of Representatives\nKamer,Chamber\n")


def test_aligned_words_take_the_required_rendering():
    nl = "De Tweede Kamer zweeg toen Rutte sprak."
    en = "The Second Chamber was silent when Ritter spoke."
    pairs = [("The", "De"), ("Second", "Tweede"), ("Chamber", "Kamer"), ("silent", "zweeg")]
    pairs += [("when", "toen"), ("Ritter", "Rutte"), ("spoke", "sprak")]
    assert GLOSSARY.substitute(nl, en, _links(nl, en, pairs)) == (
        "The House of Representatives was silent when Rutte spoke."
    )
    # An English possessive ending stays.
    nl, en = "Ruttes plan viel.", "Ritter's plan fell."
    linked = _links(nl, en, [("Ritter's", "Ruttes"), ("plan", "plan"), ("fell", "viel")])
    assert GLOSSARY.substitute(nl, en, linked) == "Rutte's plan fell."


def test_an_alignment_that_does_not_show_the_place_changes_nothing():
    # The words aligned to the term are not next to each other: something else lies between.
    nl = "De Tweede Kamer zweeg."
    en = "The Second silent Chamber."
    pairs = [("Second", "Tweede"), ("silent", "zweeg"), ("Chamber", "Kamer")]
    assert GLOSSARY.substitute(nl, en, _links(nl, en, pairs)) == en
    # The term twice in the Dutch: which English is which is a guess (no near form either).
    nl = "Kamer na Kamer zweeg."
    en = "Room after hall fell silent."
    linked = (Link(0, 4, 0, 5), Link(11, 15, 9, 14))
    assert GLOSSARY.substitute(nl, en, linked) == en
    # Nothing aligned to the term: a kept term still has its near form put right.
    nl, en = "Toen sprak Rutte.", "Then spoke Rute."
    assert GLOSSARY.substitute(nl, en, _links(nl, en, [("Then", "Toen")])) == "Then spoke Rutte."
    # Aligned over more words than a rendering takes: not trusted.
    nl, en = "Rutte sprak.", "The man who leads us spoke."
    pairs = [(w, "Rutte") for w in ("The", "man", "who", "leads", "us")] + [("spoke", "sprak")]
    assert GLOSSARY.substitute(nl, en, _links(nl, en, pairs)) == en

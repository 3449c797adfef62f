"""Composing the stages: failures stay with their article; titles and credits."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tolk.compose import credit_in_english, digest_batch, make_signature
from tolk.intake.text import parse
from tolk.models.store import ModelInfo
from tolk.records import Article, SentencePair
from tolk.settings import Settings
from tolk.translate import TranslatorSpec
from tolk.translate.base import Translator
from tolk.translate.repair import Decoded


class BreaksOnWord(Translator):
    """A backend for unit tests: upper-cases, and fails any batch holding `word`."""

    backend, compute_type, device, max_input_tokens = "test", "none", "cpu", 100

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        if any(self.word in t for t in texts):
            raise RuntimeError(f"cannot decode {self.word}")
        return [Decoded(t.upper()) for t in texts]


def article(article_id: str, text: str) -> Article:
    _, paragraphs = parse(text)
    return Article(article_id, f"in/{article_id}.txt", "0" * 64, None, tuple(paragraphs))


# A model described, not loaded: its own config asks for 6 beams, like opus-mt-nl-en's.
INFO = ModelInfo(
    path=None,
    model_id="m",
    revision="r",
    backend="torch",
    default_beams=6,
    max_input_tokens=100,
)
SPEC = TranslatorSpec(device="cpu")
SIGNATURE = make_signature(INFO, SPEC, Settings())


def test_a_failing_article_does_not_cost_the_others():
    articles = [
        article("a", "Goede zin een."),
        article("b", "Hier staat KAPOT in."),
        article("c", "Nog een goede."),
    ]
    digests, failures = digest_batch(articles, BreaksOnWord("KAPOT"), SIGNATURE)
    assert [d.article.id for d in digests] == ["a", "c"]
    assert [(f.article_id, f.source_path) for f in failures] == [("b", "in/b.txt")]
    assert "RuntimeError: cannot decode KAPOT" in failures[0].reason
    assert digests[0].pairs[0].en == "GOEDE ZIN EEN."


def test_titles_come_from_an_opening_heading_else_the_lead():
    digests, _ = digest_batch(
        [
            article("h", "Kremlin\n\nDe eerste zin. De tweede zin."),
            article("l", "Een foto. Beeld AFP\n\nDe eerste zin. De tweede zin."),
        ],
        BreaksOnWord("nooit"),
        SIGNATURE,
    )
    assert [(d.title_nl, d.title_en) for d in digests] == [
        ("Kremlin", "KREMLIN"),
        ("De eerste zin.", "DE EERSTE ZIN."),
    ]


@pytest.mark.parametrize(
    ("kind", "sentence", "english"),
    [
        ("caption", "Beeld REUTERS", "Photo: REUTERS"),
        ("caption", "Foto: ANP / Remko de Waal", "Photo: ANP / Remko de Waal"),
        ("caption", "© AFP", "© AFP"),
        ("caption", "Beeld en geluid zijn belangrijk.", None),
        # Only in captions: a heading or a body line that looks like a credit is translated.
        ("heading", "Foto van de dag", None),
        ("heading", "Beeld REUTERS", None),
        ("body", "Foto: ANP", None),
    ],
)
def test_photo_credits_are_rendered_by_rule_in_captions_only(kind, sentence, english):
    assert credit_in_english(SentencePair("a", 0, 0, kind, sentence, "")) == english


def test_a_heading_that_starts_like_a_credit_is_translated():
    digests, _ = digest_batch(
        [article("f", "Foto van de dag\n\nDe eerste zin. De tweede zin.")],
        BreaksOnWord("nooit"),
        SIGNATURE,
    )
    assert digests[0].pairs[0].en == "FOTO VAN DE DAG"


def test_default_beams_are_four_and_zero_takes_the_model_s_own():
    assert SIGNATURE.beams == 4
    assert make_signature(INFO, SPEC, Settings(beams=0)).beams == 6

"""Tell which language an article is in: an article in, the article or a `NotDutch` out.

py3langid does the detecting: it works offline, its model ships inside the package (a few MB,
numpy only), it is maintained (by trafilatura's author, whose extractor tolk already uses), and
it gives a probability, so tolk can leave text it is unsure of alone. It tells Frisian from
Dutch, which a Dutch outlet's feed may carry.

Only a confident verdict on enough words leaves an article out: a short text, or one tolk is
unsure of, is translated as Dutch. Afrikaans counts as Dutch, since short Dutch news is now and
then taken for it. An English article is left out too, not passed through: every stored row
says which model made its English, and the bilingual pages and checks assume a translation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tolk.errors import NotDutch
from tolk.records import Article

MIN_WORDS = 20  # below this, no verdict
CONFIDENCE = 0.9  # the probability a verdict needs to leave an article out
SAMPLE_CHARS = 3000  # the start of an article is enough to tell its language
AS_DUTCH = frozenset({"nl", "af"})
NAMES = {
    "en": "English",
    "fy": "Frisian",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "tr": "Turkish",
    "ar": "Arabic",
    "pl": "Polish",
    "lb": "Luxembourgish",
    "da": "Danish",
    "sv": "Swedish",
}


@dataclass(frozen=True)
class Detected:
    """A language code (ISO 639-1) and how sure the detector is of it."""

    language: str
    probability: float


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> Detected:
    """Detect the language of a text."""
    language, probability = _identifier().classify(text[:SAMPLE_CHARS])
    return Detected(str(language), float(probability))


def check_dutch(article: Article) -> Article:
    """Give the article back if it may be Dutch; raise `NotDutch`, naming its language, if not."""
    text = " ".join(p.text for p in article.paragraphs)
    if len(text.split()) < MIN_WORDS:
        return article
    found = detect(text)
    if found.language in AS_DUTCH or found.probability < CONFIDENCE:
        return article
    name = NAMES.get(found.language, f"language {found.language!r}")
    advice = (
        "it needs no translation: read it at its source"
        if found.language == "en"
        else "tolk translates Dutch only: leave it out, or translate it with another tool"
    )
    raise NotDutch(
        f"{article.source_path}: the text is in {name}, not Dutch (py3langid, "
        f"{found.probability:.0%} sure); {advice}"
    )

"""Compose the stages for a batch of articles: articles in, digests out.

Translation is batched across all the articles given, sorted by length, so a batch of short
articles costs no more padding than one long one. A failure that belongs to one article is
caught per article: the others' digests still come out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tolk import __version__
from tolk.errors import TolkError
from tolk.models import DEFAULT_BEAMS, ModelInfo
from tolk.records import Article, Digest, SentencePair, Signature
from tolk.segment import split_sentences
from tolk.summarize import KeyPointSettings, summarize
from tolk.translate.base import Translator

# A photo credit is a name, not a sentence: "Beeld REUTERS" -> "Photo: REUTERS".
_CREDIT_SENTENCE = re.compile(
    r"^(?:(?:Beeld|Foto)\s*:?\s+(?P<name>[^.!?]{1,60})|(?P<c>©\s*.{1,60}))$"
)


@dataclass(frozen=True)
class Failure:
    """An article that could not be processed, and why."""

    article_id: str
    source_path: str
    reason: str


@dataclass(frozen=True)
class Options:
    """The settings of a run that change its output."""

    beams: int = DEFAULT_BEAMS  # 0: the model's own generation config decides
    key_points: KeyPointSettings = KeyPointSettings()


def make_signature(info: ModelInfo, options: Options) -> Signature:
    """Describe what produces a run's output, before any model is loaded."""
    return Signature(
        model_id=info.model_id,
        model_revision=info.revision,
        backend="ct2" if info.format == "ctranslate2" else "torch",
        compute_type=info.compute_type,
        beams=options.beams or info.default_beams,
        max_input_tokens=info.max_input_tokens,
        key_points=(options.key_points.minimum, options.key_points.maximum),
        tolk_version=__version__,
    )


def cache_key(article: Article, signature: Signature) -> str:
    """Key an article's output by its content and everything that shapes the translation."""
    payload = json.dumps(
        {"sha256": article.sha256, "id": article.id, **signature.settings()}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def segment(article: Article) -> list[SentencePair]:
    """Split an article's paragraphs into sentences (English still empty)."""
    pairs = []
    for paragraph in article.paragraphs:
        for sentence in split_sentences(paragraph.text):
            pairs.append(
                SentencePair(article.id, paragraph.index, len(pairs), paragraph.kind, sentence, "")
            )
    return pairs


def credit_in_english(sentence: str) -> str | None:
    """Render a photo credit in English by rule, or None when the sentence is not one."""
    match = _CREDIT_SENTENCE.match(sentence)
    if not match:
        return None
    return match.group("c") or f"Photo: {match.group('name')}"


def title_pair(article: Article, pairs: Sequence[SentencePair]) -> SentencePair | None:
    """Pick the sentence that titles an article: its opening heading, else its lead sentence."""
    if pairs and pairs[0].paragraph_kind == "heading":
        return pairs[0]
    body = [p for p in pairs if p.paragraph_kind == "body"]
    return body[0] if body else (pairs[0] if pairs else None)


def build_digests(
    articles: Sequence[Article],
    translator: Translator,
    signature: Signature,
    options: Options = Options(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Digest], list[Failure]]:
    """Segment, translate and summarize articles; isolate each article's failures."""
    segmented: list[tuple[Article, list[SentencePair]]] = []
    failures: list[Failure] = []
    for article in articles:
        try:
            segmented.append((article, segment(article)))
        except TolkError as error:
            failures.append(Failure(article.id, article.source_path, str(error)))

    queue: list[str] = []
    for _, pairs in segmented:
        queue.extend(p.nl for p in pairs if credit_in_english(p.nl) is None)
    translations = iter(translator.translate(queue, signature.beams, progress) if queue else [])

    digests = []
    for article, pairs in segmented:
        warnings = list(article.warnings)
        done = []
        for pair in pairs:
            english = credit_in_english(pair.nl)
            if english is None:
                translation = next(translations)
                english = translation.text
                if translation.warning:
                    warnings.append(f"sentence {pair.sentence_index}: {translation.warning}")
            done.append(SentencePair(**{**pair.__dict__, "en": english}))
        key_points, summary_en = summarize(done, options.key_points)
        title = title_pair(article, done)
        digests.append(
            Digest(
                article=article,
                pairs=tuple(done),
                key_points=key_points,
                summary_en=summary_en,
                title_nl=title.nl if title else article.id,
                title_en=title.en if title else article.id,
                signature=signature,
                cache_key=cache_key(article, signature),
                warnings=tuple(warnings),
                title_index=title.sentence_index if title else None,
            )
        )
    return digests, failures


def digest_batch(
    articles: Sequence[Article],
    translator: Translator,
    signature: Signature,
    options: Options = Options(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Digest], list[Failure]]:
    """Build digests for a batch; if the batch fails, retry article by article to isolate it."""
    try:
        return build_digests(articles, translator, signature, options, progress)
    except Exception as error:  # noqa: BLE001 - a model error must not cost the other articles
        if len(articles) == 1:
            article = articles[0]
            reason = f"translation failed: {type(error).__name__}: {error}"
            return [], [Failure(article.id, article.source_path, reason)]
    digests: list[Digest] = []
    failures: list[Failure] = []
    for article in articles:
        done, failed = digest_batch([article], translator, signature, options)
        digests += done
        failures += failed
    return digests, failures

"""Compose the stages for a batch of articles: articles in, digests out.

Translation is batched across all the articles given, sorted by length, so a batch of short
articles costs no more padding than one long one. A failure that belongs to one article is
caught per article: the others' digests still come out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tolk import __version__
from tolk.checks.flags import confidence_floor, flag_pair, ordered
from tolk.checks.glossary import Glossary, load_glossary
from tolk.errors import ModelLoadError, TolkError
from tolk.intake.text import CREDIT
from tolk.models.store import (
    ModelInfo,
    calibration_path,
    model_stores,
    read_calibration,
    shortlist_id,
)
from tolk.records import Article, Digest, Failure, SentencePair, Signature, as_stored
from tolk.segment import split_sentences
from tolk.settings import Settings
from tolk.summarize import KeyPointSettings, summarize
from tolk.translate import TranslatorSpec, load_translator, runtime
from tolk.translate.base import Progress, Translation, Translator

_log = logging.getLogger("tolk")


@dataclass(frozen=True)
class ChunkResult:
    """What translating a chunk of articles gave: digests, failures and the model work done."""

    digests: list[Digest]
    failures: list[Failure]
    decoded: int = 0  # sentences (or parts of long ones) the model decoded
    remembered: int = 0  # distinct sentences the translation memory gave, not decoded
    decode_calls: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def make_signature(info: ModelInfo, spec: TranslatorSpec, settings: Settings) -> Signature:
    """Describe what produces a run's output, before any model is loaded.

    The device and compute type are predicted by the backend; the loaded translator confirms
    them (`check_signature`), so a record never misstates what ran.
    """
    device, compute_type = runtime(info, spec)
    beams = settings.beams or info.default_beams
    store = Path(spec.models_dir) if spec.models_dir else None
    # The first calibration found: the store's, else one made beside the model (any folder).
    floors = (
        read_calibration(calibration_path(info, info.backend, compute_type, beams, s))
        for s in model_stores(info, store)
    )
    return Signature(
        model_id=info.model_id,
        model_revision=info.revision,
        backend=info.backend,
        compute_type=compute_type,
        beams=beams,
        max_input_tokens=info.max_input_tokens,
        key_points=settings.key_points,
        tolk_version=__version__,
        device=device,
        repair=settings.repair,
        confidence_floor=next((f for f in floors if f is not None), None),
        shortlist=shortlist_id(info),
        glossary=load_glossary(settings.glossary).entries if settings.glossary else (),
    )


def check_signature(translator: Translator, signature: Signature) -> None:
    """Fail when a loaded translator is not what the signature says will run."""
    ran = (translator.backend, translator.device, translator.compute_type)
    said = (signature.backend, signature.device, signature.compute_type)
    if ran != said:
        raise ModelLoadError(
            f"the run was planned for {'/'.join(said)} but the model loaded as {'/'.join(ran)}; "
            "this is a bug in tolk, please report it"
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


def credit_in_english(pair: SentencePair) -> str | None:
    """Render a caption's photo credit in English by rule, or None when the pair is not one."""
    if pair.paragraph_kind != "caption":
        return None  # "Foto van de dag" heading a body paragraph is words to translate
    match = CREDIT.fullmatch(pair.nl)
    if not match:
        return None
    return f"Photo: {match.group('name')}" if match.group("name") else pair.nl


def checked(
    pair: SentencePair, translation: Translation, glossary: Glossary | None = None
) -> SentencePair:
    """Give a pair its English and the flags the text checks, the decoder and the glossary
    raised (the translation carries the first two).

    The confidence is kept at the precision the table stores (float32), so that an article
    whose sentences come from the translation memory is flagged exactly as a decoded one.
    """
    flags = translation.flags
    if glossary and glossary.unmet(pair.nl, translation.text):
        flags += ("glossary",)
    return replace(
        pair,
        en=translation.text,
        flags=ordered(set(flags)),
        confidence=as_stored(translation.confidence),
        retried=translation.retried,
    )


def flag_low_confidence(
    pairs: Sequence[SentencePair], floor: float | None = None
) -> list[SentencePair]:
    """Flag the pairs whose confidence is under `floor` (by default, the article's own)."""
    if floor is None:
        floor = confidence_floor([p.confidence for p in pairs])
    if floor is None:
        return list(pairs)
    return [
        replace(p, flags=ordered({*p.flags, "low_confidence"}))
        if p.confidence is not None and p.confidence < floor
        else p
        for p in pairs
    ]


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
    progress: Progress | None = None,
    memory: Mapping[str, Translation] | None = None,
) -> tuple[list[Digest], list[Failure]]:
    """Segment, translate and summarize articles; isolate each article's failures.

    The sentences in `memory` (`OutputStore.memory`) are not decoded again.
    """
    segmented: list[tuple[Article, list[SentencePair]]] = []
    failures: list[Failure] = []
    for article in articles:
        try:
            segmented.append((article, segment(article)))
        except TolkError as error:
            failures.append(Failure(article.id, article.source_path, str(error)))

    queue: list[str] = []
    for _, pairs in segmented:
        queue.extend(p.nl for p in pairs if credit_in_english(p) is None)
    glossary = Glossary.of(signature.glossary)
    translations = iter(
        translator.translate(
            queue,
            signature.beams,
            progress,
            repair=signature.repair,
            glossary=glossary,
            judge=flag_pair,
            memory=memory,
        )
        if queue
        else []
    )

    digests = []
    for article, pairs in segmented:
        warnings = list(article.warnings)
        done = []
        for pair in pairs:
            english = credit_in_english(pair)
            if english is None:
                translation = next(translations)
                if translation.warning:
                    warnings.append(f"sentence {pair.sentence_index}: {translation.warning}")
            else:
                translation = Translation(english, flags=flag_pair(pair.nl, english))
            done.append(checked(pair, translation, glossary))
        done = flag_low_confidence(done, signature.confidence_floor)
        settings = KeyPointSettings(*signature.key_points)
        key_points, summary_en = summarize(done, settings)
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
                warnings=tuple(warnings),
                title_index=title.sentence_index if title else None,
            )
        )
    return digests, failures


def digest_batch(
    articles: Sequence[Article],
    translator: Translator,
    signature: Signature,
    progress: Progress | None = None,
    memory: Mapping[str, Translation] | None = None,
) -> tuple[list[Digest], list[Failure]]:
    """Build digests for a batch; if the batch fails, retry article by article to isolate it."""
    try:
        return build_digests(articles, translator, signature, progress, memory)
    except ModelLoadError:
        raise  # no article can be translated: the run stops with one clear message
    except Exception as error:  # noqa: BLE001 - a model error must not cost the other articles
        if len(articles) == 1:
            article = articles[0]
            reason = f"translation failed: {type(error).__name__}: {error}"
            return [], [Failure(article.id, article.source_path, reason)]
    digests: list[Digest] = []
    failures: list[Failure] = []
    for article in articles:
        done, failed = digest_batch([article], translator, signature, memory=memory)
        digests += done
        failures += failed
    return digests, failures


def progress_logger(
    log: logging.Logger | logging.LoggerAdapter, label: str, every: float = 5.0
) -> Progress:
    """Return a progress callback that logs sentences done, the rate and the time left.

    A line every `every` seconds and at the end of each pass; a repair pass (the total grows
    past the first pass's) says so, so a long repair is never a silence.
    """
    started = time.perf_counter()
    last = [0.0]
    first_total: list[int] = []

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if not first_total:
            first_total.append(total)
        if done == total or done == first_total[0] or now - last[0] > every:
            last[0] = now
            rate = done / max(now - started, 1e-9)
            left = (total - done) / rate if rate > 0 else 0.0
            repairing = total - first_total[0]
            phase = f", repair pass of {repairing}" if repairing and done > first_total[0] else ""
            eta = f", about {_duration(left)} left" if done < total else ""
            log.info(f"{label}: {done}/{total} sentences{phase} ({rate:.1f} sentences/s{eta})")

    return progress


def _duration(seconds: float) -> str:
    """Say a duration for people: "42 s", "3 min 5 s"."""
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def translate_chunk(
    articles: Sequence[Article],
    spec: TranslatorSpec,
    signature: Signature,
    label: str = "",
    memory: Mapping[str, Translation] | None = None,
    progress: Progress | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
) -> ChunkResult:
    """Segment, translate and summarize a chunk of articles with this process's model,
    decoding only the sentences `memory` lacks.

    `progress` hears the sentences done of the total (the repair pass included); without it,
    progress is logged to `log` (`progress_logger`).
    """
    started = time.perf_counter()
    translator = load_translator(spec)
    check_signature(translator, signature)
    before = dict(translator.stats)
    progress = progress or progress_logger(log or _log, label or "chunk")
    digests, failures = digest_batch(articles, translator, signature, progress, memory)
    return ChunkResult(
        digests,
        failures,
        decoded=translator.stats["decoded"] - before["decoded"],
        remembered=translator.stats["remembered"] - before["remembered"],
        decode_calls=translator.stats["batches"] - before["batches"],
        seconds=time.perf_counter() - started,
    )

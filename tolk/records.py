"""The records that flow between stages, and the Parquet schemas that store them, declared once.

files -> `Article` (read) -> sentences (segment) -> `SentencePair` (translate)
-> `KeyPoint` + summary (summarize) -> `Digest` -> rows (here) -> writers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

import pyarrow as pa

ParagraphKind = Literal["body", "heading", "caption", "crosslink"]
PARAGRAPH_KINDS: tuple[str, ...] = ("body", "heading", "caption", "crosslink")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article, typed by what it is on the page."""

    index: int
    kind: ParagraphKind
    text: str


@dataclass(frozen=True)
class Article:
    """One source file, read and split into typed paragraphs."""

    id: str
    source_path: str
    sha256: str
    date: str | None
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class SentencePair:
    """One Dutch sentence beside its English translation."""

    article_id: str
    paragraph_index: int
    sentence_index: int  # position in the whole article, 0-based
    paragraph_kind: ParagraphKind
    nl: str
    en: str


@dataclass(frozen=True)
class KeyPoint:
    """A central sentence of the article, as a bilingual pair."""

    position: int  # the sentence_index of the pair it comes from
    nl: str
    en: str


@dataclass(frozen=True)
class Signature:
    """Everything that decides the output text: a number always says what produced it."""

    model_id: str
    model_revision: str
    backend: str
    compute_type: str
    beams: int
    max_input_tokens: int
    key_points: tuple[int, int]
    tolk_version: str

    def settings(self) -> dict[str, object]:
        """Return the output-affecting settings as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"model:{self.model_id}@{self.model_revision[:12]}|backend:{self.backend}"
            f"|compute:{self.compute_type}|beams:{self.beams}"
            f"|keypoints:{self.key_points[0]}-{self.key_points[1]}|tolk:{self.tolk_version}"
        )


@dataclass(frozen=True)
class Digest:
    """An article with its translation, key points and summary: one row of articles.parquet."""

    article: Article
    pairs: tuple[SentencePair, ...]
    key_points: tuple[KeyPoint, ...]
    summary_en: str
    title_nl: str
    title_en: str
    signature: Signature
    cache_key: str
    warnings: tuple[str, ...] = ()
    translated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def paragraph_texts_en(self) -> list[str]:
        """Return the English text of each paragraph, in order."""
        by_par: dict[int, list[str]] = {p.index: [] for p in self.article.paragraphs}
        for pair in self.pairs:
            by_par[pair.paragraph_index].append(pair.en)
        return [" ".join(s for s in by_par[p.index] if s) for p in self.article.paragraphs]

    @property
    def text_en(self) -> str:
        return "\n\n".join(self.paragraph_texts_en())


KEY_POINT_TYPE = pa.struct([("position", pa.int32()), ("nl", pa.string()), ("en", pa.string())])
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

ARTICLES_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("date", pa.string()),
        pa.field("title_nl", pa.string(), nullable=False),
        pa.field("title_en", pa.string(), nullable=False),
        pa.field("text_nl", pa.string(), nullable=False),
        pa.field("text_en", pa.string(), nullable=False),
        pa.field("summary_en", pa.string(), nullable=False),
        pa.field("key_points", pa.list_(KEY_POINT_TYPE), nullable=False),
        pa.field("n_paragraphs", pa.int32(), nullable=False),
        pa.field("n_sentences", pa.int32(), nullable=False),
        pa.field("n_words_nl", pa.int32(), nullable=False),
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("model_revision", pa.string(), nullable=False),
        pa.field("backend", pa.string(), nullable=False),
        pa.field("compute_type", pa.string(), nullable=False),
        pa.field("beams", pa.int32(), nullable=False),
        pa.field("settings", pa.string(), nullable=False),  # JSON of the Signature
        pa.field("cache_key", pa.string(), nullable=False),
        pa.field("tolk_version", pa.string(), nullable=False),
        pa.field("translated_at", UTC_TIMESTAMP, nullable=False),
        pa.field("written_at", UTC_TIMESTAMP, nullable=False),
        pa.field("warnings", pa.list_(pa.string()), nullable=False),
    ]
)

SENTENCES_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("paragraph_index", pa.int32(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("paragraph_kind", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("nl", pa.string(), nullable=False),
        pa.field("en", pa.string(), nullable=False),
    ]
)


def article_row(digest: Digest, written_at: datetime) -> dict[str, object]:
    """Turn a digest into one row of articles.parquet."""
    article, sig = digest.article, digest.signature
    return {
        "id": article.id,
        "source_path": article.source_path,
        "sha256": article.sha256,
        "date": article.date,
        "title_nl": digest.title_nl,
        "title_en": digest.title_en,
        "text_nl": article.text,
        "text_en": digest.text_en,
        "summary_en": digest.summary_en,
        "key_points": [asdict(k) for k in digest.key_points],
        "n_paragraphs": len(article.paragraphs),
        "n_sentences": len(digest.pairs),
        "n_words_nl": sum(len(p.nl.split()) for p in digest.pairs),
        "model_id": sig.model_id,
        "model_revision": sig.model_revision,
        "backend": sig.backend,
        "compute_type": sig.compute_type,
        "beams": sig.beams,
        "settings": json.dumps(sig.settings(), sort_keys=True),
        "cache_key": digest.cache_key,
        "tolk_version": sig.tolk_version,
        "translated_at": digest.translated_at,
        "written_at": written_at,
        "warnings": list(digest.warnings),
    }


def sentence_rows(digest: Digest) -> list[dict[str, object]]:
    """Turn a digest into its rows of sentences.parquet."""
    return [asdict(p) for p in digest.pairs]


def digest_from_rows(row: dict, sentences: list[dict]) -> Digest:
    """Rebuild a digest from its stored rows, so unchanged articles need no model work."""
    settings = json.loads(row["settings"])
    settings["key_points"] = tuple(settings["key_points"])
    texts = row["text_nl"].split("\n\n")
    kinds = {s["paragraph_index"]: s["paragraph_kind"] for s in sentences}
    paragraphs = tuple(
        Paragraph(index=i, kind=kinds.get(i, "body"), text=t) for i, t in enumerate(texts)
    )
    article = Article(
        id=row["id"],
        source_path=row["source_path"],
        sha256=row["sha256"],
        date=row["date"],
        paragraphs=paragraphs,
    )
    pairs = tuple(
        SentencePair(
            article_id=s["article_id"],
            paragraph_index=s["paragraph_index"],
            sentence_index=s["sentence_index"],
            paragraph_kind=s["paragraph_kind"],
            nl=s["nl"],
            en=s["en"],
        )
        for s in sorted(sentences, key=lambda s: s["sentence_index"])
    )
    return Digest(
        article=article,
        pairs=pairs,
        key_points=tuple(KeyPoint(**k) for k in row["key_points"]),
        summary_en=row["summary_en"],
        title_nl=row["title_nl"],
        title_en=row["title_en"],
        signature=Signature(**settings),
        cache_key=row["cache_key"],
        warnings=tuple(row["warnings"]),
        translated_at=row["translated_at"],
    )

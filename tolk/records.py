"""The records that flow between stages, and the Parquet schemas that store them, declared once.

files -> `Article` (read) -> sentences (segment) -> `SentencePair` (translate)
-> `KeyPoint` + summary (summarize) -> `Digest` -> rows (here) -> writers.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Literal

import pyarrow as pa

from tolk.settings import DEFAULTS

ParagraphKind = Literal["body", "heading", "caption", "crosslink"]
PARAGRAPH_KINDS: tuple[str, ...] = ("body", "heading", "caption", "crosslink")
SourceKind = Literal["file", "table", "web"]
# The version of the tables' layout. 1: tolk 0.1.0 (no version stored). 2: flags, confidence,
# retries, URLs and the device. A reader fills the columns an older version lacks with nulls.
SCHEMA_VERSION = 2


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
    url: str | None = None  # the page's address, for articles taken from the web
    source_kind: SourceKind = "file"

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Failure:
    """An article that could not be read or translated, and why (naming the file or URL)."""

    article_id: str
    source_path: str
    reason: str
    left_out: bool = False  # True: not translated on purpose (a wall, not Dutch, a refused URL)


@dataclass(frozen=True)
class SentencePair:
    """One Dutch sentence beside its English translation."""

    article_id: str
    paragraph_index: int
    sentence_index: int  # position in the whole article, 0-based
    paragraph_kind: ParagraphKind
    nl: str
    en: str
    flags: tuple[str, ...] = ()  # reasons to doubt the English (see tolk.checks.flags)
    confidence: float | None = None  # mean log-probability per output token; None: not decoded
    retried: bool = False  # decoded a second time to repair a loop, a cut or an empty output

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class KeyPoint:
    """A central sentence of the article, as a bilingual pair."""

    position: int  # the sentence_index of the pair it comes from
    nl: str
    en: str
    flags: tuple[str, ...] = ()  # the flags of that pair's English


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
    device: str = "cpu"
    repair: bool = DEFAULTS.repair  # flagged loops, cuts and empty outputs are decoded once more
    # Confidence under which a sentence is flagged, from `tolk eval --calibrate`; None: each
    # article's own sentences set it.
    confidence_floor: float | None = None
    shortlist: str = ""  # the ct2 vocabulary shortlist in use ("vmap:<hash>"), if any
    # The glossary's (Dutch, English) terms, "=" resolved; they steer and flag the English.
    glossary: tuple[tuple[str, str], ...] = ()

    def settings(self) -> dict[str, object]:
        """Return the output-affecting settings as a plain dict."""
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: dict) -> Signature:
        """Rebuild a signature from a stored row's settings, also one an older tolk wrote."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in settings.items() if k in known}
        values["key_points"] = tuple(values.get("key_points") or (0, 0))
        values["glossary"] = tuple(tuple(term) for term in values.get("glossary") or ())
        return cls(**values)

    def __str__(self) -> str:
        return (
            f"model:{self.model_id}@{self.model_revision[:12]}|backend:{self.backend}"
            f"|compute:{self.compute_type}|device:{self.device}|beams:{self.beams}"
            f"|keypoints:{self.key_points[0]}-{self.key_points[1]}"
            f"|repair:{'yes' if self.repair else 'no'}"
            + (f"|glossary:{len(self.glossary)} terms" if self.glossary else "")
            + f"|tolk:{self.tolk_version}"
        )


# Why an article has no summary: every sentence that could give it is flagged, or none can.
WITHHELD_FLAGGED = "flagged"
WITHHELD_SHORT = "short"


def withheld_reason(summary_en: str, key_points: int) -> str | None:
    """Say why an article has no summary, or None when it has one.

    The summary is built from the key points' unflagged sentences only, so an article with key
    points but no summary had all of them flagged; one without key points had no sentence long
    enough to be one.
    """
    if summary_en:
        return None
    return WITHHELD_FLAGGED if key_points else WITHHELD_SHORT


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
    warnings: tuple[str, ...] = ()
    translated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    title_index: int | None = None  # the sentence that titles the article, if one does
    flags_checked: bool = True  # False for rows an older tolk wrote: their flags are unknown
    # What the store keyed the article's output by (its plan's key); "" until it is staged.
    cache_key: str = ""

    def paragraph_texts_en(self) -> list[str]:
        """Return the English text of each paragraph, in order."""
        by_par: dict[int, list[str]] = {p.index: [] for p in self.article.paragraphs}
        for pair in self.pairs:
            by_par[pair.paragraph_index].append(pair.en)
        return [" ".join(s for s in by_par[p.index] if s) for p in self.article.paragraphs]

    @property
    def text_en(self) -> str:
        return "\n\n".join(self.paragraph_texts_en())

    @property
    def summary_withheld(self) -> str | None:
        """Say why there is no summary (`withheld_reason`); stored with the row for the indexes."""
        return withheld_reason(self.summary_en, len(self.key_points))

    @property
    def n_flagged(self) -> int:
        return sum(1 for p in self.pairs if p.flags)

    @property
    def title_flags(self) -> tuple[str, ...]:
        if self.title_index is None or self.title_index >= len(self.pairs):
            return ()
        return self.pairs[self.title_index].flags


# A confidence is kept to 4 decimals: its last float digits depend on the batch a sentence
# was decoded in (padding changes the order of the sums: 1.5696813 or 1.5696816 for one
# sentence), and a sentence the translation memory gives back must be flagged as a decoded one.
CONFIDENCE_DECIMALS = 4


def as_stored(confidence: float | None) -> float | None:
    """Round a confidence as the sentences table keeps it (4 decimals, in a float32), so it is
    the same number fresh from any batch of the model and read back from the table."""
    if confidence is None:
        return None
    return struct.unpack("f", struct.pack("f", round(confidence, CONFIDENCE_DECIMALS)))[0]


KEY_POINT_TYPE = pa.struct([("position", pa.int32()), ("nl", pa.string()), ("en", pa.string())])
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
FLAGS_TYPE = pa.list_(pa.string())

# Columns added after schema 1 are nullable: an upgraded older row has no value for them.
ARTICLES_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("source_kind", pa.string()),
        pa.field("url", pa.string()),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("date", pa.string()),
        pa.field("title_nl", pa.string(), nullable=False),
        pa.field("title_en", pa.string(), nullable=False),
        pa.field("title_index", pa.int32()),
        pa.field("title_flags", FLAGS_TYPE),
        pa.field("text_nl", pa.string(), nullable=False),
        pa.field("text_en", pa.string(), nullable=False),
        pa.field("summary_en", pa.string(), nullable=False),
        pa.field("summary_withheld", pa.string()),  # withheld_reason; null when there is one
        pa.field("key_points", pa.list_(KEY_POINT_TYPE), nullable=False),
        pa.field("n_paragraphs", pa.int32(), nullable=False),
        pa.field("n_sentences", pa.int32(), nullable=False),
        pa.field("n_flagged", pa.int32()),
        pa.field("n_words_nl", pa.int32(), nullable=False),
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("model_revision", pa.string(), nullable=False),
        pa.field("backend", pa.string(), nullable=False),
        pa.field("compute_type", pa.string(), nullable=False),
        pa.field("device", pa.string()),
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
        pa.field("flags", FLAGS_TYPE),
        pa.field("confidence", pa.float32()),
        pa.field("retried", pa.bool_()),
    ]
)

"""Rows: the records turned into rows of the two tables, and rebuilt from them.

The schemas are declared beside the records (`tolk.records`); this is the one place that maps
a `Digest` to its article row and sentence rows, and back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from tolk.records import (
    Article,
    Digest,
    KeyPoint,
    Paragraph,
    SentencePair,
    Signature,
)


def article_row(digest: Digest, written_at: datetime) -> dict[str, object]:
    """Turn a digest into one row of articles.parquet."""
    article, sig = digest.article, digest.signature
    return {
        "id": article.id,
        "source_path": article.source_path,
        "source_kind": article.source_kind,
        "url": article.url,
        "sha256": article.sha256,
        "date": article.date,
        "title_nl": digest.title_nl,
        "title_en": digest.title_en,
        "title_index": digest.title_index,
        "title_flags": list(digest.title_flags),
        "text_nl": article.text,
        "text_en": digest.text_en,
        "summary_en": digest.summary_en,
        "summary_withheld": digest.summary_withheld,
        "key_points": [{"position": k.position, "nl": k.nl, "en": k.en} for k in digest.key_points],
        "n_paragraphs": len(article.paragraphs),
        "n_sentences": len(digest.pairs),
        "n_flagged": digest.n_flagged,
        "n_words_nl": sum(len(p.nl.split()) for p in digest.pairs),
        "model_id": sig.model_id,
        "model_revision": sig.model_revision,
        "backend": sig.backend,
        "compute_type": sig.compute_type,
        "device": sig.device,
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
    return [{**asdict(p), "flags": list(p.flags)} for p in digest.pairs]


def digest_from_rows(row: dict, sentences: list[dict]) -> Digest:
    """Rebuild a digest from its stored rows, so unchanged articles need no model work.

    Rows an older tolk wrote lack the newer columns: their flags are unknown, so none are shown.
    """
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
        url=row.get("url"),
        source_kind=row.get("source_kind") or "file",
    )
    pairs = tuple(
        SentencePair(
            article_id=s["article_id"],
            paragraph_index=s["paragraph_index"],
            sentence_index=s["sentence_index"],
            paragraph_kind=s["paragraph_kind"],
            nl=s["nl"],
            en=s["en"],
            flags=tuple(s.get("flags") or ()),
            confidence=s.get("confidence"),
            retried=bool(s.get("retried")),
        )
        for s in sorted(sentences, key=lambda s: s["sentence_index"])
    )
    flags = {p.sentence_index: p.flags for p in pairs}
    return Digest(
        article=article,
        pairs=pairs,
        key_points=tuple(
            KeyPoint(k["position"], k["nl"], k["en"], flags.get(k["position"], ()))
            for k in row["key_points"]
        ),
        summary_en=row["summary_en"],
        title_nl=row["title_nl"],
        title_en=row["title_en"],
        signature=Signature.from_settings(json.loads(row["settings"])),
        cache_key=row["cache_key"],
        warnings=tuple(row["warnings"]),
        translated_at=row["translated_at"],
        title_index=row.get("title_index"),
        flags_checked=row.get("n_flagged") is not None,
    )

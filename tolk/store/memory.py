"""The translation memory: each Dutch sentence the store holds, with its English, by signature.

A changed article decodes only its new or changed sentences, and a sentence already translated
in any stored article (an agency text in several outlets, a paragraph a live article kept) is
not decoded again, as long as the same model and settings (the `Signature`) produced it. The
English does not depend on the other sentences of a batch, so what the memory gives back is
what decoding would give, byte for byte.

The memory is not a file of its own: it is read from the sentences table of the current
generation, and from what this run has staged, so it is exactly as durable, as bounded and as
crash-safe as the tables, and is never out of step with them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence

import pyarrow.compute as pc

from tolk.checks.flags import GLOSSARY_FLAGS
from tolk.compose import credit_in_english, segment
from tolk.errors import TolkError
from tolk.records import Article, Digest, SentencePair, Signature
from tolk.store.layout import ARTICLES_FILE, SENTENCES_FILE
from tolk.store.tables import Generation
from tolk.translate.base import Translation

# Flags set after translation, from the article (`low_confidence`, against the article's other
# sentences) or from the run's glossary: worked out again for every article that reuses a
# sentence, never remembered.
LATER_FLAGS = frozenset({"low_confidence", *GLOSSARY_FLAGS})
# Sentences of this run kept for the chunks that follow: a run's own repeats (one agency text
# in several feeds) are decoded once; past this many, later ones come from the tables only.
RECENT_LIMIT = 200_000

COLUMNS = ["article_id", "nl", "en", "flags", "confidence", "retried"]


def decoded_sentences(articles: Sequence[Article]) -> set[str]:
    """Return the distinct Dutch sentences that translating `articles` would decode (those in
    the store's translation memory are not decoded again)."""
    found: set[str] = set()
    for article in articles:
        try:
            found.update(p.nl for p in segment(article) if credit_in_english(p) is None)
        except TolkError:
            continue  # the article fails where it is translated, with its reason
    return found


def remembered(pair: SentencePair) -> Translation | None:
    """Return what a stored pair says the model gave for its Dutch, or None if it was not
    decoded (a credit rendered by rule, a line with no letters, a row of an older tolk)."""
    if pair.confidence is None:
        return None
    flags = tuple(f for f in pair.flags if f not in LATER_FLAGS)
    return Translation(
        pair.en,
        confidence=pair.confidence,
        capped="cap" in flags,
        retried=pair.retried,
        flags=flags,
    )


def recall(
    generation: Generation | None,
    signature: Signature,
    sentences: Collection[str],
    exclude: Collection[str] = (),
) -> dict[str, Translation]:
    """Return the stored English of those of `sentences` that articles translated under
    `signature` hold (leaving out the articles in `exclude`: damaged rows)."""
    if generation is None or not sentences:
        return {}
    articles = generation.read(ARTICLES_FILE, ["id", "settings"])
    same = {
        text
        for text in pc.unique(articles["settings"]).to_pylist()
        if Signature.from_settings(json.loads(text)) == signature
    }
    if not same:
        return {}
    ids = [
        i
        for i, text in zip(
            articles["id"].to_pylist(), articles["settings"].to_pylist(), strict=True
        )
        if text in same and i not in exclude
    ]
    if not ids:
        return {}
    rows = generation.read(
        SENTENCES_FILE,
        COLUMNS,
        filters=[("article_id", "in", ids), ("nl", "in", sorted(set(sentences)))],
    )
    found: dict[str, Translation] = {}
    for row in rows.to_pylist():
        if row["nl"] in found:
            continue
        pair = SentencePair(
            row["article_id"],
            0,
            0,
            "body",
            row["nl"],
            row["en"],
            tuple(row["flags"] or ()),
            row["confidence"],
            bool(row["retried"]),
        )
        if (translation := remembered(pair)) is not None:
            found[row["nl"]] = translation
    return found


class Recent:
    """The sentences this run has staged, by signature, for the chunks still to come."""

    def __init__(self, limit: int = RECENT_LIMIT) -> None:
        self.limit = limit
        self._by_signature: dict[Signature, dict[str, Translation]] = {}
        self._size = 0

    def add(self, digests: Iterable[Digest]) -> None:
        for digest in digests:
            known = self._by_signature.setdefault(digest.signature, {})
            for pair in digest.pairs:
                if self._size >= self.limit:
                    return
                if pair.nl not in known and (translation := remembered(pair)) is not None:
                    known[pair.nl] = translation
                    self._size += 1

    def recall(self, signature: Signature, sentences: Iterable[str]) -> dict[str, Translation]:
        known = self._by_signature.get(signature, {})
        return {s: known[s] for s in sentences if s in known}

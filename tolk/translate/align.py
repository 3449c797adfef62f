"""Word alignment from a model's attention: which characters of the English came from which
characters of the Dutch.

Takes the SentencePiece pieces of a source and of its output, the two texts, and one attention
matrix (a row per output piece, a weight per source piece); gives `Link`s, one per output piece:
its span in the output text and the span of the source piece it attends to most. opus-mt models
are `transformer-align` models: the first head of the last decoder layer was trained to align
(OPUS-MT-train `lib/train.mk`), and CTranslate2 returns that head with `return_attention=True`;
the torch backend reads the same head. A glossary uses the links to put a required rendering in
place of what the model made of a term (`tolk.checks.glossary.Glossary.substitute`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

_WORD_START = "▁"  # SentencePiece's mark of a piece that begins a word
_UNKNOWN = "<unk>"


class Link(NamedTuple):
    """One output piece: where it is in the output text, and where its source piece is."""

    start: int
    end: int
    source_start: int
    source_end: int


def piece_spans(pieces: Sequence[str], text: str) -> list[tuple[int, int] | None] | None:
    """Return each piece's character span in `text` (None for a special token such as
    `</s>`), or None when the pieces do not spell the text in order (normalised characters,
    a word left out): then no span can be trusted. An unknown piece (`<unk>`: "ğ" where the
    vocabulary lacks it) spans what the text has between its neighbours."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    unknown: int | None = None  # the place of an unknown piece still waiting for its span
    for piece in pieces:
        body = piece.replace(_WORD_START, " ").strip()
        if piece == _UNKNOWN:
            unknown = len(spans)
        if not body or (piece.startswith("<") and piece.endswith(">")):
            spans.append(None)
            continue
        while at < len(text) and text[at].isspace():
            at += 1
        found = text.find(body, at) if unknown is not None else at
        if found < 0 or not text.startswith(body, found):
            return None
        if unknown is not None:
            spans[unknown] = _span(text, at, found)
            unknown = None
        spans.append((found, found + len(body)))
        at = found + len(body)
    if unknown is not None:
        spans[unknown] = _span(text, at, len(text))
    elif text[at:].strip():
        return None
    return spans


def _span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Return the span of what `text` holds between `start` and `end`, spaces left out."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def links(
    source_pieces: Sequence[str],
    source_text: str,
    target_pieces: Sequence[str],
    target_text: str,
    attention: Sequence[Sequence[float]],
) -> tuple[Link, ...]:
    """Align each output piece to the source piece it attends to most (one that attends most
    to a special token, the source's end of sentence, is aligned to nothing); () when the
    pieces do not spell their texts or the attention does not fit them."""
    sources = piece_spans(source_pieces, source_text)
    targets = piece_spans(target_pieces, target_text)
    if sources is None or targets is None or len(attention) < len(target_pieces):
        return ()
    found = []
    for target, row in zip(targets, attention, strict=False):
        if target is None or len(row) < len(sources):
            continue
        weights = list(row[: len(sources)])
        best = max(range(len(weights)), key=weights.__getitem__)
        source = sources[best]
        if source is not None:
            found.append(Link(target[0], target[1], source[0], source[1]))
    return tuple(found)

"""Summarize an article: bilingual sentence pairs in, key points and an English summary out.

Extractive by design: the key points are the article's own sentences, chosen on the Dutch source
so that a weak translation cannot skew the choice, and the summary is made of their translations.
It never states what the article does not, and never uses English that is flagged as doubtful:
a key point keeps its flags for the reader to see, but stays out of the summary, which is empty
when every key point is flagged.

Scoring: each body sentence is a TF-IDF vector of its Dutch content words (stop words removed,
IDF over the article's own sentences). Its centrality is the cosine similarity to the article's
centroid, times a lead bonus that fades over the first sentences (news puts the gist first).
Sentences are taken best first, skipping any too similar to one already taken.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tolk.records import KeyPoint, SentencePair
from tolk.settings import DEFAULTS

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Frequent Dutch function words: they say nothing about what an article is about.
STOP_WORDS = frozenset(
    """aan al alle als andere ben bij dan dat de deze die dit doen door dus een eens en er
    ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun ik in is ja je kan kon
    kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat ons ook op
    over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel werd
    wezen wie wij wil worden wordt zal ze zei zelf zich zij zijn zo zonder zou zouden volgens
    tussen tijdens echter waarin waarbij waarvan daar daarom dan heel hen jaar jaren al""".split()
)
MIN_WORDS = 5
LEAD_BONUS = 0.3
REDUNDANCY = 0.6
SUMMARY_MAX_WORDS = 60


@dataclass(frozen=True)
class KeyPointSettings:
    """How many key points to pick: about one per `per_sentences`, within [minimum, maximum]."""

    minimum: int = DEFAULTS.key_points[0]
    maximum: int = DEFAULTS.key_points[1]
    per_sentences: int = 8

    def count(self, candidates: int) -> int:
        """Return how many key points an article with this many candidates gets."""
        wanted = round(candidates / self.per_sentences)
        return min(candidates, max(self.minimum, min(self.maximum, wanted)))


def content_words(text: str) -> list[str]:
    """Return a sentence's lower-cased content words."""
    return [
        w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOP_WORDS and len(w) > 1
    ]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def score_sentences(sentences: Sequence[str]) -> list[float]:
    """Score Dutch sentences by centrality to their article, with a fading lead bonus."""
    bags = [Counter(content_words(s)) for s in sentences]
    df = Counter(word for bag in bags for word in bag)
    n = len(sentences)
    vectors = [{w: c * math.log(1 + n / df[w]) for w, c in bag.items()} for bag in bags]
    centroid: dict[str, float] = {}
    for vector in vectors:
        for w, v in vector.items():
            centroid[w] = centroid.get(w, 0.0) + v
    return [
        _cosine(vector, centroid) * (1 + LEAD_BONUS * math.exp(-i / 5))
        for i, vector in enumerate(vectors)
    ]


def pick_key_points(
    pairs: Sequence[SentencePair], settings: KeyPointSettings = KeyPointSettings()
) -> list[SentencePair]:
    """Choose the most central sentences of an article's body, best first, without repeats."""
    candidates = [p for p in pairs if p.paragraph_kind == "body" and len(p.nl.split()) >= MIN_WORDS]
    if not candidates:  # an article of headings and short lines: any sentence with words
        candidates = [p for p in pairs if content_words(p.nl)]
    if not candidates:
        return []
    scores = score_sentences([p.nl for p in candidates])
    bags = [Counter(content_words(p.nl)) for p in candidates]
    chosen: list[int] = []
    for i in sorted(range(len(candidates)), key=lambda i: (-scores[i], i)):
        if len(chosen) == settings.count(len(candidates)):
            break
        if all(_cosine(bags[i], bags[j]) < REDUNDANCY for j in chosen):
            chosen.append(i)
    return [candidates[i] for i in chosen]


def summarize(
    pairs: Sequence[SentencePair], settings: KeyPointSettings = KeyPointSettings()
) -> tuple[tuple[KeyPoint, ...], str]:
    """Return an article's key points in article order and its short English summary."""
    ranked = pick_key_points(pairs, settings)
    summary: list[SentencePair] = []
    words = 0
    for pair in ranked:  # the best unflagged ones that fit the summary's length, at least one
        if pair.flags:
            continue  # a summary is only as good as its worst sentence: never a doubtful one
        if summary and words + len(pair.en.split()) > SUMMARY_MAX_WORDS:
            break
        summary.append(pair)
        words += len(pair.en.split())
    in_order = sorted(ranked, key=lambda p: p.sentence_index)
    key_points = tuple(KeyPoint(p.sentence_index, p.nl, p.en, p.flags) for p in in_order)
    summary_en = " ".join(p.en for p in sorted(summary, key=lambda p: p.sentence_index))
    return key_points, summary_en

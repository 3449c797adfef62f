"""Read a user's glossary and tell whether an English sentence renders its terms as required.

Takes a glossary file (CSV, TSV or YAML: Dutch term -> required English, or `=` to keep the
Dutch as it is) and pairs of sentences; gives the terms a Dutch sentence holds, those its
English fails to render, and (for terms kept as they are) the English with a mangled form of
the term put right, where that is unambiguous.

Matching (stated in docs/glossary.md): whole words only. A term written all in lowercase
matches in any case ("kabinet" matches "Kabinet"); one with a capital matches exactly that
case ("Kamer" does not match "kamer"). Inflection: the term's last word may carry a Dutch
ending in the Dutch (-s, -'s, -e, -en, -n: "coalitieakkoorden"), and the rendering's last word
an English one in the English (-s, -es, 's: "House of Representatives'"). Longer terms win over
shorter ones they contain.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from tolk.checks.names import fold, sound_key
from tolk.errors import BadGlossary

if TYPE_CHECKING:
    from tolk.translate.align import Link

KEEP = "="  # the English is the Dutch term itself: do not translate
_DUTCH_ENDINGS = r"(?:s|'s|’s|e|en|n)?"
_ENGLISH_ENDINGS = r"(?:s|es|'s|’s|')?"


@dataclass(frozen=True)
class Term:
    """One glossary entry: a Dutch term and the English it must become."""

    dutch: str
    english: str  # the required rendering; the Dutch itself for a kept term

    @property
    def kept(self) -> bool:
        """Tell whether the term stays as it is (a name, a party, a do-not-translate word)."""
        return self.english == self.dutch


def _pattern(text: str, endings: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in text.split()]
    body = r"\s+".join(words) + endings
    flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)


@dataclass(frozen=True)
class Glossary:
    """A set of terms, longest Dutch first so that a longer term wins over one it contains."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def of(cls, entries: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> Glossary:
        """Build a glossary from (Dutch, English) pairs, `=` keeping the Dutch."""
        terms = {
            d.strip(): Term(d.strip(), d.strip() if e.strip() == KEEP else e.strip())
            for d, e in entries
        }
        return cls(tuple(sorted(terms.values(), key=lambda t: (-len(t.dutch), t.dutch))))

    @property
    def entries(self) -> tuple[tuple[str, str], ...]:
        """Return the terms as (Dutch, English) pairs, for a signature."""
        return tuple((t.dutch, t.english) for t in self.terms)

    def digest(self) -> str:
        """Return a short hash of the terms: the same glossary gives the same one."""
        text = "\n".join(f"{d}\t{e}" for d, e in self.entries)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @cached_property
    def _dutch(self) -> dict[Term, re.Pattern[str]]:
        return {t: _pattern(t.dutch, _DUTCH_ENDINGS) for t in self.terms}

    @cached_property
    def _english(self) -> dict[Term, re.Pattern[str]]:
        return {t: _pattern(t.english, _ENGLISH_ENDINGS) for t in self.terms}

    def terms_in(self, nl: str) -> list[Term]:
        """Return the terms a Dutch sentence holds, each once, longest first."""
        found: list[Term] = []
        taken: list[range] = []
        lowered = nl.lower()
        for term, pattern in self._dutch.items():
            if term.dutch.lower().split()[0] not in lowered:
                continue  # the common case, cheaply
            for match in pattern.finditer(nl):
                span = range(match.start(), match.end())
                if not any(span.start < t.stop and t.start < span.stop for t in taken):
                    taken.append(span)
                    if term not in found:
                        found.append(term)
        return found

    def rendered(self, term: Term, en: str) -> bool:
        """Tell whether an English sentence holds a term's required rendering."""
        return self._english[term].search(en) is not None

    def unmet(self, nl: str, en: str) -> list[Term]:
        """Return the terms of the Dutch whose rendering the English lacks."""
        if not self.terms:
            return []
        return [t for t in self.terms_in(nl) if not self.rendered(t, en)]

    def substitute(self, nl: str, en: str, links: Sequence[Link] = ()) -> str:
        """Put the required renderings into the English where the place of a term is clear.

        With `links` (the model's alignment of the English to the Dutch, `tolk.translate.align`):
        the words aligned to the term's one occurrence in the Dutch, when they are a run of
        words next to each other that no other term claims, become its rendering (an English
        possessive ending stays). Without, or where they do not show it: a kept term's one near
        form in the English ("Rute" for "Rutte") is put right. Anything else stays as it is
        (and unmet: `unmet` still names it).
        """
        edits: list[tuple[int, int, str]] = []
        for term in self.unmet(nl, en):
            span = self._aligned(term, nl, en, links) if links else None
            if span is None and term.kept:
                span = _mangled(term.dutch, en)
            if span is None or any(span[0] < e and s < span[1] for s, e, _ in edits):
                continue
            edits.append((*span, term.english))
        for start, end, english in sorted(edits, reverse=True):
            en = en[:start] + english + en[end:]
        return en

    def _aligned(
        self, term: Term, nl: str, en: str, links: Sequence[Link]
    ) -> tuple[int, int] | None:
        """Return the span of the English words aligned to a term, if they show it clearly."""
        occurrences = [m.span() for m in self._dutch[term].finditer(nl)]
        if len(occurrences) != 1:
            return None  # two of them: which English is which is a guess
        start, end = occurrences[0]
        aligned = [link for link in links if link.source_start < end and start < link.source_end]
        words = list(_WORD.finditer(en))
        hit = [
            i
            for i, word in enumerate(words)
            if any(link.start < word.end() and word.start() < link.end for link in aligned)
        ]
        if not hit or hit[-1] - hit[0] + 1 != len(hit):
            return None  # nothing aligned, or words of something else in between
        longest = max(len(term.dutch.split()), len(term.english.split()))
        if len(hit) > longest + 2:
            return None  # spread over more words than a rendering of the term would take
        if len(hit) == len(words) and _WORD.search(nl[:start] + " " + nl[end:]):
            return None  # all the English, for a term that is not all the Dutch
        first, last = words[hit[0]], words[hit[-1]]
        ending = _POSSESSIVE.search(last.group())
        return first.start(), last.end() - (len(ending.group()) if ending else 0)


_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
_WORD = re.compile(r"[^\W_][\w'’-]*")


def _mangled(term: str, en: str) -> tuple[int, int] | None:
    """Return the one span of the English that is a near form of a term, or None."""
    words = list(_WORD.finditer(en))
    size = len(term.split())
    target = fold(term).lower()
    limit = 1 if len(target) < 6 else 2
    spans = []
    for i in range(len(words) - size + 1):
        start, end = words[i].start(), words[i + size - 1].end()
        text = fold(en[start:end]).lower()
        if sound_key(text) == sound_key(target) or _distance(text, target) <= limit:
            spans.append((start, end))
    return spans[0] if len(spans) == 1 else None


def _distance(a: str, b: str) -> int:
    """Return the Levenshtein distance of two short strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def parse_glossary(text: str, name: str = "glossary") -> Glossary:
    """Read a glossary from YAML (a mapping) or CSV/TSV text (two columns, optional header)."""
    stripped = text.lstrip("\ufeff")
    if name.lower().endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(stripped) or {}
        except yaml.YAMLError as error:
            raise BadGlossary(
                f"{name}: not valid YAML ({error}); write `Dutch term: English`"
            ) from None
        if not isinstance(data, dict):
            raise BadGlossary(f"{name}: a YAML glossary is a mapping of `Dutch term: English`")
        rows = [(str(k), str(v)) for k, v in data.items()]
    else:
        lines = [
            line for line in stripped.splitlines() if line.strip() and not line.startswith("#")
        ]
        delimiter = "\t" if any("\t" in line for line in lines) else ","
        rows = []
        for number, row in enumerate(
            csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter), 1
        ):
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise BadGlossary(
                    f"{name}: line {number} has {len(row)} fields: give two, the Dutch term and "
                    f"its English (or {KEEP} to keep it), separated by a comma or a tab"
                )
            rows.append((row[0], row[1]))
        if rows and rows[0][0].strip().lower() in ("dutch", "nl", "term", "source"):
            rows = rows[1:]  # a header
    for dutch, english in rows:
        if not dutch.strip() or not english.strip():
            raise BadGlossary(f"{name}: the term {dutch!r} has an empty side")
    return Glossary.of(rows)


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file; a clear error names the file and what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadGlossary(
            f"{path}: cannot read the glossary ({error}); give a UTF-8 CSV, TSV or YAML file"
        ) from None
    return parse_glossary(text, str(path))

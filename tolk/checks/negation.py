"""Count the negations of a Dutch sentence and of its English, to find one lost or added.

Takes one sentence and its translation; gives how many negations each states, as a range. Dutch:
niet, geen, nooit, niemand, niets, niks, nergens, noch, zonder, nee, nimmer. English: not, n't,
no, never, nobody, no one, nothing, none, nowhere, without, neither, nor. Beside these
(the words themselves are in `tolk.checks.negation_words`):

- Paraphrases count once on both sides: "geen enkele" is "not a single", "niet meer" is "no
  longer", "nog niet" is "not yet" or "has yet to", "niet alleen" is "not only", "meer dan
  alleen" is "not just" or "more than just". "neither ... nor ... nor", "not A nor B", "noch A
  noch B" and "niets of niemand" are one negation; a "nor" that continues no negation is none.
- Idioms that hold a negation and are as often said without one may count as none: "never
  before" (new), "nothing but" (only), "nothing else", "or not", "no doubt", "don't forget"
  (remember), "not every" (some), "no matter", "little or no", "not ... until" and "didn't ...
  until" (only then: "pas"); "niet meer dan" (only), "vergeet niet", "niet ieder", "(wel) of
  niet". So may a negation right before a word negated by its form ("niet onbelangrijk" is
  "important").
- Words that can stand for a negation may count as one, where the other side has a negation to
  spare: those negated by their form (un-, non-, in-, im-, -less: "unable", "non-diabetic",
  "impossible", "endless"; on-, niet-, -loos: "onmogelijk", "eindeloos"), those that mean "not"
  ("refused", "failed", "lacks", "unless"; "weigerde", "ontbreekt", "tenzij"), and words of a
  sense that is often a negation in the other language ("rarely", "prevented", "instead",
  "killed" for "overleefde het niet"; "zelden", "voorkomen dat"). When both sides have one of
  the same kind ("onmogelijk": "impossible", "zelden": "seldom") the two translate each other
  and neither counts. "in plaats van" counts as a negation unless the English says "instead",
  "rather than" or the like.

The English is flagged when the two ranges do not meet.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tolk.checks import negation_words as words

# The kinds of the words a sentence can negate with, each a named group of one pattern per
# language, in the order they are tried.
_KINDS = {
    "optional": (words.DUTCH_OPTIONAL, words.ENGLISH_OPTIONAL),
    "plain": (words.DUTCH_PLAIN, words.ENGLISH_PLAIN),
    "lexical": (words.DUTCH_LEXICAL, words.ENGLISH_LEXICAL),
    "form": (words.DUTCH_FORM, words.ENGLISH_FORM),
    "latin": (words.DUTCH_LATIN, words.ENGLISH_LATIN),
} | {f"sense_{name}": sense[:2] for name, sense in words.SENSES.items()}
# The words negated by their form or meaning "not": one kind when partnered across languages.
_SPARE = frozenset(("lexical", "form", "latin"))
# -less and -loos end a word, so they have a pattern of their own, which looks at endings only.
_LESS = {
    "nl": re.compile(rf"(?<=\w\w\w)(?:{words.DUTCH_LESS})\b", re.I),
    "en": re.compile(rf"(?<=\w\w\w)(?:{words.ENGLISH_LESS})\b", re.I),
}
# A negation right before a word negated by its form may be a double negation, said without
# either: "niet onbelangrijk" is "important", "not unusual" is "common".
_DOUBLED = frozenset(("form", "latin"))
_DOUBLE = re.compile(r"\s+(?:[^\W\d_]+\s+)?")
# The kinds that decide most sentences: when the two sides agree on these, no other can make
# them disagree (the others only widen a range), so the rest is counted only when they do not.
_DECISIVE = ("plain", "sense_instead")


def _alternatives(body: str) -> list[str]:
    """Split a pattern at its top-level "|"s."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 1
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    return [*parts, body[start:]]


def _closing(text: str, at: int) -> int:
    """Return the index just past the group or class that opens at `at`."""
    depth, i = 0, at
    while i < len(text):
        if text[i] == "\\":
            i += 1
        elif text[i] in "([":
            depth += 1
        elif text[i] in ")]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced pattern: {text!r}")


def _initials(body: str) -> str | None:
    """Return the letters that a match of a pattern can start with, or None when it can start
    with any (the pattern as tolk's tables write it: literals, groups, classes, assertions)."""
    letters: set[str] = set()
    for alternative in _alternatives(body):
        i = 0
        while alternative.startswith(("(?<", "(?=", "(?!", "\\b"), i):  # take no letter
            i = i + 2 if alternative.startswith("\\b", i) else _closing(alternative, i)
        end = _closing(alternative, i) if alternative[i : i + 1] in ("(", "[") else i + 1
        if alternative[end : end + 1] in ("?", "*", "{"):
            return None  # what comes first may be left out
        if alternative.startswith(("(?:", "(?-i:"), i):
            inner = _initials(alternative[alternative.index(":", i) + 1 : end - 1])
        elif alternative.startswith("[", i) and "\\" not in alternative[i:end]:
            inner = alternative[i + 1 : end - 1].lstrip("^") if alternative[i + 1] != "^" else None
        elif alternative[i : i + 1].isalpha():
            inner = alternative[i]
        else:
            inner = None
        if inner is None:
            return None
        letters.update(inner.lower())
    return "".join(sorted(letters))


def _compile(language: str, kinds: dict[str, tuple[str, str]]) -> re.Pattern[str]:
    """Compile one pattern for some kinds of negation of a language, a named group each."""
    side = 0 if language == "nl" else 1
    groups = "|".join(f"(?P<{name}>{bodies[side]})" for name, bodies in kinds.items())
    # n't ends a word, so there is no word boundary before it.
    contraction = r"(?P<contraction>(?<=[a-z])n['’]t\b)|" if side else ""
    # A lookahead for the letters a match can start with makes the pattern give up at once on
    # most words: the regex engine tries each alternative in turn.
    first = [_initials(bodies[side]) for bodies in kinds.values()]
    start = "" if None in first else "(?=[{}])".format("".join(sorted(set("".join(first) + "n"))))
    return re.compile(rf"{start}(?:{contraction}\b(?:{groups})\b)", re.I)


_PATTERNS = {language: _compile(language, _KINDS) for language in ("nl", "en")}
_QUICK = {
    language: _compile(language, {kind: _KINDS[kind] for kind in _DECISIVE})
    for language in ("nl", "en")
}
# "neither ... nor ... nor" is one negation, however long the list.
_PAIRED = frozenset(("neither",))
# A "nor" is a negation of its own only where it starts a clause ("nor did she").
_NOR_CLAUSE = re.compile(
    r"\s+(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|shall|should|must|"
    r"may|might)\b",
    re.I,
)
# Two negative words joined by "of"/"or" are one: "niets of niemand", "never or nowhere".
_JOINED = re.compile(r"\s*(?:,\s*)?(?:of|en|or|and)\s*")
# "didn't open until March" is "opened only in March" ("pas in maart"): it may count as none.
_UNTIL = re.compile(r"(?:\s+[\w'’-]+){0,4}?\s+until\b", re.I)
_CAPITALISED_WORD = re.compile(r"[A-Z][\w'’-]*[\s,]*$")
_SENTENCE_START = re.compile(r"(?:^|[.!?;:])\W*$")


@dataclass
class Tally:
    """The negations of one sentence: how many, how many of those may be none, and the words
    that may stand for one, by kind."""

    count: int = 0
    optional: int = 0
    spare: Counter[str] = field(default_factory=Counter)


def _in_name(text: str, match: re.Match[str]) -> bool:
    """Tell whether a negation is inside a name ("Artsen zonder Grenzen", "Did Not Finish")."""
    before = _CAPITALISED_WORD.search(text, max(0, match.start() - 30), match.start())
    after = text[match.end() : match.end() + 2].strip()[:1]
    return before is not None and before.start() > 0 and after.isupper()


def _nor_continues(text: str, match: re.Match[str]) -> bool:
    """Tell whether a "nor" continues a negation ("not A nor B") rather than starting one."""
    if _NOR_CLAUSE.match(text, match.end()):
        return False
    return _SENTENCE_START.search(text, max(0, match.start() - 4), match.start()) is None


def tally(
    text: str, language: str, other: str = "", pattern: re.Pattern[str] | None = None
) -> Tally:
    """Count the negations of a Dutch ("nl") or English ("en") sentence, by kind; a name that
    the `other` side holds as it is ("Independence Hall") negates nothing."""
    result = Tally()
    paired = False
    last_end = -100  # where the last negation counted ends
    for match in (pattern or _PATTERNS[language]).finditer(text):
        kind = match.lastgroup or ""
        if kind in _DOUBLED and _DOUBLE.fullmatch(text, last_end, match.start()):
            result.optional += 1
            last_end = -100
        if kind.startswith("sense_"):
            result.spare[kind] += 1
            continue
        if _in_name(text, match):
            continue
        if kind in _SPARE:
            if not (match[0][0].isupper() and match[0] in other):
                result.spare["form"] += 1
            continue
        word = match[0].lower()
        if word in _PAIRED:
            if paired:
                continue
            paired = True
        elif word == "nor" and _nor_continues(text, match):
            continue
        elif word == "noch" and result.count:
            continue
        elif 0 <= match.start() - last_end < 6 and _JOINED.fullmatch(text, last_end, match.start()):
            continue
        last_end = match.end()
        result.count += 1
        result.optional += kind == "optional" or (
            kind == "contraction" and _UNTIL.match(text, match.end()) is not None
        )
    if pattern is not _QUICK[language]:
        result.spare["form"] += len(_LESS[language].findall(text))
    return result


def _policy(kind: str, side: int) -> str:
    """Say what a word of a kind with no partner on the other side does: "count" as a
    negation, "spare" (may stand for one) or "none"."""
    sense = words.SENSES.get(kind.removeprefix("sense_"))
    return sense[2 + side] if sense else "spare"


def ranges(nl: str, en: str, quick: bool = False) -> tuple[tuple[int, int], tuple[int, int]]:
    """Return the fewest and most negations the Dutch and the English state, each; `quick`
    counts only the decisive kinds."""
    patterns = _QUICK if quick else _PATTERNS
    dutch = tally(nl, "nl", en, patterns["nl"])
    english = tally(en, "en", nl, patterns["en"])
    low = [dutch.count - dutch.optional, english.count - english.optional]
    high = [dutch.count, english.count]
    # Words of the same kind on both sides translate each other; the rest may, or must, stand
    # for a negation on the other side.
    for side, (ours, theirs) in enumerate(((dutch, english), (english, dutch))):
        for kind, n in (ours.spare - theirs.spare).items():
            policy = _policy(kind, side)
            if policy == "count":
                low[side] += n
                high[side] += n
            elif policy == "spare":
                high[side] += n
    return (low[0], high[0]), (low[1], high[1])


def negations(text: str, language: str) -> tuple[int, int]:
    """Return the fewest and most negations a Dutch ("nl") or English ("en") sentence states."""
    dutch, english = ranges(text, "") if language == "nl" else ranges("", text)
    return dutch if language == "nl" else english


def negation_differs(nl: str, en: str) -> bool:
    """Tell whether the English states a negation more or fewer than the Dutch can account for."""
    if _QUICK["nl"].search(nl) is None and _QUICK["en"].search(en) is None:
        return False  # most sentences: no negation on either side
    (nl_low, _), (en_low, _) = ranges(nl, en, quick=True)
    if nl_low == en_low:
        return False  # the common case: the same count both sides, often none
    (nl_low, nl_high), (en_low, en_high) = ranges(nl, en)
    return nl_high < en_low or en_high < nl_low

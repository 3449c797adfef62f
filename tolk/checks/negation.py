"""Count the negations of a Dutch sentence and of its English, to find one lost or added.

Takes one sentence; gives how many negations it states. Dutch: niet, geen, nooit, niemand, niets,
niks, nergens, noch, zonder, nee, nimmer. English: not, n't, no, never, nobody, no one, nothing,
none, nowhere, without, neither, nor. A usual paraphrase counts once on both sides: "geen enkele"
is "not a single", "niet meer" is "no longer", "nog niet" is "not yet", "niet alleen" is "not only".

English also negates with words that are not negations ("unable to reach" for "niet kon
bereiken", "failed", "refused", "lacks"), and Dutch with a few ("weigerde", "ontbreekt"): these
count as a negation only where that makes the two sides agree, so `negations` gives a range.
"""

from __future__ import annotations

import re

# One negation each, the paraphrases first so that their two words count once.
_DUTCH = re.compile(
    r"\b(?=[gnz])(?:geen\s+enkele?|niet\s+meer(?!\s+dan)|nog\s+niet|niet\s+alleen|"
    r"niet(?!\s+(?:meer|minder)\s+dan)|geen|nooit|niemand|niets|niks|nergens|noch|zonder|nee|"
    r"nimmer)\b",
    re.I,
)
# Words that negate without a negation, by how they start (weigerde, ontbreekt, unable, failed).
_DUTCH_IMPLIED_STARTS = ("weiger", "ontbr", "ontken", "verbod", "verbied")
_DUTCH_IMPLIED_WORDS = frozenset(
    "nauwelijks amper zelden uitsluitend slechts misvatting pas weinig minder".split()
)
# "onduidelijk" is "not clear"; but "onder", "ontstaan", "ongeveer" are no negations.
_DUTCH_UN = re.compile(
    r"on(?:duidelijk|eerlijk|bekend|mogelijk|waarschijnlijk|voldoende|zeker|gebruikelijk|"
    r"afhankelijk|veilig|gelukkig|tevreden|bereikbaar|vermijdelijk|juist|gewoon|schuldig|"
    r"bewust|terecht|getwijfeld|succesvol)"
)
_ENGLISH = re.compile(
    r"\b(?=[nw])(?:not\s+a\s+single|no\s+longer|not\s+yet|not\s+only|no\s+one|no-one|not|never|nobody|"
    r"nothing|none|nowhere|without|neither|nor)\b|n['’]t\b|\bcannot\b|"
    # "no" but not "No. 5" or "no." as a number sign
    r"\bno\b(?!\.\s*\d)",
    re.I,
)
_ENGLISH_IMPLIED_STARTS = (
    "unable",
    "fail",
    "refus",
    "lack",
    "abandon",
    "absen",
    "impossibl",
    "reject",
    "avoid",
    "prevent",
    "neglect",
    "ignor",
    "stop",
    "non",
    "incapab",
    "inabilit",
    "incomplet",
    "insufficien",
    "invalid",
    "incorrect",
    "inaccura",
    "independen",
)
_ENGLISH_IMPLIED_WORDS = frozenset(
    """decline declines declined deny denies denied hardly barely rarely seldom instead except
    ban bans banned zero unknown unless unaware unclear unlikely uncertain unusual unhappy
    unsafe unfair""".split()
)


def _implied_pattern(starts: tuple[str, ...], words: frozenset[str], extra: str) -> re.Pattern:
    """Compile one pattern for the words that negate without being negations."""
    stems = "|".join(sorted(starts, key=len, reverse=True))
    exact = "|".join(sorted(words, key=len, reverse=True))
    initials = "".join(sorted({w[0] for w in (*starts, *words)} | set("ufroi")))
    return re.compile(rf"\b(?=[{initials}])(?:(?:{stems})\w*|(?:{exact})\b|{extra})", re.I)


_IMPLIED = {
    "nl": _implied_pattern(
        _DUTCH_IMPLIED_STARTS,
        _DUTCH_IMPLIED_WORDS,
        _DUTCH_UN.pattern + r"\w*|niet\s+(?:meer|minder)\s+dan\b|in\s+plaats\s+van\b",
    ),
    "en": _implied_pattern(
        _ENGLISH_IMPLIED_STARTS,
        _ENGLISH_IMPLIED_WORDS,
        r"un\w*(?:ed|able|ible|ful)\b|(?:free|rather|other)\s+(?:of|than)\b",
    ),
}


def _implied(text: str, language: str) -> int:
    """Count the words of a text that negate without being negations."""
    return len(_IMPLIED[language].findall(text))


# "neither ... nor ... nor" and "noch ... noch" are one negation, however long the list.
_PAIRED = frozenset(("neither", "nor", "noch"))
_CAPITALISED_WORD = re.compile(r"[A-Z][\w'’-]*[\s,]*$")


def _count(pattern: re.Pattern[str], text: str) -> int:
    """Count a pattern's negations in a text, but those inside a name ("Artsen zonder Grenzen",
    "a Did Not Finish") and all but one of a neither/nor list."""
    count, paired = 0, False
    for match in pattern.finditer(text):
        before = _CAPITALISED_WORD.search(text, max(0, match.start() - 30), match.start())
        after = text[match.end() : match.end() + 2].strip()[:1]
        if before and after.isupper() and before.start() > 0:
            continue
        word = match[0].lower()
        if word in _PAIRED:
            if paired:
                continue
            paired = True
        count += 1
    return count


def negations(text: str, language: str) -> tuple[int, int]:
    """Return the fewest and most negations a Dutch ("nl") or English ("en") sentence states."""
    count = _count(_DUTCH if language == "nl" else _ENGLISH, text)
    return count, count + _implied(text, language)


def negation_differs(nl: str, en: str) -> bool:
    """Tell whether the English states a negation more or fewer than the Dutch can account for."""
    nl_count, en_count = _count(_DUTCH, nl), _count(_ENGLISH, en)
    # The implied negations only matter on the side with fewer plain ones, so most sentences
    # (the same count both sides, often none) need no more work.
    if nl_count < en_count:
        return nl_count + _implied(nl, "nl") < en_count
    if en_count < nl_count:
        return en_count + _implied(en, "en") < nl_count
    return False

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
    r"\b(?:geen\s+enkele?|niet\s+meer|nog\s+niet|niet\s+alleen|niet|geen|nooit|niemand|niets|"
    r"niks|nergens|noch|zonder|nee|nimmer)\b",
    re.I,
)
_DUTCH_IMPLIED = re.compile(
    r"\b(?:weiger\w*|ontbr\w*|nauwelijks|amper|zelden|ontken\w*|uitsluitend|slechts|"
    r"on(?:duidelijk|eerlijk|bekend|mogelijk|waarschijnlijk|voldoende|zeker|gebruikelijk|"
    r"afhankelijk|veilig|gelukkig|tevreden|bereikbaar|vermijdelijk|juist|gewoon|schuldig|"
    r"bewust|terecht|getwijfeld|succesvol)\w*)\b",
    re.I,
)
_ENGLISH = re.compile(
    r"\b(?:not\s+a\s+single|no\s+longer|not\s+yet|not\s+only|no\s+one|no-one|not|never|nobody|"
    r"nothing|none|nowhere|without|neither|nor)\b|n['’]t\b|\bcannot\b|"
    # "no" but not "No. 5" or "no." as a number sign
    r"\bno\b(?!\.\s*\d)",
    re.I,
)
_ENGLISH_IMPLIED = re.compile(
    r"\b(?:unable|fail(?:s|ed|ing|ure)?|refus\w*|lack\w*|declin(?:e|es|ed)|den(?:y|ies|ied)|"
    r"abandon\w*|absen\w*|impossibl\w*|hardly|barely|rarely|seldom|free\s+of|instead|rather\s+than|"
    r"un(?:able|known|less|aware|clear|likely|certain|usual|happy|safe|fair|successful|\w+ed)|"
    r"non-?\w+|in(?:capable|ability|complete|sufficient|valid|correct|accurate|dependent)|"
    r"avoid\w*|prevent\w*|except|neglect\w*|ignor\w*|ban(?:s|ned)?|stop\w*|zero)\b",
    re.I,
)


def negations(text: str, language: str) -> tuple[int, int]:
    """Return the fewest and most negations a Dutch ("nl") or English ("en") sentence states."""
    plain, implied = (_DUTCH, _DUTCH_IMPLIED) if language == "nl" else (_ENGLISH, _ENGLISH_IMPLIED)
    count = len(plain.findall(text))
    return count, count + len(implied.findall(text))


def negation_differs(nl: str, en: str) -> bool:
    """Tell whether the English states a negation more or fewer than the Dutch can account for."""
    nl_low, nl_high = negations(nl, "nl")
    en_low, en_high = negations(en, "en")
    return nl_high < en_low or en_high < nl_low

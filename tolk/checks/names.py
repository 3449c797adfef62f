"""Find the names of a Dutch sentence that its English translation lost, changed or translated.

Takes one Dutch sentence and its English; gives the Dutch names that have no counterpart in the
English. A name is a capitalised word that does not start a sentence ("Danius", "Bob Dylan"),
an acronym ("ADT", "VOC"), an initial ("John F. Kennedy"), or each capitalised part of a
hyphenated word ("PALM" in "PALM-proef"); particles ("van der", "de") and the small words of a
title ("Vrede Van Riga", "Onze-Lieve-Vrouw") are not names.

A name has its counterpart when the English holds it, with or without accents or a genitive s,
or spelled with the same sounds ("Noer": "Noor", "Jemen": "Yemen"); when it is a common exonym
and the English holds its English name ("Poetin": "Putin", "Den Haag": "The Hague"; a name of
several words may be spelled another way, "World Health Organisation"; `tolk/data/exonyms.tsv`);
or when it is an adjective or demonym of a name ("Canadese": "Canadian") and the English holds
a capitalised word with its first letters. An adjective of a place may also go ("de Franse
hoofdstad": "Paris"), unless the English names a people or place the Dutch does not ("Zweedse":
"Swiss"). A name the English holds only in lowercase ("Stone" as "stone") was rendered word
for word, but for the English words of a name that English writes small ("Sagittarius Galaxy":
"Sagittarius galaxy").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from tolk.checks import name_words as words

EXONYMS_FILE = "data/exonyms.tsv"
# A capitalised word, or one with inner capitals or apostrophes ("McDonald's", "IJsland").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What comes right before a word that starts a sentence or a quote, where capitals say nothing.
_START = re.compile(r"(?:^|[.!?:;…]|[\"'‘’“”„«(\[]|\s[-–—])\s*$")
# Dutch endings of adjectives and demonyms made from names: Canadese, Amerikaanse, Spaans,
# Russische, Chinees, Fransen. Such a word is a name's translation when the English has a
# capitalised word that starts the same way ("Canadian"), and the name itself may be gone.
_DERIVED = re.compile(r"(?:aanse|aans|ische|isch|sche|se|ees|ijns|anen)$")
_DERIVED_PREFIX = 4
# Apostrophes that names are written with, as one.
_APOSTROPHES = str.maketrans("’‘ʼ", "'''")
# Letters that Dutch words have and names from elsewhere seldom do.
_DUTCH_LOOKING = re.compile(r"ij|oe|ui|aa|uu|sch|heid|ie$|isch|ste$|ë|[a-z]{12}", re.I)


def _starts(text: str, at: int) -> bool:
    """Tell whether the word at `at` starts a sentence or a quote (a short look back)."""
    return _START.search(text, max(0, at - 6), at) is not None


def fold(text: str) -> str:
    """Return a text without accents or diacritics ("Guaidó" -> "Guaido", "Oekraïne"), its
    ligatures spelled out ("Noordelĳke"), and one apostrophe for all ("Xi’an" -> "Xi'an")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def exonyms() -> dict[str, tuple[str, ...]]:
    """Return the table of Dutch names and their English forms, longest Dutch name first."""
    text = resources.files("tolk").joinpath(EXONYMS_FILE).read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            dutch, english = line.split("\t")
            table[dutch.strip()] = tuple(e.strip() for e in english.split("|"))
    return dict(sorted(table.items(), key=lambda item: -len(item[0])))


@cache
def _exonym_pattern() -> re.Pattern[str]:
    names = "|".join(re.escape(name) for name in exonyms())
    # "VN-vredesmacht" holds the name "VN", "niet-Joden" the name "Joden": a hyphen may join
    # a name to a word, but a letter may not.
    return re.compile(rf"(?<!\w)(?:{names})(?!\w|-[A-Z])")


def dutch_names(nl: str) -> list[tuple[int, str]]:
    """Return (offset, word) for each name-like word of a Dutch sentence, in order."""
    found = []
    for match in _WORD.finditer(nl):
        word = match[0]
        if not word[0].isupper() or _starts(nl, match.start()):
            continue
        if word.lower() in words.FUNCTION_WORDS and not word.isupper():
            continue  # "Vrede Van Riga", "Onze-Lieve-Vrouw": a title's small words are no names
        found.append((match.start(), word))
    # The capitalised parts of hyphenated words: the "PALM" of "PALM-proef", "Nyiragongo-vulkaan".
    return [(at, w) for at, w in found if not (at > 0 and nl[at - 1] == "-" and not w[0].isupper())]


_KEY_RULES = (
    (re.compile(r"ij"), "i"),
    # Dutch spells the sounds of "Putin", "Noor", "Nour", "Soviet", "Yemen" with oe and j.
    (re.compile(r"oe|oo|ou"), "u"),
    (re.compile(r"[jy]"), "i"),
    (re.compile(r"c(?=[^h])|ck|q"), "k"),
    (re.compile(r"sch"), "sk"),
    (re.compile(r"z"), "s"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?<=[tdgk])h"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"i[ae]"), "i"),
)


@lru_cache(maxsize=8192)
def sound_key(word: str) -> str:
    """Return a spelling key that a name's Dutch and English forms share (Jeruzalem, Jerusalem)."""
    key = fold(word).lower()
    for pattern, replacement in _KEY_RULES:
        key = pattern.sub(replacement, key)
    return key


def _english_words(en: str) -> tuple[list[str], set[str], set[str]]:
    """Return the English's capitalised words inside its sentences (in order, '' for a break
    between runs of them), all its capitalised words, and its lowercase words."""
    run: list[str] = []
    lower: set[str] = set()
    capitalised: set[str] = set()
    en = fold(en)
    for match in _WORD.finditer(en):
        word = match[0]
        if "'" in word or "’" in word:
            word = word.removesuffix("'s").removesuffix("’s")
        if word[0].isupper():
            capitalised.add(word)
            if word not in words.ENGLISH_CAPITALS and not _starts(en, match.start()):
                run.append(word)
                continue
        else:
            lower.add(word)  # a small word is no name, wherever it stands
        if run and run[-1] and word not in words.CONNECTORS:
            run.append("")
    return run, capitalised, lower


def _near(a: str, b: str, limit: int = 2) -> bool:
    """Tell whether two words are within `limit` edits of each other (Levenshtein)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def missing_names(nl: str, en: str) -> list[str]:
    """Return the Dutch names that the English lost, changed or rendered word for word."""
    if nl[1:].islower() or not nl[1:].strip():
        return []  # the common case: no capital past the first letter, no name to look for
    names = dutch_names(nl)
    if not names:
        return []
    upper_run, upper, lower = _english_words(en)
    en_folded = fold(en)
    covered: set[int] = set()
    missing: list[str] = []
    for match in _exonym_pattern().finditer(nl):
        span = range(match.start(), match.end())
        if any(at in span for at, _ in names):
            covered.update(span)
            english = exonyms()[match[0]]
            if any(_holds(en_folded, fold(e)) or _holds_near(e, upper) for e in english):
                continue
            # An adjective of a place may go ("de Franse hoofdstad": "Paris"); it is changed
            # when the English names a people or a place that the Dutch does not.
            if not _DERIVED.search(match[0].lower()) or _other_demonym(nl, en_folded):
                missing.append(match[0])
    used: set[str] = set()
    unmatched: list[tuple[int, str]] = []
    keys: dict[str, str] | None = None  # built when first needed: most names match as they are
    for at, word in names:
        if at in covered:
            continue
        plain = fold(word)
        if plain in upper or plain.upper() in upper:
            used.add(plain if plain in upper else plain.upper())
            continue
        key = plain.lower()
        if key in lower and key not in words.PARTICLES:
            if key not in words.ENGLISH_NAME_WORDS:  # "Galaxy" may be "galaxy" in English
                missing.append(word)  # the name became a common word: "Stone" as "stone"
            continue
        if key in words.NAME_WORDS or _genitive(plain, upper) or _derived(plain, upper):
            continue
        # "Nobelprijs" holds the English's "Nobel", "Ecuadorean" the Dutch's "Ecuador".
        prefix = next(
            (
                w
                for w in upper
                if len(w) >= 4
                and (plain.startswith(w) or (len(plain) >= 4 and w.startswith(plain)))
            ),
            None,
        )
        if prefix is None:
            if keys is None:
                keys = {sound_key(w): w for w in upper}
            prefix = keys.get(sound_key(plain))
        if prefix is not None:
            used.add(prefix)
            continue
        unmatched.append((at, word))
    if not unmatched:
        return missing
    # A name the English changed is near a word of the English: it is missing, not translated.
    changed = [
        w
        for _, w in unmatched
        if len(w) >= 4 and any(_near(fold(w), e, 1 if len(w) < 6 else 2) for e in upper - used)
    ]
    rest = [(at, w) for at, w in unmatched if w not in changed]
    # A foreign name is the same in English ("Sara"); only a Dutch word can be translated.
    missing += [w for _, w in rest if not _DUTCH_LOOKING.search(w)]
    rest = [(at, w) for at, w in rest if _DUTCH_LOOKING.search(w)]
    # What is left looks Dutch: it was translated when the English has a capitalised word
    # to spare for it ("Onafhankelijkheidsverklaring" is "Declaration of Independence").
    spare = [w for w in upper_run if w and w not in used and not _matches_any(w, names)]
    if len(rest) > len(spare):
        missing += [w for _, w in rest]
    return missing + changed


def _holds_near(phrase: str, upper: set[str]) -> bool:
    """Tell whether the English's capitalised words hold each word of a name of several words,
    spelled another way ("World Health Organisation", "Medecins Sans Frontieres"): one letter
    off, or the same spelling key. A name of one word must be spelled as it is."""
    parts = [fold(w) for w in _WORD.findall(phrase)]
    if len(parts) < 2 or not all(w[0].isupper() for w in parts):
        return False
    return all(
        w in upper
        or any(_near(w, e, 1) for e in upper if len(e) >= 5 and abs(len(e) - len(w)) <= 1)
        or sound_key(w) in {sound_key(e) for e in upper}
        for w in parts
    )


@cache
def _demonyms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return the exonyms that are adjectives or demonyms, with their capitalised English forms."""
    return tuple(
        (dutch, tuple(fold(e) for e in english if e[0].isupper()))
        for dutch, english in exonyms().items()
        if _DERIVED.search(dutch.lower())
    )


def _other_demonym(nl: str, en_folded: str) -> bool:
    """Tell whether the English holds a demonym of the table whose Dutch the Dutch lacks."""
    return any(
        dutch not in nl and any(_holds(en_folded, e) for e in english)
        for dutch, english in _demonyms()
    )


def _matches_any(word: str, names: list[tuple[int, str]]) -> bool:
    """Tell whether an English capitalised word is one of the Dutch names, as it stands."""
    return any(fold(name) == word for _, name in names)


def _holds(text: str, phrase: str) -> bool:
    """Tell whether a text holds a phrase at the start of a word ("Paris" in "Parisians")."""
    start = text.find(phrase)
    while start >= 0:
        before = text[start - 1] if start else " "
        if not before.isalnum():
            return True
        start = text.find(phrase, start + 1)
    return False


def _genitive(word: str, upper: set[str]) -> bool:
    """Tell whether a Dutch genitive ("Carters") is the English's name ("Carter's")."""
    return len(word) > 3 and word.endswith("s") and word[:-1] in upper


def _derived(word: str, upper: set[str]) -> bool:
    """Tell whether a Dutch adjective or demonym ("Canadese") matches an English one."""
    if len(word) <= _DERIVED_PREFIX + 1 or not _DERIVED.search(word.lower()):
        return False
    prefix = word[:_DERIVED_PREFIX]
    return any(w.startswith(prefix) and w != word for w in upper)


def names_differ(nl: str, en: str) -> bool:
    """Tell whether a name of the Dutch has no counterpart in the English."""
    return bool(missing_names(nl, en))

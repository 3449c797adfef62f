"""Split Dutch news paragraphs into sentences.

Takes one paragraph of text and gives its sentences in order, each stripped of surrounding
whitespace, with every non-space character kept. One regular expression finds the candidate
ends (terminal punctuation, the quotes and brackets it closes, then whitespace); a small
decision function accepts or rejects each from the word before it and the word after it.
"""

import re

# Abbreviations that are followed by more of the same sentence even before a capital: titles
# before a name (dhr. Jansen) and abbreviated prepositions (o.a. Rusland, i.p.v. Den Haag).
NEVER_FINAL = frozenset(
    """
    dhr hr mevr mw mej mr dr drs ir ing prof em ds mgr jhr br zr st th lt kol wethr pres sen
    burg gen kapt adm sgt insp kard
    ned gebr fa prov v n o.a bijv bv vb d.w.z dwz m.b.t mbt t.o.v tov i.p.v ipv n.a.v nav
    m.u.v t.a.v t.b.v i.v.m i.s.m i.o.m o.l.v m.i.v o.b.v i.h.a i.h.b m.n z.g zgn resp vs c.q cq
    d.m.v dmv m.b.v mbv t.g.v tgv i.o.v t.h.v o.i.v m.m.v t.w.v i.c.m v.w.b i.t.t
    nl vnl ca ong ongev plm nr blz pag art afd fig afb vgl incl excl evt
    """.split()
)
# Abbreviations (and words) that can end a sentence: a capital after them starts a new one, a
# digit does not (21 nov. 2025, 3 mln. 200 duizend, tel. 020).
MAY_END = frozenset(
    """
    enz etc e.d e.a e.v e.o jl j.l a.s red jr sr chr v.chr n.chr mln mld mrd min max tel
    jan feb mrt apr jun jul aug sep sept okt nov dec ma di wo do vr za zo
    v.s v.n e.u u.s.a b.v n.v
    """.split()
)

# Opening quotes and brackets, which may stand before a word.
OPENERS = "\"'`„“‘‚«‹([{¡¿"
# A word with inner dots is an abbreviation or an address even when unlisted (t.z.t., nos.nl).
DOTTED = re.compile(r"\w+(?:\.\w+)+")
# Capitals, alone or joined by dots: initials before a surname (W. Kok, J.P. Balkenende).
INITIALS = re.compile(r"[A-ZÀ-ÖØ-Þ](?:\.[A-ZÀ-ÖØ-Þ])*")
# What may number an item at the start of a sentence: 1. 12. IV. b.
LIST_MARKER = re.compile(r"\d{1,3}|[IVXLC]+|[a-z]")

CANDIDATE = re.compile(
    r"""
    (?<!\S)(?P<word>\S*?)             # the word that carries the punctuation
    (?P<end>[.!?…]+)                  # terminal punctuation, ellipses included
    [\"'”’“‘»›)\]}]*                  # quotes and brackets it closes, attached
    (?:\s+(?P<detached>''|[\"”’»])(?=\s|$))?  # or closing quote set off by a space: ,, Ja. ''
    (?:\s+|$)
    """,
    re.VERBOSE,
)
# The first two characters of the next sentence, after opening quotes, brackets and an elided
# article ('s Avonds starts a sentence though its first letter is lowercase).
NEXT_WORD = re.compile(r"""[\s"„“‘‚«‹(\[{¡¿,]*+(?:['’`][stn][\s-]+)?['’`]*+(\S\S?)""")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences."""
    sentences: list[str] = []
    start = 0
    for match in CANDIDATE.finditer(text):
        cut = match.end()
        # A straight double quote set off by spaces closes a quote only if one is open.
        if match["detached"] == '"' and text.count('"', 0, match.start("detached")) % 2 == 0:
            cut = match.start("detached")
        following = NEXT_WORD.match(text, cut)
        if following is None:
            continue
        word, end = match["word"], match["end"]
        if end == "." and LIST_MARKER.fullmatch(word) and _opens(text, start, match.start()):
            continue  # the number of an item (1. Waarom ...?) ends no sentence
        if _ends_sentence(word, end, following[1]):
            sentences.append(text[start:cut].strip())
            start = cut
    last = text[start:].strip()
    if last:
        sentences.append(last)
    return sentences


def _opens(text: str, start: int, position: int) -> bool:
    """Tell whether only opening quotes, or a colon at the end, stand between start and position."""
    before = text[start:position].strip().strip(OPENERS)
    return not before or before.endswith((":", ";"))


def _ends_sentence(word: str, end: str, head: str) -> bool:
    """Decide whether `end` after `word`, before the next word starting `head`, ends a sentence."""
    first = head[0]
    # A lowercase word continues the sentence, unless it is a brand like iPhone or eBay.
    if first.islower() and not head[1:].isupper():
        return False
    if end != ".":
        # ?, ! and ellipses end a sentence, except in an omission mark: (...) or [...].
        return not word.endswith(("(", "["))
    bare = word.lstrip(OPENERS).rpartition("-")[2]
    # All capitals make an acronym, not an abbreviation: de VS. is no vs.
    key = "" if bare.isupper() and len(bare) > 1 and "." not in bare else bare.lower()
    if key in NEVER_FINAL:
        return False
    if INITIALS.fullmatch(bare) and key not in MAY_END:
        return False
    # Known, dotted or one-letter abbreviations end a sentence only before a capital.
    if key in MAY_END or len(key) == 1 or DOTTED.fullmatch(key):
        return first.isupper()
    return True

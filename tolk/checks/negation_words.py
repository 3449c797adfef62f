"""The words and idioms that `tolk.checks.negation` counts, Dutch and English, as regexes.

Each table is one alternation, matched case-insensitively between word boundaries; the kinds are
described in `tolk.checks.negation`. Idioms and paraphrases come before the single words they
hold, so that they match first.
"""

# Idioms that hold a negation and may render a sentence without one (either side).
DUTCH_OPTIONAL = (
    r"niet\s+(?:meer|minder|eerder|later)\s+dan|niets\s+(?:anders\s+)?dan|niemand\s+anders\s+dan|"
    r"zonder\s+(?:enige\s+)?twijfel|geen\s+twijfel|geen\s+wonder|"
    r"vergeet\s+(?:\w+\s+){0,3}niet|niet\s+(?:te\s+)?vergeten|"
    r"niet\s+in\s+de\s+laatste\s+plaats|geen\s+kwaad|"
    r"niet\s+(?:ieder|iedere|elk|elke|alle|altijd|overal|iedereen)|"
    r"(?:wel\s+)?of\s+niet"
)
ENGLISH_OPTIONAL = (
    r"never\s+(?:\w+\s+){0,2}before|"
    r"(?:nothing|no\s+one|nobody|none)\s+(?:else|but|except|other\s+than|more\s+than|less\s+than)|"
    r"(?:nothing|no\s+one|nobody|none)\s+(?:\w+\s+){1,3}?(?:else|except|other\s+than)|"
    r"no\s+(?:more|less|fewer|later|sooner)\s+(?:\w+\s+)?than|none\s+other\s+than|"
    r"(?:not|never)\s+(?:[\w'’-]+\s+){0,4}?until|no\s+matter|(?:little|few)\s+or\s+no|"
    r"whether\s+or\s+not|or\s+not|no\s+doubt|without\s+(?:a\s+)?doubt|"
    r"(?:do\s+not|don['’]t|never)\s+forget|not\s+least|not\s+unlike|no\s+wonder|"
    r"not\s+to\s+mention|can(?:not|['’]t)\s+help|"
    r"not\s+(?:every|all|always|everyone|everybody|everywhere)"
)
# Paraphrases, one negation each, then the plain negations.
DUTCH_PLAIN = (
    r"geen\s+enkele?|niet\s+meer|nog\s+niet|niet\s+(?:alleen|enkel|slechts|louter)|"
    r"meer\s+dan\s+(?:alleen|enkel|slechts|louter|zomaar)|"
    r"niet(?!-[^\W\d_])|geen|nooit|niemand|niets|niks|nergens|noch|zonder|nee|nimmer"
)
ENGLISH_PLAIN = (
    r"not\s+a\s+single|no\s+longer|not\s+yet|"
    r"(?<=\bhas\s)yet\s+to|(?<=\bhave\s)yet\s+to|(?<=\bhad\s)yet\s+to|(?<=\bis\s)yet\s+to|"
    r"(?<=\bare\s)yet\s+to|(?<=\bwas\s)yet\s+to|(?<=\bwere\s)yet\s+to|"
    r"not\s+(?:only|just|merely|simply)|more\s+than\s+(?:just|only|merely|simply)|no\s+one|"
    r"no-one|not|never|nobody|nothing|none|nowhere|without|neither|nor|cannot|"
    r"no(?!\.\s*\d)"  # "no" but not "No. 5", a number sign
)
# Words that mean "not" by their sense: one negation each.
DUTCH_LEXICAL = (
    r"weiger\w*|geweigerd\w*|ontbr[ae]\w*|gebrek\w*|ontken\w*|verbod\w*|verbied\w*|verbood\w*|"
    r"verboden|afwezig\w*|tenzij|tekort\w*|mislukt\w*|mislukking\w*|mislukken|faal\w*|falen|"
    r"gefaald"
)
ENGLISH_LEXICAL = (
    r"unable|inability|incapable|fail\w*|refus\w*|declin(?:e|es|ed|ing)\s+(?:to|[a-z]+ing)|"
    r"den(?:y|ies|ied|ial)|lack\w*|absen\w*|shortage\w*|short\s+of|unless|ban|bans|banned|"
    r"banning|prohibit\w*|reject\w*|zero|free\s+(?:of|from)|"
    r"forb[ia]d\w*"
)
# Words negated by their form. Dutch on- + a word ("onmogelijk", "onbekend"), but not the on-
# that is no prefix ("onder", "ontstaan", "ons", "ongeveer") nor words whose sense is no
# negation ("ongeluk" is an accident, "ongelooflijk" and "ontzettend" mean very, "ongetwijfeld"
# certainly); niet-X is counted as a plain "niet".
DUTCH_FORM = (
    r"on(?!der|t|s\b|ze\b|line|e\b|geveer|danks|geval|geluk|gedierte|weer|zin|geloof|getwijfeld|"
    r"geacht|langs)[^\W\d_]{4,}|niet-[^\W\d_]+"
)
DUTCH_LESS = r"(?<!tal)lo(?:os|ze|osheid)"  # after three letters at least: "eindeloos"
DUTCH_LATIN = (
    r"in(?:actie\w*|accura\w*|adequa\w*|competen\w*|complee?t\w*|consisten\w*|correct\w*|"
    r"direct\w*|effectie\w*|efficiën\w*|formee?l\w*|stabie?l\w*|toleran\w*|valide)|"
    r"il(?:legaa?l\w*|legitie?m\w*|logisch\w*)|ir(?:relevan\w*|rationee?l\w*|regulie?r\w*)|"
    r"im(?:moree?l\w*|populai?r\w*|mobie?l\w*|perfect\w*|potent\w*)"
)
# English un- + a word, but not the un- of "under", "union", "unit", "until", nor the un- that
# undoes a verb ("unveiled", "uncover") or whose sense is no negation ("unfortunately").
ENGLISH_FORM = (
    r"(?-i:[Uu]n(?!der|i[ftoqvcs]|til|to\b|cle|anim|veil|cover|leash|load|lock|pack|fold|ravel|"
    r"wind|do|fortunat|believab|less\b)[a-z]{3,})|"
    r"non-?(?!e\b|etheless|sense)[a-z]{3,}"
)
ENGLISH_LESS = r"(?<!regard)(?<!neverthe)(?<!nonethe)(?<!count)(?<!need)less"  # "endless"
ENGLISH_LATIN = (
    r"in(?:abilit\w*|accessib\w*|accura\w*|active\w*|adequa\w*|appropria\w*|capab\w*|"
    r"competen\w*|complete\w*|conclusive\w*|consisten\w*|convenien\w*|correct\w*|curab\w*|"
    r"decisi\w*|definite\w*|dependen\w*|direct\w*|effective\w*|efficien\w*|eligib\w*|"
    r"equalit\w*|evitab\w*|exact\w*|experience\w*|finite\w*|flexib\w*|formal\w*|frequen\w*|"
    r"human\w*|justice\w*|sane\w*|secur\w*|sensitiv\w*|significan\w*|sincer\w*|stabil\w*|"
    r"sufficien\w*|toleran\w*|valid\w*|visib\w*|vulnerab\w*)|"
    r"im(?:balance\w*|matur\w*|measurab\w*|mobil\w*|moral\w*|mortal\w*|partial\w*|patien\w*|"
    r"perfect\w*|plausib\w*|polite\w*|possib\w*|practical\w*|precise\w*|probab\w*|proper\w*)|"
    r"il(?:legal\w*|legib\w*|legitima\w*|litera\w*|logical\w*)|"
    r"ir(?:rational\w*|recoverab\w*|regular\w*|relevan\w*|replaceab\w*|resistib\w*|"
    r"responsib\w*|reversib\w*|reparab\w*)"
)
# Words that can stand for a negation or not, by sense: a Dutch and an English one of the same
# sense translate each other, and then neither counts. One that has no partner on the other side
# may stand for a negation there ("spare"), must ("count"), or only partners the other ("none").
SENSES: dict[str, tuple[str, str, str, str]] = {
    "instead": (
        r"in\s+plaats\s+(?:van|daarvan)",
        r"instead|rather\s+than|in\s+place\s+of|in\s+lieu\s+of|as\s+opposed\s+to",
        "count",
        "spare",
    ),
    "rarely": (
        r"zelden|nauwelijks|amper|weinig",
        r"rarely|seldom|hardly|barely|scarcely|(?<!\ba\s)(?<!quite\s)few|fewer|very\s+little",
        "spare",
        "spare",
    ),
    "prevent": (
        r"voorkom\w*\s+dat|te\s+voorkomen|voorkwam\w*|verhinder\w*|vermijd\w*|vermeden|"
        r"tegengehouden|tegen\s+te\s+houden|weerhoud\w*|negeer\w*|genegeerd|negeren|"
        r"verwaarloos\w*|beletten|belet",
        r"prevent\w*|avoid\w*|ceas\w*|quit(?:s|ting|ted)?|halt\w*|ignor\w*|neglect\w*|"
        r"abandon\w*|hinder\w*|avert\w*|(?:keep|keeps|kept)\s+\w+\s+from",
        "spare",
        "spare",
    ),
    "stop": (r"stop\w*|gestopt|ophoud\w*|opgeven|opgegeven", r"stop\w*", "none", "spare"),
    "die": (
        r"overleden|overleed|overlijd\w*|stierf|stierven|sterf\w*|sterven|gestorven|dood|doden|"
        r"gedood|omgekomen|om\s+het\s+leven|omkw[aw]m\w*|fataal|dodelijk\w*",
        r"die|died|dies|dying|dead|death\w*|kill\w*|perish\w*|fatal\w*|lost\s+(?:their|his|her)\s+"
        r"lives?",
        "none",
        "spare",
    ),
}

import pytest

from tolk.compose import segment
from tolk.intake.text import find_articles, read_article
from tolk.records import SentencePair
from tolk.summarize import KeyPointSettings, content_words, pick_key_points, summarize


def pairs_of(sentences, kinds=None):
    """Pair Dutch sentences with a stand-in English text (a unit test of scoring, not MT)."""
    kinds = kinds or ["body"] * len(sentences)
    return [
        SentencePair("a", i, i, kind, nl, f"EN {i}: {nl}")
        for i, (nl, kind) in enumerate(zip(sentences, kinds, strict=True))
    ]


ARTICLE = [
    "Rusland stuurt militairen naar Venezuela om het regime van Maduro te steunen.",
    "Het weer in Caracas was zaterdag zonnig en warm voor de tijd van het jaar.",
    "De Russische militairen landden met twee toestellen op de luchthaven van Caracas.",
    "Washington noemt de komst van de Russische militairen naar Venezuela een escalatie.",
    "Een bakker in Valencia verkoopt sinds kort broodjes met avocado.",
    "Moskou zegt dat de militairen Venezuela helpen met Russisch materieel.",
    "De Verenigde Staten eisen dat Rusland de militairen uit Venezuela terugtrekt.",
    "Een voetbalclub uit de hoofdstad won gisteren met twee tegen nul.",
]


def test_key_points_are_the_central_sentences_in_article_order():
    key_points, summary = summarize(pairs_of(ARTICLE))
    chosen = [k.position for k in key_points]
    assert chosen == sorted(chosen)
    assert 3 <= len(chosen) <= 5
    # The off-topic sentences (weather, bakery, football) are never central.
    assert not {1, 4, 7} & set(chosen)
    assert all(k.en == f"EN {k.position}: {k.nl}" for k in key_points)
    assert summary.startswith(key_points[0].en) or summary.startswith(key_points[1].en)


def test_summary_is_made_only_of_key_point_translations():
    key_points, summary = summarize(pairs_of(ARTICLE))
    english = {k.en for k in key_points}
    rest = summary
    for sentence in sorted(english, key=len, reverse=True):
        rest = rest.replace(sentence, "")
    assert rest.strip() == ""
    assert summary.strip()


def test_choice_is_made_on_the_dutch_not_the_english():
    pairs = pairs_of(ARTICLE)
    garbled = [SentencePair(**{**p.__dict__, "en": "x " * (i + 1)}) for i, p in enumerate(pairs)]
    assert [k.position for k in summarize(pairs)[0]] == [k.position for k in summarize(garbled)[0]]


def test_headings_captions_and_short_lines_are_not_key_points():
    sentences = ARTICLE + [
        "Russische militairen in Venezuela",
        "Russische militairen Venezuela Beeld AFP",
    ]
    kinds = ["body"] * len(ARTICLE) + ["heading", "caption"]
    chosen = {p.sentence_index for p in pick_key_points(pairs_of(sentences, kinds))}
    assert not chosen & {len(ARTICLE), len(ARTICLE) + 1}


def test_near_duplicates_are_not_both_chosen():
    sentences = ARTICLE + [ARTICLE[0].replace("om het", "om het wankele")]
    chosen = {p.sentence_index for p in pick_key_points(pairs_of(sentences))}
    assert not {0, len(ARTICLE)} <= chosen


@pytest.mark.parametrize(
    ("candidates", "settings", "expected"),
    [
        (40, KeyPointSettings(), 5),
        (24, KeyPointSettings(), 3),
        (2, KeyPointSettings(), 2),
        (40, KeyPointSettings(minimum=1, maximum=2), 2),
        (100, KeyPointSettings(minimum=4, maximum=4), 4),
    ],
)
def test_key_point_count(candidates, settings, expected):
    assert settings.count(candidates) == expected


def test_article_of_only_headings_still_gets_key_points():
    pairs = pairs_of(["Kremlin", "Speciale eenheden"], ["heading", "heading"])
    key_points, summary = summarize(pairs)
    assert [k.nl for k in key_points] == ["Kremlin", "Speciale eenheden"]
    assert summary


def test_stop_words_are_not_content():
    assert content_words("De VS en het Kremlin zijn het niet eens over olie.") == [
        "vs",
        "kremlin",
        "olie",
    ]


def test_seed_articles_get_three_to_five_key_points(seed_dir):
    for path in find_articles(seed_dir):
        pairs = segment(read_article(path))
        key_points, _ = summarize(
            pairs_of([p.nl for p in pairs], [p.paragraph_kind for p in pairs])
        )
        assert 3 <= len(key_points) <= 5, path.name

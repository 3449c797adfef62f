"""Tests for the flags of issue 16: Dutch times and amounts in words, names and negations.

A hand-written table of Dutch sentences with right and wrong English for the time and amount
words (`numbers`), then names (`names`) and negations (`negation`), each as a pure function.
"""

import pytest

from tolk.checks.flags import flag_pair, numbers_differ
from tolk.checks.names import missing_names, names_differ
from tolk.checks.negation import negation_differs, negations, ranges
from tolk.testing.corruptions import corrupt, flores_pairs

# (Dutch, English, whether the numbers flag fires)
TIMES_AND_AMOUNTS = [
    ("De winkel sluit om half zes.", "The shop closes at 5:30.", False),
    ("De winkel sluit om half zes.", "The shop closes at half past five.", False),
    ("De winkel sluit om half zes.", "The shop closes at 5.30 pm.", False),
    ("De winkel sluit om half zes.", "The shop closes at 17:30.", False),
    ("De winkel sluit om half zes.", "The shop closes at half past six.", True),
    ("De winkel sluit om half zes.", "The shop closes at 6:30.", True),
    ("De winkel sluit om half zes.", "The shop closes at half six.", True),
    ("De winkel sluit om half zes.", "The shop closes in the evening.", True),
    ("Om half een was het stil.", "At 12:30 it was quiet.", False),
    ("Om half een was het stil.", "At 1:30 it was quiet.", True),
    ("Om half 9 begint de les.", "The lesson starts at 8:30.", False),
    ("Om half 9 begint de les.", "The lesson starts at 9:30.", True),
    ("Om half twaalf landde het toestel.", "The plane landed at 11:30.", False),
    ("Om half twaalf landde het toestel.", "The plane landed at half past eleven.", False),
    ("Om half twaalf landde het toestel.", "The plane landed at half past twelve.", True),
    ("Hij kwam om kwart voor acht.", "He came at a quarter to eight.", False),
    ("Hij kwam om kwart voor acht.", "He came at 7:45.", False),
    ("Hij kwam om kwart voor acht.", "He came at 7.45 pm.", False),
    ("Hij kwam om kwart voor acht.", "He came at 8:45.", True),
    ("Hij kwam om kwart voor acht.", "He came at a quarter past eight.", True),
    ("De trein vertrekt om kwart over drie.", "The train leaves at a quarter past three.", False),
    ("De trein vertrekt om kwart over drie.", "The train leaves at 3:15.", False),
    ("De trein vertrekt om kwart over drie.", "The train leaves at 15:15.", False),
    ("De trein vertrekt om kwart over drie.", "The train leaves at 2:45.", True),
    ("De trein vertrekt om kwart over drie.", "The train leaves at 3:45.", True),
    ("Over vier jaar zijn er verkiezingen.", "In four years there will be elections.", False),
    ("Over vier jaar zijn er verkiezingen.", "There will be elections in 4 years.", False),
    ("Over vier jaar zijn er verkiezingen.", "Four years from now there are elections.", False),
    ("Over vier jaar zijn er verkiezingen.", "Over four years there will be elections.", True),
    ("Over vier jaar zijn er verkiezingen.", "Four years ago there were elections.", True),
    ("Het bedrijf gaat over twee weken open.", "The company opens in two weeks.", False),
    ("Het bedrijf gaat over twee weken open.", "The company opens over two weeks.", True),
    ("Het duurde anderhalf jaar.", "It took a year and a half.", False),
    ("Het duurde anderhalf jaar.", "It took one and a half years.", False),
    ("Het duurde anderhalf jaar.", "It took 1.5 years.", False),
    ("Het duurde anderhalf jaar.", "It took a year.", True),
    ("Het duurde anderhalf jaar.", "It took two years.", True),
    ("De subsidie bedraagt een ton.", "The subsidy amounts to 100,000 euros.", False),
    ("De subsidie bedraagt een ton.", "The subsidy is €100,000.", False),
    ("De subsidie bedraagt een ton.", "The subsidy is a hundred thousand euros.", False),
    ("De subsidie bedraagt een ton.", "The subsidy amounts to one ton.", True),
    ("De boete was twee ton.", "The fine was 200,000 euros.", False),
    ("De boete was twee ton.", "The fine was two tons.", True),
    ("Er lag drie ton staal op de kade.", "Three tonnes of steel lay on the quay.", False),
    ("Tientallen mensen raakten gewond.", "Dozens of people were injured.", False),
    ("Tientallen mensen raakten gewond.", "Tens of people were injured.", False),
    ("Tientallen mensen raakten gewond.", "Hundreds of people were injured.", True),
    ("Tientallen mensen raakten gewond.", "Ten people were injured.", True),
    ("Honderden huizen zijn verwoest.", "Hundreds of houses were destroyed.", False),
    ("Honderden huizen zijn verwoest.", "Thousands of houses were destroyed.", True),
    ("Honderden huizen zijn verwoest.", "A hundred houses were destroyed.", True),
    ("Duizenden mensen demonstreerden.", "Thousands of people demonstrated.", False),
    ("Duizenden mensen demonstreerden.", "Hundreds of people demonstrated.", True),
    ("Miljoenen mensen keken.", "Millions of people watched.", False),
    ("Miljoenen mensen keken.", "Thousands of people watched.", True),
    ("De schuld is een biljoen euro.", "The debt is a trillion euros.", False),
    ("De schuld is een biljoen euro.", "The debt is one trillion euros.", False),
    ("De schuld is een biljoen euro.", "The debt is a billion euros.", True),
    ("De schuld is 2 biljoen euro.", "The debt is 2 trillion euros.", False),
    ("De schuld is 2 biljoen euro.", "The debt is 2 billion euros.", True),
    ("Het kabinet trekt een miljard uit.", "The cabinet allocates a billion.", False),
    ("Het kabinet trekt een miljard uit.", "The cabinet allocates €1bn.", False),
    ("Het kabinet trekt een miljard uit.", "The cabinet allocates a million.", True),
    ("Het kost 1,5 miljard euro.", "It costs 1.5 billion euros.", False),
    ("Het kost 1,5 miljard euro.", "It costs 1.5 million euros.", True),
    ("Er wonen twee miljoen mensen.", "Two million people live there.", False),
    ("Er wonen twee miljoen mensen.", "Two billion people live there.", True),
]


@pytest.mark.parametrize("nl, en, expected", TIMES_AND_AMOUNTS)
def test_dutch_times_and_amounts_in_words(nl, en, expected):
    assert numbers_differ(nl, en) is expected


def test_the_time_and_amount_table_has_50_pairs_right_and_wrong():
    assert len(TIMES_AND_AMOUNTS) >= 50
    assert {e for _, _, e in TIMES_AND_AMOUNTS} == {True, False}


NAMES = [
    ("Dat zei Jamie Siminoff, de CEO van Ring.", "Jamie Siminoff, Ring's CEO, said so.", False),
    ("Dat zei Jamie Siminoff, de CEO van Ring.", "Jamie Siminoff, the CEO, said so.", True),
    ("Dat zei Jamie Siminoff, de CEO van Ring.", "Jamie Simonoff, Ring's CEO, said so.", True),
    ("Dat zei Jamie Siminoff, de CEO van Ring.", "Jamie Siminoff, the ring's CEO, said so.", True),
    ("Gosling en Stone werden genomineerd.", "Gosling and Stone were nominated.", False),
    ("Gosling en Stone werden genomineerd.", "Gosling and stone were nominated.", True),
    ("Gosling en Stone werden genomineerd.", "Gosling was nominated.", True),
    # Exonyms, adjectives of names, Dutch particles, genitives, accents.
    (
        "Volgens Poetin is de oorlog in Oekraïne voorbij.",
        "Putin says the war in Ukraine is over.",
        False,
    ),
    (
        "Volgens Poetin is de oorlog in Oekraïne voorbij.",
        "He says the war in Ukraine is over.",
        True,
    ),
    ("De top is in Den Haag.", "The summit is in The Hague.", False),
    ("De top is in Den Haag.", "The summit is in the capital.", True),
    ("Hij reisde naar Zuid-Afrika en de VS.", "He travelled to South Africa and the US.", False),
    ("Het Canadese leger rukte op.", "The Canadian army advanced.", False),
    ("Volgens Peter van der Berg klopt het.", "According to Peter van der Berg it is true.", False),
    ("Volgens Peter van der Berg klopt het.", "According to Peter it is true.", True),
    ("Dat was de keuze van Carters regering.", "That was Carter's government's choice.", False),
    ("Het kamp van Juan Guaidó.", "Juan Guaido's camp.", False),
    # Either apostrophe, and the Dutch ij written as one letter, spell the same name.
    ("Het paleis staat in Xi'an.", "The palace is in Xi’an.", False),
    ("Het paleis staat in Xi’an.", "The palace is in Xi'an.", False),
    ("Het paleis staat in Xi’an.", "The palace is in Xian'an.", True),
    ("Hij woonde in de Noordelĳke Marianen.", "He lived in the Northern Marianas.", False),
    ("Hij woonde in de Noordelijke Marianen.", "He lived in the Northern Marianas.", False),
    ("Hij werkte voor John F. Kennedy.", "He worked for John F. Kennedy.", False),
    ("Hij werkte voor John F. Kennedy.", "He worked for John Kennedy.", True),
    ("Hij woont in Amsterdam.", "He lives in Amsterdam.", False),
    ("Het water is warm.", "The water is warm.", False),
    # A title's small words are no names; words capitalised in names are translated with them.
    ("Het heette de Vrede Van Riga.", "It was called the Riga Peace Treaty.", False),
    (
        "Bezoek het Heiligdom van Onze-Lieve-Vrouw van Fatima.",
        "Visit the Sanctuary of Our Lady of Fatima.",
        False,
    ),
    ("Hij vocht in de Tweede Wereldoorlog.", "He fought in World War 2.", False),
    # An adjective of a place may go; it is changed when the English names another people.
    ("Ze reden terug naar de Franse hoofdstad.", "They drove back to Paris.", False),
    ("Ze vonden de tas van de Zweedse vrouw.", "They found the Swiss woman's bag.", True),
    # A name of several words spelled another way; Dutch spellings of foreign sounds.
    ("Dat zegt de Wereldgezondheidsorganisatie.", "The World Health Organisation says so.", False),
    ("Hij reisde naar Jemen.", "He travelled to Yemen.", False),
    ("De grot ligt op de berg Noer.", "The cave is on Mount Noor.", False),
    ("De grot ligt op de berg Noer.", "The cave is on Mount Nour.", False),
    ("De grot ligt op de berg Noer.", "The cave is on Mount Nier.", True),
    # English words capitalised in a name may be written small in English; a name may not.
    (
        "Het programma simuleert het Sagittarius Galaxy.",
        "The program simulates the Sagittarius galaxy.",
        False,
    ),
    (
        "Het programma simuleert het Sagittarius Galaxy.",
        "The program simulates the sagittarius galaxy.",
        True,
    ),
    # A Dutch word (a superlative) is translated when the English has a name to spare for it.
    (
        "Hij zag de Middelste grondvink en een Darwinvink.",
        "He saw Geospiza fortis and a Darwin finch.",
        False,
    ),
]


@pytest.mark.parametrize("nl, en, expected", NAMES)
def test_names(nl, en, expected):
    assert names_differ(nl, en) is expected


def test_missing_names_says_which():
    assert missing_names("Dat zei Jamie Siminoff.", "Jamie said so.") == ["Siminoff"]


NEGATIONS = [
    ("Hij kwam niet.", "He did not come.", False),
    ("Hij kwam niet.", "He didn't come.", False),
    ("Hij kwam niet.", "He came.", True),
    ("Hij kwam.", "He did not come.", True),
    ("Er is geen enkele kans.", "There is not a single chance.", False),
    ("Er is geen enkele kans.", "There is a chance.", True),
    ("Hij woont er niet meer.", "He no longer lives there.", False),
    ("Hij woont er niet meer.", "He still lives there.", True),
    ("Niemand weet het.", "Nobody knows.", False),
    ("Niemand weet het.", "No one knows.", False),
    ("Niemand weet het.", "Everybody knows.", True),
    ("Ze vertrokken zonder afscheid.", "They left without saying goodbye.", False),
    ("Ze vertrokken zonder afscheid.", "They left saying goodbye.", True),
    ("Hij kon haar niet bereiken.", "He was unable to reach her.", False),
    ("Het panel wilde niet financieren.", "The panel declined funding it.", False),
    ("Het panel wilde niet financieren.", "The panel wanted funding it.", True),
    ("Dat heb ik nooit gezegd.", "I never said that.", False),
    ("Dat heb ik nooit gezegd.", "I always said that.", True),
    # Paraphrases count once on both sides, or on neither.
    ("Hij is nog niet thuis.", "He has yet to come home.", False),
    ("Hij is nog niet thuis.", "He has come home.", True),
    ("Het gaat om meer dan alleen geld.", "It is not just about money.", False),
    ("Het gaat om meer dan alleen geld.", "It is just about money.", True),
    ("Niet alleen Jan, maar ook Piet kwam.", "Not only Jan but also Piet came.", False),
    ("Niet alleen Jan, maar ook Piet kwam.", "Only Jan but also Piet came.", True),
    # One negation over a list; a "nor" that continues none is none.
    ("Ze hadden geen maïs, tomaten of cacao.", "They had no corn, nor tomatoes, nor cocoa.", False),
    ("Ze hadden geen maïs, tomaten of cacao.", "They had corn, nor tomatoes, nor cocoa.", True),
    ("Niets of niemand kon ontsnappen.", "Nothing could escape.", False),
    ("Hij kwam niet en zij belde ook niet.", "He did not come, nor did she call.", False),
    # Words negated by their form, or meaning "not".
    ("De muizen hebben geen diabetes.", "The mice are non-diabetic.", False),
    ("Het was onmogelijk.", "It was impossible.", False),
    ("Het was onmogelijk.", "It was not possible.", False),
    ("De pogingen hadden geen succes.", "The efforts were unsuccessful.", False),
    ("Hij heeft geen huis.", "He is homeless.", False),
    ("Hij is dakloos.", "He is homeless.", False),
    ("Hij is niet onbelangrijk.", "He is important.", False),
    ("Hij wilde niet komen.", "He refused to come.", False),
    ("Hij weigerde te komen.", "He did not want to come.", False),
    ("Het vliegtuig mocht niet landen.", "The plane was denied a landing.", False),
    ("Er is een gebrek aan water.", "There is no water.", False),
    ("Er is een gebrek aan water en geen eten.", "There is a lack of water and food.", True),
    # Words of a sense that is often a negation in the other language.
    ("Haaien vallen zelden mensen aan.", "Sharks do not often attack humans.", False),
    ("Haaien vallen zelden aan en zijn niet bang.", "Sharks rarely attack and are afraid.", True),
    ("De 168 inzittenden overleefden het niet.", "All 168 on board were killed.", False),
    (
        "Reis via het bureau in plaats van het hotel.",
        "Book through the agent, not the hotel.",
        False,
    ),
    (
        "Reis via het bureau in plaats van het hotel.",
        "Book through the agent, instead of the hotel.",
        False,
    ),
    ("Reis via het bureau in plaats van het hotel.", "Book through the agent and the hotel.", True),
    # Idioms that may be said without a negation.
    ("Het enige dat telt is geld.", "Nothing but money counts.", False),
    ("Vergeet niet je paspoort mee te nemen.", "Remember to bring your passport.", False),
    ("Niet ieder filter werkt even goed.", "Filters vary in how well they work.", False),
    # A negation in a name, or in a name the English keeps as it is, negates nothing.
    ("Artsen zonder Grenzen hielp.", "Doctors Without Borders helped.", False),
    ("Hij sprak in Independence Hall.", "He spoke in Independence Hall.", False),
]


@pytest.mark.parametrize("nl, en, expected", NEGATIONS)
def test_negation(nl, en, expected):
    assert negation_differs(nl, en) is expected


def test_negations_gives_a_range():
    assert negations("Hij kwam niet.", "nl") == (1, 1)
    assert negations("It is nothing but rain.", "en") == (0, 1)  # "nothing but" is "only"
    assert negations("Haaien vallen zelden aan.", "nl") == (0, 1)  # "zelden": "not often"


def test_negation_decides_quickly_as_it_would_slowly():
    # The quick count (plain negations only) must never hide a difference the whole one sees.
    pairs = flores_pairs()
    broken = [
        (nl, en)
        for name in ("drop a negation", "add a negation")
        for _, nl, en in corrupt(pairs, name)
    ]
    for nl, en in pairs + broken:
        (nl_low, nl_high), (en_low, en_high) = ranges(nl, en)
        assert negation_differs(nl, en) is (nl_high < en_low or en_high < nl_low)


def test_flag_pair_raises_the_new_flags():
    assert flag_pair("Toen kwam Poetin niet om half zes.", "Putin came at 5:30.") == ("negation",)
    assert flag_pair("Toen kwam Poetin niet om half zes.", "He did not come at 6:30.") == (
        "numbers",
        "names",
    )


def test_every_flag_has_a_plain_reason_on_the_pages():
    from tolk.checks.flags import FLAGS
    from tolk.views.html import FLAG_REASONS, flag_title
    from tolk.views.markdown import mark

    assert set(FLAG_REASONS) == set(FLAGS)
    title = flag_title(("names", "negation", "glossary"))
    assert "a name in the Dutch is missing, changed or translated" in title
    assert "it may say the opposite" in title and "a term of your glossary" in title
    assert mark(("names", "negation")) == " ⚠ *names, negation*"

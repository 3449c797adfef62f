"""Article ids: safe as file names, stable, unique within a run."""

from __future__ import annotations

import re

import pytest

from tolk.errors import DuplicateArticleId
from tolk.intake.ids import IdRegistry, is_safe_id, make_id, short_hash, url_id

IDS = [
    ("000_7dc7328cd6857435", "000_7dc7328cd6857435"),
    ("UPPER", "UPPER"),
    ("artikel-1.v2", "artikel-1.v2"),
    ("Één café (1)", f"een-cafe-1-{short_hash('Één café (1)')}"),
    (".verborgen", f"verborgen-{short_hash('.verborgen')}"),
    ("..", f"article-{short_hash('..')}"),
    ("a/b", f"a-b-{short_hash('a/b')}"),
    ("eindpunt.", f"eindpunt-{short_hash('eindpunt.')}"),
    ("x" * 200, f"{'x' * 60}-{short_hash('x' * 200)}"),
    ("CON:", f"con-{short_hash('CON:')}"),
]


@pytest.mark.parametrize(("name", "expected"), IDS)
def test_make_id(name, expected):
    made = make_id(name)
    assert made == expected
    assert is_safe_id(made)


def test_url_ids_are_readable_stable_and_distinct():
    first = url_id("https://www.nieuws.example/buitenland/venezuela-2019.html")
    assert re.fullmatch(r"nieuws-example-buitenland-venezuela-2019-[0-9a-f]{10}", first)
    assert first == url_id("https://www.nieuws.example/buitenland/venezuela-2019.html")
    # Tracking parameters and fragments do not make another page; other parameters do.
    assert first == url_id(
        "https://WWW.nieuws.example/buitenland/venezuela-2019.html?utm_source=rss&fbclid=x#top"
    )
    assert first != url_id("https://www.nieuws.example/buitenland/venezuela-2019.html?p=2")
    assert is_safe_id(url_id("https://例え.jp/" + "ä" * 300))


def test_a_taken_id_is_refused_naming_both_sources():
    registry = IdRegistry()
    registry.claim("a", "in/a.txt")
    registry.claim("a", "in/a.txt")  # the same source again is no clash
    with pytest.raises(DuplicateArticleId) as error:
        registry.claim("A", "tabel.csv#row 3")
    assert str(error.value) == (
        "tabel.csv#row 3: gives the article id 'A', which in/a.txt already has; rename one of "
        "them (or give a table an id column) so each article has its own id"
    )
    assert registry.owner("a") == "in/a.txt"

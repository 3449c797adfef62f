"""The page archive: compressed, atomic, keyed by URL."""

from __future__ import annotations

import gzip
import json

import pytest

from tolk.intake.archive import PageArchive
from tolk.intake.fetch_terms import Fetched

URL = "https://hetnieuws.example/nieuws/a.html"
BODY = b"<html><body><p>Een artikel over Caracas.</p></body></html>" * 200


def fetched(url: str = URL, body: bytes = BODY) -> Fetched:
    return Fetched(
        url=url,
        final_url=url + "?ref=1",
        status=200,
        content_type="text/html; charset=utf-8",
        etag='"abc"',
        last_modified="Tue, 02 Dec 2025 09:00:00 GMT",
        fetched_at="2025-12-02T09:00:00+00:00",
        body=body,
    )


@pytest.fixture
def archive(tmp_path) -> PageArchive:
    """Give an empty archive."""
    return PageArchive(tmp_path / "archive")


def test_a_page_comes_back_as_it_was_stored(archive):
    path = archive.put(fetched())
    assert archive.get(URL) == fetched()
    assert archive.get(URL + "#reacties") == fetched()  # the fragment is not part of the page
    assert archive.get(URL, "feed") is None  # feeds are kept apart
    assert archive.get("https://hetnieuws.example/nieuws/b.html") is None
    assert path.parent.parent == archive.root / "pages"
    assert path.name.endswith(".gz") and "hetnieuws" not in path.name
    assert path.stat().st_size < len(BODY) / 10  # compressed
    with gzip.open(path) as file:
        meta = json.loads(file.readline())
    assert meta["etag"] == '"abc"' and meta["final_url"] == URL + "?ref=1"


def test_a_newer_copy_replaces_the_old_one_atomically(archive):
    archive.put(fetched(body=b"oud"))
    archive.put(fetched(body=b"nieuw"))
    assert archive.get(URL).body == b"nieuw"
    assert [p.name for p in archive.root.rglob(".*")] == []  # no temporary files left


@pytest.mark.parametrize(
    "damage",
    [b"not gzip at all", gzip.compress(b"{not json\nbody"), b""],
    ids=["not-gzip", "not-json", "empty"],
)
def test_a_damaged_copy_counts_as_missing(archive, damage):
    archive.put(fetched()).write_bytes(damage)
    assert archive.get(URL) is None


def test_a_copy_whose_body_changed_counts_as_missing(archive):
    path = archive.put(fetched())
    with gzip.open(path) as file:
        meta = file.readline()
    path.write_bytes(gzip.compress(meta + b"ander"))
    assert archive.get(URL) is None

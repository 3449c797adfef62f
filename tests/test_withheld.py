"""Why an article has no summary is decided once, by the summarizer's rule, and every view says
the same: the Markdown page and index, the HTML page and index, and the feeds.

A stand-in translator is fine here (these are unit tests of the writers): it copies the Dutch
of long sentences (flagged `copy`) and gives nothing for short ones (flagged `empty`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from tolk.compose import build_digests, make_signature
from tolk.intake.text import parse
from tolk.models.store import ModelInfo
from tolk.records import WITHHELD_FLAGGED, WITHHELD_SHORT, Article, withheld_reason
from tolk.settings import Settings
from tolk.store.rows import article_row, digest_from_rows, sentence_rows
from tolk.translate import TranslatorSpec
from tolk.translate.base import Translator
from tolk.translate.repair import Decoded
from tolk.views.feed import summary_text
from tolk.views.html import NO_SUMMARY, WITHHELD, render_article_html, render_site_index
from tolk.views.indexes import render_index
from tolk.views.markdown import render_article


class Parrot(Translator):
    """Copies sentences of five words or more, and gives nothing for shorter ones."""

    backend, compute_type, device, max_input_tokens = "test", "none", "cpu", 100

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        return [Decoded(t if len(t.split()) >= 5 else "", -0.5, False, 3) for t in texts]


INFO = ModelInfo(None, "m", "r", "torch", default_beams=4, max_input_tokens=100)
SIGNATURE = make_signature(INFO, TranslatorSpec(device="cpu"), Settings())
TEXTS = {
    # Key points exist (long body sentences), and every one is flagged: withheld.
    "flagged": "De minister van Financiën sprak gisteren in Den Haag over de begroting. "
    "Het kabinet wil volgend jaar meer geld uitgeven aan de zorg en het onderwijs.",
    # No sentence holds a word to summarize by (only function words), and one is flagged (its
    # English came out empty): no summary, not withheld.
    "short": "En toen?",
}


@pytest.fixture(scope="module")
def digests():
    articles = [
        Article(name, f"in/{name}.txt", "0" * 64, "2025-11", tuple(parse(text)[1]))
        for name, text in TEXTS.items()
    ]
    built, failures = build_digests(articles, Parrot(), SIGNATURE)
    assert failures == []
    return {d.article.id: d for d in built}


def test_the_reason_follows_the_summarizer_s_rule(digests):
    flagged, short = digests["flagged"], digests["short"]
    assert flagged.key_points and all(k.flags for k in flagged.key_points)
    assert not short.key_points and short.n_flagged == 1
    assert (flagged.summary_en, flagged.summary_withheld) == ("", WITHHELD_FLAGGED)
    assert (short.summary_en, short.summary_withheld) == ("", WITHHELD_SHORT)
    assert withheld_reason("A summary.", 3) is None


@pytest.mark.parametrize("name", list(TEXTS))
def test_every_view_gives_the_same_reason(digests, name):
    digest = digests[name]
    row = article_row(digest, datetime(2025, 12, 1, tzinfo=UTC))
    withheld = name == "flagged"
    page = render_article(digest)
    assert ("Summary withheld" in page, NO_SUMMARY in page) == (withheld, not withheld)
    html = render_article_html(digest).replace("&#39;", "'")
    assert (WITHHELD in html, NO_SUMMARY in html) == (withheld, not withheld)
    assert summary_text(digest).startswith("Summary withheld" if withheld else "No summary")
    index = render_index([row])
    assert ("summary withheld: its key points are flagged" in index) is withheld
    assert ("*(no summary)*" in index) is not withheld
    site = render_site_index([row], None)
    assert ("summary withheld: its key points are flagged" in site) is withheld
    assert ("(no summary)" in site) is not withheld


@pytest.mark.parametrize("name", list(TEXTS))
def test_the_reason_survives_the_store_and_an_older_row_gets_it_by_the_same_rule(digests, name):
    digest = digests[name]
    row = article_row(digest, datetime(2025, 12, 1, tzinfo=UTC))
    sentences = sentence_rows(digest)
    assert digest_from_rows(row, sentences).summary_withheld == digest.summary_withheld
    older = {k: v for k, v in row.items() if k != "summary_withheld"}
    assert digest_from_rows(older, sentences).summary_withheld == digest.summary_withheld

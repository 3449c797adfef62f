"""Make the README's screenshots of the HTML reader: docs/reader.png and docs/reader-phone.png.

The page is the first sample article (seeds/000_...) with English written by hand, because the
tests' tiny model writes noise. Two sentences carry made-up flags, one over a deliberately wrong
number, to show how flagged English looks. Nothing here is model output.

Run from the repository root, with tolk installed (pip install -e ".[dev]") and Chromium:
python docs/reader_example.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from tolk import __version__
from tolk.compose import segment, title_pair
from tolk.intake.text import read_article
from tolk.records import Digest, Signature
from tolk.summarize import summarize
from tolk.views.html import render_article_html

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_7dc7328cd6857435.txt"
ENGLISH = [
    "One of the two Russian planes at Caracas international airport.",
    "Photo: REUTERS",
    "Nothing at all is going on, Moscow claims these days.",
    "Sending the soldiers is simply part of the close military cooperation that has existed "
    "between Russia and Venezuela for years.",
    "Nonsense, says the US.",
    "The operation is part of a Russian campaign to strengthen President Maduro's regime.",
    "The Russian air force planes, an IL-62 passenger plane and an AN-24 cargo plane, arrived on "
    "Saturday at Simón Bolívar airport near Caracas.",
    "The passenger plane carried about two hundred soldiers.",  # wrong on purpose: "honderd"
    "What was in the cargo plane is unclear.",
    "In recent years the arrival of the planes would have caused little surprise.",
    "Russia is, after all, an important economic and military pillar of support for Caracas.",
    "But because Venezuelan President Maduro is now embroiled in a power struggle with "
    "opposition leader Juan Guaidó, alarm bells immediately started ringing in Washington on "
    "Saturday.",
    "The soldiers arrived just as Venezuela had recovered from the power cut that paralysed the "
    "country for almost a week.",
    "According to Maduro, the sudden failure was the result of a cyber attack that was allegedly "
    "the work of the US.",
    "Washington sat after all, under the Obama government, yet also behind the Stuxnet virus "
    "that the Iranian nuclear weapons programme disrupted?",  # clumsy on purpose
    "In December Russia sent its most important long-range bomber, the Tu-160, to Venezuela.",
    "The arrival of the two aircraft was seen as a signal from President Putin to the US that "
    "he will not abandon the Maduro regime.",
    "Photo: AFP",
    "Special forces",
    "According to a US government official, the news agency Reuters reports, the soldiers are "
    "part of Russia's special forces.",
    "They are said to include cyber security specialists who are to protect the government's "
    "cyber infrastructure.",
    "If this is true, Maduro would be afraid of a 'cyber war' aimed at bringing down his "
    "government.",
    "Coincidence or not, on Monday Venezuela was again hit by a major power cut.",
    "The US flatly denies carrying out sabotage to help Guaidó to power.",
    "Washington called the arrival of the Russian soldiers a 'reckless escalation' of the "
    "situation in the country.",
    "US Secretary of State Pompeo picked up the phone on Monday and called his Russian "
    "counterpart Lavrov.",
    "'The US will not stand by while Russia raises tensions in Venezuela,' his ministry said "
    "later in a statement.",
    "Moscow remained silent for three days about the landing of the two air force planes.",
    "Only on Tuesday did Lavrov's ministry respond.",
    "Nothing is going on, said a spokeswoman.",
    "According to her, the soldiers are 'specialists' giving the Venezuelan army a hand.",
    "Just as they have done for years.",
    "The two countries concluded a military cooperation agreement in 2001.",
    "As in December, when the nuclear bombers were briefly in Caracas, Russia seems above all to "
    "want to make clear with this new show of force that it will not tolerate Maduro's removal.",
]
FLAGS = {7: ("numbers",), 14: ("low_confidence",)}


def example_digest() -> Digest:
    """Build the sample article's digest with the hand-written English."""
    article = read_article(SEED)
    pairs = segment(article)
    assert len(pairs) == len(ENGLISH), "the seed's segmentation changed: update ENGLISH"
    pairs = [
        replace(p, en=en, flags=FLAGS.get(p.sentence_index, ()))
        for p, en in zip(pairs, ENGLISH, strict=True)
    ]
    key_points, summary = summarize(pairs)
    key_points = tuple(replace(k, flags=FLAGS.get(k.position, ())) for k in key_points)
    title = title_pair(article, pairs)
    signature = Signature(
        model_id="Helsinki-NLP/opus-mt-nl-en",
        model_revision="illustrative: English written by hand, not model output",
        backend="ct2",
        compute_type="int8",
        beams=4,
        max_input_tokens=512,
        key_points=(3, 5),
        tolk_version=__version__,
    )
    return Digest(
        article=article,
        pairs=tuple(pairs),
        key_points=key_points,
        summary_en=summary,
        title_nl=title.nl,
        title_en=title.en,
        signature=signature,
        cache_key="illustrative",
        title_index=title.sentence_index,
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("TOLK_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("Chromium not found: apt-get install chromium, or set TOLK_CHROMIUM")
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "reader.html"
        page_path.write_text(render_article_html(example_digest()), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            # Wide: the header, summary, key points and the first paragraphs side by side, with
            # the mouse on the sentence whose number the flag caught.
            page = browser.new_page(viewport={"width": 1200, "height": 1560})
            page.goto(page_path.as_uri())
            page.hover("#en-7")
            page.screenshot(path=ROOT / "docs" / "reader.png")
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(page_path.as_uri())
            phone.focus("#nl-7")  # a tap focuses a sentence, as Tab does
            phone.evaluate("window.scrollTo(0, document.querySelector('#p-2').offsetTop - 8)")
            phone.screenshot(path=ROOT / "docs" / "reader-phone.png")
            browser.close()


if __name__ == "__main__":
    main()

"""The HTML "what is new" page of a run, linked from the site's index, in headless Chromium."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from test_html import browser, digest, open_page  # noqa: F401 - the fixtures, shared

from tolk.store.changes import NEW, RETRANSLATED, SOURCE, Change
from tolk.store.rows import article_row
from tolk.views.html import render_article_html, render_run_html, render_site_index


def three(digest):  # noqa: F811 - the fixture's value
    """Give three digests of one article under other ids: new, changed, re-translated."""
    made = []
    for n, article_id in enumerate(["nieuw", "veranderd", "opnieuw"]):
        url = f"https://www.nos.nl/artikel/{n}"
        article = replace(digest.article, id=article_id, url=url, date=f"2025-12-0{n + 1}")
        made.append(replace(digest, article=article))
    changes = {
        "nieuw": Change("nieuw", NEW),
        "veranderd": Change("veranderd", SOURCE),
        "opnieuw": Change("opnieuw", RETRANSLATED, ("beams",), True),
    }
    return made, changes


def test_latest_html_groups_the_run_and_links_the_articles(browser, digest, tmp_path):  # noqa: F811
    digests, changes = three(digest)
    quiet = [Change("stil", RETRANSLATED, ("backend",), False)]
    site = tmp_path / "site"
    site.mkdir()
    for d in digests:
        (site / f"{d.article.id}.html").write_text(render_article_html(d), encoding="utf-8")
    latest = render_run_html("2025-12-04T05:00:00+00:00", digests, changes, quiet, prefix="")
    (site / "latest.html").write_text(latest, encoding="utf-8")
    rows = [article_row(d, datetime(2025, 12, 4, tzinfo=UTC)) for d in digests]
    (site / "index.html").write_text(render_site_index(rows, "latest.html"), encoding="utf-8")

    watched = open_page(browser, site / "index.html", viewport={"width": 390, "height": 844})
    page = watched.page
    page.click("text=What is new")
    page.wait_for_url("**/latest.html")
    assert page.eval_on_selector_all("h2", "es => es.map(e => e.textContent)") == [
        "New (1)",
        "Changed at the source (1)",
        "Re-translated (1)",
    ]
    assert "these changed: beams." in page.text_content("#retranslated")
    assert "1 more articles were re-translated (backend changed) with the same English" in (
        page.text_content("p.quiet")
    )
    assert page.text_content("#new .outlet") == "nos.nl"
    assert page.get_attribute("#new a.original", "href") == "https://www.nos.nl/artikel/0"
    page.click("#changed-at-the-source a.title, #source a.title")
    page.wait_for_url("**/veranderd.html")
    assert page.text_content("header .outlet") == "nos.nl"
    assert watched.errors == [] and watched.dialogs == []
    local = [u for u in watched.requests if u.startswith("file:")]
    assert local == [u for u in watched.requests]  # nothing but the site's own pages
    page.close()

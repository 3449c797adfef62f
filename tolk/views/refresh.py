"""The views of an output folder, written from its tables after each commit.

Views are everything a reader opens, and all of them are derived from the committed tables,
never the other way round:

- per article: `articles/<id>.md` (bilingual), `articles/<id>.en.md` (English only) and
  `site/<id>.html` (the bilingual reader);
- indexes: `index.md` (newest first; older months in `archive/YYYY-MM.md` once it grows),
  `site/index.html`;
- per commit that brought news: `runs/<UTC time>-<generation>.md` and
  `site/runs/<UTC time>-<generation>.html`, what
  that run added or changed, and `latest.md` and `site/latest.html`, the newest of them;
- feeds: `feed.xml` (Atom) and `feed.json` (JSON Feed) of the newest articles, rewritten after
  every commit; `.tolk/views.json` also keeps each entry's English fingerprint, the time it
  was last updated and why (new, changed at the source, re-translated), so an entry's `updated`
  moves only when its English changes, and never for a re-translation that is not news.

After a commit, the views of the articles it changed are rewritten, and so are those that are
missing (deleted by hand, or of a kind an older tolk did not write) or stale (a run died
between its commit and its views); then the indexes, and `.tolk/views.json` records the
generation the views now show. The pages of an article whose rows were lost are removed. A
run digest belongs to a generation, so one lost to a crash is
written by the next run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tolk.records import Digest
from tolk.store.changes import NEW, Change, changes_of
from tolk.store.layout import (
    BILINGUAL_PAGE,
    ENGLISH_PAGE,
    FEED_FILE,
    JSON_FEED_FILE,
    LATEST_FILE,
    LATEST_HTML,
    READER_PAGE,
    SITE_INDEX,
    article_file,
    html_of,
    run_digest_path,
)
from tolk.store.store import OutputStore
from tolk.store.tables import Generation
from tolk.views.feed import (
    DEFAULT_FEED,
    FeedOptions,
    english_hash,
    render_atom,
    render_json_feed,
    rfc3339,
)
from tolk.views.html import render_article_html, render_run_html, render_site_index
from tolk.views.indexes import render_indexes, render_run_digest
from tolk.views.markdown import render_article, render_article_en

INDEX_COLUMNS = [
    "id",
    "date",
    "title_en",
    "title_nl",
    "title_flags",
    "summary_en",
    "summary_withheld",
    "n_sentences",
    "n_flagged",
    "url",
    "source_path",
]


@dataclass(frozen=True)
class ArticleView:
    """One file written per stored article."""

    folder: str
    suffix: str
    render: Callable[[Digest], str]

    def path(self, article_id: str) -> str:
        return article_file((self.folder, self.suffix), article_id)


ARTICLE_VIEWS = (
    ArticleView(*BILINGUAL_PAGE, render_article),
    ArticleView(*ENGLISH_PAGE, render_article_en),
    ArticleView(*READER_PAGE, render_article_html),
)


def page_path(article_id: str) -> str:
    """Return where an article's bilingual Markdown page lives, relative to the output folder."""
    return ARTICLE_VIEWS[0].path(article_id)


def _missing(store: OutputStore) -> set[str]:
    """Return the stored articles that lack one of their views."""
    missing: set[str] = set()
    listings: dict[str, set[str]] = {}
    for view in ARTICLE_VIEWS:
        if view.folder not in listings:
            folder = store.root / view.folder
            listings[view.folder] = set(os.listdir(folder)) if folder.is_dir() else set()
        present = listings[view.folder]
        missing |= {i for i in store.stored if f"{i}{view.suffix}" not in present}
    return missing


def _run_digests(store: OutputStore, generations: list[Generation]) -> str | None:
    """Write the digest of each generation that changed articles; return the last."""
    latest = None
    for generation in generations:
        changes = changes_of(generation.manifest)
        news = [i for i, c in changes.items() if c.is_news]
        if not news:  # nothing changed, or re-translations that left the English as it was
            continue
        path = run_digest_path(generation.manifest["committed_at"], generation.number)
        digests = list(store.digests(news))  # as they stand now
        committed_at = generation.manifest["committed_at"]
        quiet = [c for c in changes.values() if not c.is_news]
        store.views.write(path, render_run_digest(committed_at, digests, changes, quiet))
        store.views.write(
            LATEST_FILE, render_run_digest(committed_at, digests, changes, quiet, prefix="")
        )
        html = html_of(path)
        store.views.write(html, render_run_html(committed_at, digests, changes, quiet))
        store.views.write(
            LATEST_HTML, render_run_html(committed_at, digests, changes, quiet, prefix="")
        )
        latest = path
    return latest


def _changes(generations: list[Generation]) -> dict[str, Change]:
    """Tell why each article of these generations was written; the latest news wins."""
    found: dict[str, Change] = {}
    for generation in generations:
        for article_id, change in changes_of(generation.manifest).items():
            if change.is_news or article_id not in found:
                found[article_id] = change
    return found


def _kept_entry(article_id: str, value: object) -> tuple[str, str, Change | None] | None:
    """Read an entry's kept state: its fingerprint, when it was updated and why (if known)."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        return None
    why = value[2] if len(value) == 3 and isinstance(value[2], dict) else None
    return str(value[0]), str(value[1]), Change.from_dict(article_id, why) if why else None


def _after(when: str, before: str | None) -> str:
    """Give `when`, or a second after `before` when it is not later (both RFC 3339, to the
    second): an entry whose English changed must move, even within the second it last moved
    in, or with a clock set back."""
    if before is None or when > before:
        return when
    try:
        kept = datetime.strptime(before, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:  # kept by hand or by an older tolk: the new time stands
        return when
    return rfc3339(kept + timedelta(seconds=1))


def _feeds(
    store: OutputStore, rows: list[dict], options: FeedOptions, changes: dict[str, Change]
) -> dict:
    """Write the feeds of the newest articles; return the entries' state to keep.

    An entry's `updated` and its why move when its English changed, except for a
    re-translation that is not news (`Change.is_news`).
    """
    rows = sorted(rows, key=lambda r: (r["date"] or "", r["id"]), reverse=True)
    newest = [r["id"] for r in rows[: options.entries]]
    digests = {d.article.id: d for d in store.digests(newest)}
    ordered = [digests[i] for i in newest if i in digests]
    kept = store.views.state().get("feed")
    kept = kept if isinstance(kept, dict) else {}
    state, updated, why = {}, {}, {}
    for digest in ordered:
        article_id, fingerprint = digest.article.id, english_hash(digest)
        before, change = _kept_entry(article_id, kept.get(article_id)), changes.get(article_id)
        if before and (before[0] == fingerprint or (change and not change.is_news)):
            when, reason = before[1], before[2]
        else:
            when = _after(rfc3339(digest.translated_at), before[1] if before else None)
            reason = change or (before[2] if before else None)
        reason = reason or Change(article_id, NEW)  # unknown: kept by an older tolk
        state[article_id] = [fingerprint, when, reason.to_dict()]
        updated[article_id], why[article_id] = when, reason
    now = rfc3339(datetime.now(UTC))
    store.views.write(FEED_FILE, render_atom(ordered, updated, options, now, why))
    store.views.write(JSON_FEED_FILE, render_json_feed(ordered, updated, options, why))
    return state


def refresh_views(
    store: OutputStore, changed: Iterable[str] = (), feed: FeedOptions = DEFAULT_FEED
) -> str | None:
    """Rewrite the views of changed, missing and stale articles, then the indexes.

    Returns the path of the run digest written for the newest generation, if it changed any
    article.
    """
    if store.generation is None:
        return None
    number = store.generation.number
    todo = set(changed) | _missing(store)
    shown = store.views.state().get("generation")
    since = shown if isinstance(shown, int) else 0
    if shown != number:
        stale = store.changed_since(since)
        todo |= set(store.stored) if stale is None else stale
    for digest in store.digests(todo):
        for view in ARTICLE_VIEWS:
            store.views.write(view.path(digest.article.id), view.render(digest))
    for article_id in store.lost - set(store.stored):  # its rows are gone: so go its pages
        for view in ARTICLE_VIEWS:
            store.views.remove(view.path(article_id))
    rows = store.articles(INDEX_COLUMNS).to_pylist()
    for path, text in render_indexes(rows).items():
        store.views.write(path, text)
    generations = store.generations_after(since) if shown != number else []
    latest = _run_digests(store, generations)
    has_latest = store.views.exists(LATEST_HTML)
    store.views.write(SITE_INDEX, render_site_index(rows, "latest.html" if has_latest else None))
    entries = _feeds(store, rows, feed, _changes(generations))
    store.views.set_state({"generation": number, "feed": entries})
    return latest

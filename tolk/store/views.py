"""The views of an output folder, written from its tables after each commit.

Views are everything a reader opens — an article's pages, the indexes — and all of them are
derived from the committed tables, never the other way round. After a commit the views of the
articles it changed are rewritten, and so are those that are missing (deleted by hand, or of a
kind an older tolk did not write) or stale (a run died between its commit and its pages). Then
the indexes are rewritten and `.tolk/views.json` records the generation the views now show.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tolk.records import Digest
from tolk.store.store import OutputStore
from tolk.write_markdown import render_article, render_article_en, render_index

ARTICLES_DIR = "articles"
INDEX_FILE = "index.md"
INDEX_COLUMNS = ["id", "date", "title_en", "summary_en", "n_flagged", "n_sentences", "title_flags"]


@dataclass(frozen=True)
class ArticleView:
    """One file written per stored article."""

    folder: str
    suffix: str
    render: Callable[[Digest], str]

    def path(self, article_id: str) -> str:
        return f"{self.folder}/{article_id}{self.suffix}"


ARTICLE_VIEWS = (
    ArticleView(ARTICLES_DIR, ".md", render_article),
    ArticleView(ARTICLES_DIR, ".en.md", render_article_en),
)


def page_path(article_id: str) -> str:
    """Return where an article's bilingual Markdown page lives, relative to the output folder."""
    return ARTICLE_VIEWS[0].path(article_id)


def _missing(store: OutputStore) -> set[str]:
    """Return the stored articles that lack one of their views."""
    missing: set[str] = set()
    for view in ARTICLE_VIEWS:
        folder = store.root / view.folder
        present = set(os.listdir(folder)) if folder.is_dir() else set()
        missing |= {i for i in store.stored if f"{i}{view.suffix}" not in present}
    return missing


def refresh_views(store: OutputStore, changed: Iterable[str] = ()) -> int:
    """Rewrite the views of changed, missing and stale articles, then the indexes."""
    if store.generation is None:
        return 0
    number = store.generation.number
    todo = set(changed) | _missing(store)
    shown = store.view_state().get("generation")
    if shown != number:
        since = store.changed_since(shown) if isinstance(shown, int) else None
        todo |= set(store.stored) if since is None else since
    written = 0
    for digest in store.digests(todo):
        for view in ARTICLE_VIEWS:
            store.write_view(view.path(digest.article.id), view.render(digest))
        written += 1
    store.write_view(INDEX_FILE, render_index(store.articles(INDEX_COLUMNS).to_pylist()))
    store.set_view_state({"generation": number})
    return written

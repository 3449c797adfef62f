"""The layout of an output folder: every path in it, relative to the folder, named once here.

The store writes and reads by these names and the views render links with them; nobody else
spells a folder or file name of the output folder. Layout:

    articles.parquet, sentences.parquet   links through tables/current (for analysts)
    tables/NNNNNN/                        generations; tables/current -> the committed one
    articles/ID.md, articles/ID.en.md     each article: bilingual, and English only
    site/ID.html, site/index.html         the HTML reader; site/latest.html, site/runs/*.html
    index.md, archive/YYYY-MM.md          the index of all articles, and its older months
    runs/STAMP-GENERATION.md, latest.md   what each run added or changed, and the newest one
    feed.xml, feed.json                   the newest digests for feed readers
    fetched/                              every fetched page and feed, compressed
    .tolk/lock                            who holds the folder
    .tolk/staging/RUN/part-N.*            sealed work not yet committed
    .tolk/views.json                      which generation the views show
    .tolk/damaged/                        tables found unreadable, kept for a person to look at
"""

from __future__ import annotations

ARTICLES_FILE = "articles.parquet"
SENTENCES_FILE = "sentences.parquet"
TABLES_DIR = "tables"
CURRENT = "current"  # inside TABLES_DIR: the link to the committed generation
MANIFEST_FILE = "manifest.json"  # inside a generation

ARTICLES_DIR = "articles"
SITE_DIR = "site"
RUNS_DIR = "runs"
MONTHS_DIR = "archive"  # the index's older months
FETCHED_DIR = "fetched"  # the page archive
INDEX_FILE = "index.md"
LATEST_FILE = "latest.md"
SITE_INDEX = f"{SITE_DIR}/index.html"
LATEST_HTML = f"{SITE_DIR}/latest.html"
FEED_FILE = "feed.xml"
JSON_FEED_FILE = "feed.json"

STATE_DIR = ".tolk"
LOCK_FILE = "lock"  # inside STATE_DIR
STAGING_DIR = "staging"  # inside STATE_DIR
DAMAGED_DIR = "damaged"  # inside STATE_DIR
VIEWS_STATE = "views.json"  # inside STATE_DIR

# The folders tolk owns in an output folder: none of them may be a link (issue 21).
OWN_FOLDERS = (ARTICLES_DIR, SITE_DIR, RUNS_DIR, MONTHS_DIR, TABLES_DIR, FETCHED_DIR, STATE_DIR)

# Each article's pages: (folder, suffix), written for every stored article.
BILINGUAL_PAGE = (ARTICLES_DIR, ".md")
ENGLISH_PAGE = (ARTICLES_DIR, ".en.md")
READER_PAGE = (SITE_DIR, ".html")


def article_file(page: tuple[str, str], article_id: str) -> str:
    """Return where one of an article's pages lives (`BILINGUAL_PAGE`, ...)."""
    folder, suffix = page
    return f"{folder}/{article_id}{suffix}"


def run_digest_path(committed_at: str, generation: int) -> str:
    """Return where the digest of a generation committed at `committed_at` (ISO, UTC) lives.

    The generation's number follows the time: two runs can commit within one second.
    """
    stamp = committed_at.replace("+00:00", "Z").replace(":", "")
    return f"{RUNS_DIR}/{stamp}-{generation:06d}.md"


def html_of(markdown_path: str) -> str:
    """Return where the HTML reader keeps the page of a Markdown view (runs/X.md -> site/...)."""
    return f"{SITE_DIR}/{markdown_path.removesuffix('.md')}.html"


def month_index(month: str) -> str:
    """Return where the index of one older month lives."""
    return f"{MONTHS_DIR}/{month}.md"

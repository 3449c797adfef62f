"""Article ids: safe as file names, stable across runs, unique within a run.

An id names the article's Markdown page and keys its rows, so it must be a plain file name on
every system and must not change between runs of the same source. A file keeps its stem when the
stem is already safe; anything else becomes a readable slug plus a short hash of the original,
so two different names never meet in one slug.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tolk.errors import DuplicateArticleId
from tolk.records import Paragraph

MAX_ID_CHARS = 96
_SAFE_ID = re.compile(rf"[A-Za-z0-9_-][A-Za-z0-9_.-]{{0,{MAX_ID_CHARS - 1}}}")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_CHARS = 60
HASH_CHARS = 10
_TRACKING = re.compile(r"utm_|fbclid$|gclid$|mc_cid$|mc_eid$", re.IGNORECASE)
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|php|aspx?)$", re.IGNORECASE)


def is_safe_id(name: str) -> bool:
    """Say whether a name can be an id as it is: letters, digits, _ - . and no leading dot."""
    return bool(_SAFE_ID.fullmatch(name)) and not name.endswith(".")


def short_hash(text: str) -> str:
    """Give a short, stable hash of a text (hex), also of one holding lone surrogates."""
    try:
        data = text.encode("utf-8", "surrogateescape")  # a file name that is not UTF-8
    except UnicodeEncodeError:  # a lone surrogate from a broken source: it fails, named by id
        data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def slug(text: str) -> str:
    """Turn a text into lowercase ASCII words joined by dashes ("Één café" -> "een-cafe")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:SLUG_CHARS].strip("-")


def make_id(name: str) -> str:
    """Keep a name that is safe as an id; make any other a slug plus a short hash of it."""
    if is_safe_id(name):
        return name
    return f"{slug(name) or 'article'}-{short_hash(name)}"


def page_key(url: str) -> str:
    """Give a page's URL without what does not change the page: #fragment, utm_* and click ids."""
    parts = urlsplit(url.strip())
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(query), "")
    )


def url_id(url: str) -> str:
    """Make the id of a web page from its URL: host and path as a slug, plus a short hash."""
    key = page_key(url)
    parts = urlsplit(key)
    host = (parts.hostname or "").removeprefix("www.")
    readable = slug(f"{host} {_PAGE_SUFFIX.sub('', parts.path)}") or "page"
    return f"{readable}-{short_hash(key)}"


def content_sha256(paragraphs: Sequence[Paragraph], date: str | None, url: str | None) -> str:
    """Hash what shapes an article's output: its typed paragraphs, date and URL."""
    payload = json.dumps(
        {"date": date, "url": url, "paragraphs": [[p.kind, p.text] for p in paragraphs]},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class IdRegistry:
    """Hand out ids within one run; a second source with a taken id is refused, naming both."""

    def __init__(self) -> None:
        # Case-folded: "A" and "a" would be one page on a case-insensitive file system.
        self._owners: dict[str, str] = {}

    def claim(self, article_id: str, source: str) -> None:
        """Take `article_id` for `source`; raise `DuplicateArticleId` if another has it."""
        key = article_id.casefold()
        owner = self._owners.setdefault(key, source)
        if owner != source:
            raise DuplicateArticleId(
                f"{source}: gives the article id {article_id!r}, which {owner} already has; "
                "rename one of them (or give a table an id column) so each article has its own id"
            )

    def owner(self, article_id: str) -> str | None:
        """Say which source holds an id, if any."""
        return self._owners.get(article_id.casefold())

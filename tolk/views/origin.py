"""Where an article comes from, said safely: its outlet and a link to the original.

Takes an article's URL and source path; gives the outlet's name (the host, without "www.", or
the file's name when there is no URL) and the URL when it is safe to link: http or https only,
so a `javascript:` or `data:` address in a feed or table is shown as text, never linked.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote, urlsplit

# Characters kept as they are in a linked URL; anything else (spaces, quotes, <, >, \, `,
# non-ASCII) is percent-encoded, so the address cannot break out of a Markdown or HTML link.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def safe_url(url: str | None) -> str | None:
    """Return `url` percent-encoded where needed if it is http(s) with a host, else None."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe=_URL_SAFE)


def outlet(url: str | None, source_path: str | None = None) -> str:
    """Name where an article comes from: the host of its URL, else its file's name."""
    if url:
        try:
            host = urlsplit(url.strip()).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host.removeprefix("www.")
    if source_path:
        name = source_path if "://" in source_path else PurePath(source_path).name
        return " ".join(name.split()) or "(unnamed)"
    return "(unknown source)"

"""Keep every fetched page and feed, compressed, so a re-translation never fetches again.

`PageArchive(root)` stores each response under a hash of its URL: `pages/ab/abcd....gz` or
`feeds/...`. One gzip file holds a JSON line of what the server said (URL, final URL, fetch
time, status, content type, ETag, Last-Modified, the body's SHA-256) and then the body as it
came. Files are written to a temporary name and renamed into place, so a crash leaves the
previous copy or none, never half a file; a copy that cannot be read is treated as missing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from pathlib import Path
from typing import Literal
from urllib.parse import urldefrag

from tolk.fileio import atomic_file
from tolk.intake.fetch_terms import Fetched

Kind = Literal["page", "feed"]


def archive_key(url: str) -> str:
    """Key a URL for the archive: the SHA-256 of the URL without its #fragment."""
    return hashlib.sha256(urldefrag(url).url.encode("utf-8", "surrogateescape")).hexdigest()


class PageArchive:
    """A folder of fetched pages and feeds, keyed by URL."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, url: str, kind: Kind = "page") -> Path:
        """Give the file that holds (or would hold) a URL's copy."""
        key = archive_key(url)
        return self.root / f"{kind}s" / key[:2] / f"{key}.gz"

    def get(self, url: str, kind: Kind = "page") -> Fetched | None:
        """Give the stored copy of a URL, or None when there is none (or it is damaged)."""
        try:
            with gzip.open(self.path(url, kind), "rb") as file:
                meta = json.loads(file.readline())
                body = file.read()
        except FileNotFoundError:
            return None
        except (OSError, EOFError, zlib.error, ValueError):
            return None  # damaged: fetch it again rather than fail the article
        if meta.get("sha256") != hashlib.sha256(body).hexdigest():
            return None
        return Fetched(
            url=meta["url"],
            final_url=meta["final_url"],
            status=meta["status"],
            content_type=meta["content_type"],
            etag=meta["etag"],
            last_modified=meta["last_modified"],
            fetched_at=meta["fetched_at"],
            body=body,
        )

    def put(self, fetched: Fetched, kind: Kind = "page") -> Path:
        """Store a fetched URL's copy atomically, replacing any older one."""
        path = self.path(fetched.url, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "url": fetched.url,
            "final_url": fetched.final_url,
            "status": fetched.status,
            "content_type": fetched.content_type,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "fetched_at": fetched.fetched_at,
            "size": len(fetched.body),
            "sha256": hashlib.sha256(fetched.body).hexdigest(),
        }
        with atomic_file(path) as tmp, tmp.open("xb") as raw:
            # mtime=0: the same response always gives the same bytes.
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as file:
                file.write(json.dumps(meta, ensure_ascii=False).encode() + b"\n")
                file.write(fetched.body)
        return path

"""Decide which URLs tolk may fetch: a URL in, nothing (allowed) or a `RefusedUrl` out.

A feed decides which pages tolk fetches, so a feed on a public host must not make tolk fetch
pages on the user's own machine or network. A URL is allowed when it is http(s) and

- its origin (scheme, host, port) is trusted: the user named it (a feed URL), or a feed on a
  loopback or private host named it (a local feed may link local pages); or
- every address its host resolves to is public (not loopback, private, link-local, shared,
  multicast or reserved), or its origin is one the settings count as public; or
- the user allows private addresses (`--allow-private-urls`).

The fetcher asks before every request, redirects included, so a public page cannot redirect
tolk to a private one. The check resolves the host itself, apart from the connection: a host
whose DNS answer changes between the two (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tolk.errors import RefusedUrl
from tolk.settings import DEFAULTS

Resolve = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class UrlPolicy:
    """Which addresses pages a feed names may be on."""

    allow_private: bool = DEFAULTS.allow_private_urls
    public_origins: tuple[str, ...] = DEFAULTS.public_origins  # count these as public


def origin(url: str) -> str:
    """Give a URL's origin, scheme://host:port, with the scheme's default port filled in."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}"


def resolve(host: str, port: int) -> list[str]:
    """Give the addresses a host resolves to ([] when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def address_kind(address: str) -> str | None:
    """Name what is not public about an address ("loopback", ...), or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return "unreadable"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


class UrlGuard:
    """Check each URL tolk is about to request against a policy; thread-safe."""

    def __init__(self, policy: UrlPolicy = UrlPolicy(), resolver: Resolve = resolve) -> None:
        self.policy, self._resolve = policy, resolver
        self._public = {origin(o) for o in policy.public_origins}
        self._trusted: set[str] = set()
        self._lock = threading.Lock()

    def trust(self, url: str) -> None:
        """Allow every URL of this one's origin (one the user named, or a local feed did)."""
        with self._lock:
            self._trusted.add(origin(url))

    def is_local(self, url: str) -> bool:
        """Say whether a URL's host is on this machine or a private network (not public)."""
        if origin(url) in self._public:
            return False
        parts = urlsplit(url)
        addresses = self._resolve(parts.hostname or "", int(origin(url).rsplit(":", 1)[1]))
        return any(address_kind(a) for a in addresses)

    def check(self, url: str) -> None:
        """Raise `RefusedUrl` unless the policy allows fetching `url`."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise RefusedUrl(f"{url}: refused: not an http(s) URL; tolk fetches web pages only")
        where = origin(url)
        with self._lock:
            trusted = where in self._trusted
        if trusted or self.policy.allow_private or where in self._public:
            return
        for address in self._resolve(parts.hostname, int(where.rsplit(":", 1)[1])):
            if kind := address_kind(address):
                raise RefusedUrl(
                    f"{url}: refused: {parts.hostname} is at {address}, a {kind} address (your "
                    "own machine or network), and a feed on a public host may name public "
                    "pages only; if you trust this feed, run with --allow-private-urls"
                )

"""Tell a news page from the wall in front of it: a fetched page and its extracted article in,
the article (walls' lines taken out) or a `WalledPage` naming the wall out.

Walls that tolk knows:

- a consent wall: the site sent tolk to a consent host (DPG Media's `myprivacy.dpgmedia.net`,
  Google's, Yahoo's), or what came out of the page is only cookie and consent text;
- a paywall or login wall: the page says it is for subscribers ("Dit artikel is exclusief
  voor abonnees"; schema.org's `isAccessibleForFree: false`) and gives no more than its lead.

A walled page is never translated as news. Where the feed itself says that an item is a teaser
(a category such as "premium" or "teaser"), its lead is kept, marked as a teaser only. A page
that says it is for subscribers but holds a whole article (a metered site serving the text)
keeps its article, without the subscription lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import lxml.html

from tolk.errors import ConsentRedirect, WalledPage
from tolk.intake.extract import Page

# Hosts that show a consent form instead of the page asked for (and their subdomains).
CONSENT_HOSTS = (
    "myprivacy.dpgmedia.net",
    "myprivacy.dpgmedia.be",
    "consent.google.com",
    "consent.youtube.com",
    "consent.yahoo.com",
    "guce.yahoo.com",
)
CONSENT_LABELS = ("consent", "myprivacy", "cmp", "cookiewall")  # a host's first label
# Categories by which a feed marks an item whose page only teases the article.
TEASER_CATEGORIES = frozenset(
    {"teaser", "premium", "plus", "paywall", "abonnee", "abonnees", "subscriber", "subscribers"}
)
TEASER_NOTE = "Teaser only:"
LEAD_WORDS = 150  # a walled page with no more body text than this gave only its lead

_SUBSCRIPTION = re.compile(
    r"exclusief voor (?:abonnees|leden)|alleen voor abonnees|word (?:nu )?abonnee|"
    r"neem (?:nu )?een abonnement|abonneer je (?:nu )?om|met een abonnement lees je|"
    r"al abonnee\?|ben je al abonnee|(?:plus|premium)[- ]?artikel|onbeperkt toegang|"
    r"for subscribers only|subscribe to (?:continue|read)|already a subscriber",
    re.IGNORECASE,
)
_LOGIN = re.compile(
    r"log (?:dan )?in om (?:verder|dit|het)|inloggen om (?:verder|dit|het)|"
    r"meld je (?:gratis )?aan om (?:verder|dit|het)|maak een gratis account|"
    r"registreer je gratis|sign in to (?:continue|read)|log in to (?:continue|read)",
    re.IGNORECASE,
)
_CONSENT_WORDS = re.compile(
    r"cookies?|toestemming|akkoord|accepteer|accepteren|weigeren|toestaan|privacyverklaring|"
    r"cookieverklaring|cookiebeleid|privacybeleid|partners|gepersonaliseerde|advertenties|"
    r"persoonsgegevens|instellingen|consent|privacy",
    re.IGNORECASE,
)
_NOT_FREE = re.compile(rb"[\"']isAccessibleForFree[\"']\s*:\s*[\"']?false", re.IGNORECASE)
_LOCKED_TIER = re.compile(
    rb"<meta[^>]+(?:article:content_tier[^>]+content=[\"'](?:locked|metered)|"
    rb"content=[\"'](?:locked|metered)[\"'][^>]+article:content_tier)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Screened:
    """A page that passed: its article without wall lines, and what a reader should know."""

    page: Page
    notes: tuple[str, ...] = ()


def is_teaser_note(text: str) -> bool:
    """Say whether an article's warning marks it as a teaser only."""
    return text.startswith(TEASER_NOTE)


def teaser_category(terms: object) -> bool:
    """Say whether a feed item's categories mark it as a teaser (premium, plus, ...)."""
    return any(str(t).strip().casefold() in TEASER_CATEGORIES for t in terms or ())


def consent_host(url: str | None) -> str | None:
    """Give the host of a consent page, if `url` is on one."""
    host = (urlsplit(url or "").hostname or "").lower()
    if not host:
        return None
    if any(host == h or host.endswith("." + h) for h in CONSENT_HOSTS):
        return host
    return host if host.split(".")[0] in CONSENT_LABELS else None


def _consent_message(source: str, host: str) -> str:
    return (
        f"{source}: consent wall: the site sent tolk to {host}, a cookie consent page, instead "
        "of the article; tolk does not agree to cookies for you: read it in a browser, or "
        "leave this feed out"
    )


def check_hop(url: str) -> None:
    """Raise `ConsentRedirect` before a request (or redirect hop) to a consent host is made."""
    if host := consent_host(url):
        raise ConsentRedirect(_consent_message(url, host))


def check_redirect(source: str, final_url: str | None) -> None:
    """Raise `WalledPage` if the fetch of `source` ended on a consent host."""
    if host := consent_host(final_url):
        raise WalledPage(_consent_message(source, host))


def _consent_like(text: str) -> bool:
    return len({m.group(0).casefold() for m in _CONSENT_WORDS.finditer(text)}) >= 2


def _consent_only_text(texts: list[str]) -> bool:
    words = sum(len(t.split()) for t in texts)
    consent = sum(len(t.split()) for t in texts if _consent_like(t))
    return words > 0 and consent >= 0.6 * words


def raw_consent(html: bytes | str, source: str) -> None:
    """Raise `WalledPage` if a page with no article text is a consent form (for EmptyPage)."""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    texts = [" ".join(t.split()) for t in tree.xpath("//body//text()")]
    texts = [t for t in texts if t]
    if texts and sum(len(t.split()) for t in texts) < 400 and _consent_only_text(texts):
        raise WalledPage(
            f"{source}: consent wall: the page holds only cookie and consent text, no "
            "article; read it in a browser, or leave this feed out"
        )


def _wall_line(text: str) -> str | None:
    if len(text.split()) > 40:
        return None
    if _LOGIN.search(text):
        return "login"
    if _SUBSCRIPTION.search(text):
        return "subscription"
    return None


def screen(page: Page, html: bytes | str, source: str, teaser_ok: bool = False) -> Screened:
    """Check an extracted page for walls; give it without wall lines, or raise `WalledPage`."""
    body = [p for p in page.paragraphs if p.kind != "heading"]
    if _consent_only_text([p.text for p in body]):
        raise WalledPage(
            f"{source}: consent wall: what the page gives as its article is only cookie and "
            "consent text; read it in a browser, or leave this feed out"
        )
    walls = {p.index: kind for p in body if (kind := _wall_line(p.text))}
    raw = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
    locked = bool(_NOT_FREE.search(raw) or _LOCKED_TIER.search(raw))
    if not walls and not locked:
        return Screened(page)
    kept = tuple(p for p in page.paragraphs if p.index not in walls)
    words = sum(len(p.text.split()) for p in kept if p.kind != "heading")
    kept = tuple(replace(p, index=i) for i, p in enumerate(kept))
    if words > LEAD_WORDS:  # the whole article is there: keep it, without the wall's lines
        return Screened(replace(page, paragraphs=kept))
    kind = "paywall" if locked or "subscription" in walls.values() else "login wall"
    quoted = next((p.text for p in body if p.index in walls), None)
    said = f' ("{quoted}")' if quoted else " (marked not free to read)"
    if teaser_ok and words:
        note = (
            f"{TEASER_NOTE} the publisher's page gives only the lead of this article to "
            f"non-subscribers{said}; the feed marks it as a teaser, and this is that lead."
        )
        return Screened(replace(page, paragraphs=kept), (note,))
    raise WalledPage(
        f"{source}: {kind}: the page gives only its lead ({words} words) and asks for a "
        f"subscription or a login{said}; tolk does not translate a cut article as news: "
        "read it on the site, or leave it out"
    )

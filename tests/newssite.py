"""A local Dutch news site for tests: feeds, article pages with boilerplate, and bad links.

It serves, on 127.0.0.1 only, an RSS and an Atom feed (and an RSS feed of only the good links) whose items link to pages built from the
seed articles, wrapped in what real news pages carry around an article (navigation, a cookie
banner, a "Lees ook" list of related articles, a footer, scripts). Beside them: a dead link (404),
a slow page (it stalls past a client's read timeout), a PDF, an oversized page, and a page that
first answers 429 with Retry-After. Every page has an ETag and a Last-Modified date and answers a
matching conditional request with 304. Requests are counted per path, and a test may change a
page. Nothing here reaches past the loopback address.

It also has the walls of real Dutch news sites (see `walled_feed`): a page that redirects to
DPG Media's consent host (never reached: tolk stops before asking it), a cookie wall served in
the page's place, a paywalled page that ends after its lead, the same page marked "premium" in
the feed (a teaser), and an English article.
"""

from __future__ import annotations

import hashlib
import html
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tolk.intake.text import parse

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
LAST_MODIFIED = datetime(2025, 12, 2, 9, 0, tzinfo=UTC)
# The slow page stalls this long, or until the site stops: far past the tests' read timeouts,
# so a client that gives up at its timeout is told from one that waits it out on a busy machine.
SLOW_SECONDS = 30.0
OVERSIZED_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class SeedPage:
    """How the site presents one seed article: its path, title and date."""

    stem: str
    slug: str
    title: str
    published: str  # ISO date of article:published_time
    feed_date: str | None  # the date the RSS feed gives; None: the feed gives none


SEED_PAGES = (
    SeedPage(
        "000_7dc7328cd6857435",
        "russische-militairen-landen-in-caracas",
        "Russische militairen landen in Caracas",
        "2019-03-26",
        "2019-03-26",
    ),
    SeedPage(
        "001_4f0b32e23974abf1",
        "moskou-duldt-geen-machtswissel",
        "Moskou duldt geen machtswissel in Venezuela",
        "2019-04-02",
        None,
    ),
    SeedPage(
        "002_c60dd96a55dcc3ff",
        "huurlingen-van-wagner-in-caracas",
        "Huurlingen van Wagner in Caracas",
        "2019-01-28",
        "2019-01-28",
    ),
    SeedPage(
        "003_775a97f34768ba9e",
        "russische-airlines-mijden-venezuela",
        "Russische airlines mijden Venezuela",
        "2025-12-02",
        "2025-12-02",
    ),
    SeedPage(
        "004_e2e4897f0e122d04",
        "vijf-vragen-over-venezuela",
        "Vijf vragen over de spanningen tussen Amerika en Venezuela",
        "2025-12-01",
        "2025-12-01",
    ),
)

# What a news page carries around its article; none of it may come out as article text.
BOILERPLATE = (
    "Wij gebruiken cookies",
    "Alle cookies accepteren",
    "Binnenland",
    "Voorpagina",
    "Meest gelezen",
    "Maduro zegt verkiezingen af",
    "Oliebedrijven trekken zich terug",
    "Alle rechten voorbehouden",
    "Privacyverklaring",
    "Abonneer je op onze nieuwsbrief",
    "dataLayer",
    "Het Nieuws",
)

PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>{title} | Het Nieuws</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Het Nieuws">
<meta property="article:published_time" content="{published}T07:30:00+01:00">
<link rel="canonical" href="{canonical}">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": "artikel"}});</script>
<style>.cookie-banner {{ position: fixed; bottom: 0; }}</style>
</head>
<body>
<div class="cookie-banner" id="cookie-consent" role="dialog">
  <p>Wij gebruiken cookies om de site te laten werken, het gebruik te meten en advertenties te
  tonen die bij je passen. Lees meer in onze <a href="/privacy">Privacyverklaring</a>.</p>
  <button>Alle cookies accepteren</button> <button>Instellingen</button>
</div>
<header class="site-header">
  <a class="logo" href="/">Het Nieuws</a>
  <nav class="main-nav"><ul>
    <li><a href="/">Voorpagina</a></li><li><a href="/binnenland">Binnenland</a></li>
    <li><a href="/buitenland">Buitenland</a></li><li><a href="/economie">Economie</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/cultuur">Cultuur</a></li>
  </ul></nav>
</header>
<main>
<article class="article">
<h1>{title}</h1>
{body}
</article>
<aside class="related">
  <h2>Lees ook</h2>
  <ul>
    <li><a href="/nieuws/maduro-zegt-verkiezingen-af">Maduro zegt verkiezingen af na druk uit het leger</a></li>
    <li><a href="/nieuws/olie">Oliebedrijven trekken zich terug uit Venezuela</a></li>
    <li><a href="/nieuws/guaido">Guaidó roept op tot nieuwe protesten in Caracas</a></li>
  </ul>
  <h2>Meest gelezen</h2>
  <ol><li><a href="/nieuws/weer">Code oranje voor heel het land</a></li>
  <li><a href="/nieuws/files">Recordfiles op de A2 door ongeluk</a></li></ol>
</aside>
</main>
<footer class="site-footer">
  <p>Abonneer je op onze nieuwsbrief en ontvang elke ochtend het belangrijkste nieuws.</p>
  <ul><li><a href="/privacy">Privacyverklaring</a></li><li><a href="/contact">Contact</a></li>
  <li><a href="/colofon">Colofon</a></li></ul>
  <p>© 2025 Het Nieuws. Alle rechten voorbehouden.</p>
</footer>
<script src="/static/ads.js"></script>
<script>document.getElementById("cookie-consent").hidden = localStorage.ok;</script>
</body>
</html>
"""


def split_credit(caption: str) -> tuple[str, str]:
    """Split a caption into its text and its photo credit ("Beeld REUTERS", "© REUTERS")."""
    for mark in (" Beeld ", " ©"):
        at = caption.rfind(mark)
        if at > 0:
            return caption[:at], caption[at + 1 :]
    return caption, ""


def render_body(paragraphs, image_base: str) -> str:
    """Render typed paragraphs as a news page's article markup."""
    parts = []
    for n, p in enumerate(paragraphs):
        text = html.escape(p.text, quote=False)
        if p.kind == "heading":
            parts.append(f"<h2>{text}</h2>")
        elif p.kind == "caption":
            words, credit = (html.escape(s, quote=False) for s in split_credit(p.text))
            parts.append(
                f'<figure class="photo"><img src="{image_base}/foto-{n}.jpg" '
                f'alt="Foto bij het artikel" width="800" height="450">'
                f'<figcaption>{words} <span class="credit">{credit}</span></figcaption></figure>'
            )
        elif p.kind == "crosslink" and ":" in p.text:
            lead, title = p.text.split(":", 1)
            parts.append(
                f'<p class="read-also">{html.escape(lead)}: '
                f'<a href="/nieuws/straatvergaderingen">{html.escape(title.strip())}</a></p>'
            )
        else:
            parts.append(f"<p>{text}</p>")
    return "\n".join(parts)


def article_page(seed: SeedPage, base: str, text: str | None = None) -> bytes:
    """Build the page of one seed article (or of `text` in its place)."""
    if text is None:
        text = (SEEDS / f"{seed.stem}.txt").read_text(encoding="utf-8")
    _, paragraphs = parse(text)
    page = PAGE.format(
        title=html.escape(seed.title),
        published=seed.published,
        canonical=f"{base}/nieuws/{seed.slug}",
        body=render_body(paragraphs, f"{base}/img"),
    )
    return page.encode("utf-8")


CONSENT_URL = "https://myprivacy.dpgmedia.net/consent?siteKey=hetnieuws&callbackUrl={back}"
COOKIE_WALL = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Het Nieuws - Privacy-instellingen</title></head>
<body><main>
<h1>Wij vragen je toestemming</h1>
<p>Wij en onze partners gebruiken cookies en vergelijkbare technieken om gepersonaliseerde
advertenties te tonen en het gebruik van de site te meten.</p>
<p>Door op Akkoord te klikken geef je toestemming voor het gebruik van cookies en het verwerken
van je persoonsgegevens door onze partners. Je kunt je toestemming altijd weer intrekken.</p>
<p>Lees meer in onze privacyverklaring en cookieverklaring, of pas je instellingen aan.</p>
<p><button>Akkoord</button> <button>Instellingen aanpassen</button></p>
</main></body></html>
"""
PAYWALL_TITLE = "Kabinet wil meer geld voor de zorg in de regio"
PAYWALL_LEAD = (
    "Het kabinet wil volgend jaar honderden miljoenen euro extra uitgeven aan de zorg in de "
    "regio. Vooral ziekenhuizen in Groningen, Drenthe en Zeeland moeten daarvan profiteren, "
    "zegt de minister in een brief aan de Tweede Kamer."
)
PAYWALL_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{title} | Het Nieuws</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2025-12-02T07:30:00+01:00">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "isAccessibleForFree": false}}</script>
</head>
<body>
<header><a href="/">Het Nieuws</a></header>
<main><article>
<h1>{title}</h1>
<p>{lead}</p>
<div class="paywall">
<p>Dit artikel is exclusief voor abonnees.</p>
<p>Word abonnee en lees onbeperkt alle artikelen voor 1 euro per week.</p>
<p>Ben je al abonnee? Log in om verder te lezen.</p>
</div>
</article></main>
<footer><p>Alle rechten voorbehouden.</p></footer>
</body></html>
"""
ENGLISH_TITLE = "Dutch cabinet plans more money for regional hospitals"
ENGLISH_TEXT = (
    "The Dutch cabinet wants to spend hundreds of millions of euros more on healthcare in the "
    "regions next year. Hospitals in Groningen, Drenthe and Zeeland in particular should "
    "benefit, the minister wrote in a letter to parliament on Tuesday.\n\n"
    "Opposition parties welcomed the plan but asked where the money would come from, and "
    "whether nurses and doctors would see any of it in their salaries."
)


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that takes a client hanging up as normal, not as an error."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Response:
    """What the site answers on one path."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True  # send ETag and Last-Modified, answer 304 when they match
    delay: float = 0.0  # seconds to wait before answering
    chunked: bool = False  # stream the body without a Content-Length
    dribble: float = 0.0  # send the body a byte per this many seconds, never ending (<= 60 s)


class NewsSite:
    """A news site on 127.0.0.1: start it, read `url(path)`, count `requests`, change pages."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()  # requests that carried a validator
        self.user_agents: set[str] = set()
        self.paths: dict[str, Response] = {}
        self.throttle: dict[str, int] = {}  # path -> how many more 429 answers to give
        self.retry_after = "1"
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the site had open at once
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._build()

    def url(self, path: str) -> str:
        return self.base + path

    def page_url(self, seed: SeedPage) -> str:
        return self.url(f"/nieuws/{seed.slug}.html")

    @property
    def bad_urls(self) -> dict[str, str]:
        """Give the feed's bad links, by what is wrong with them."""
        return {
            "dead": self.url("/nieuws/verdwenen.html"),
            "slow": self.url("/nieuws/traag.html"),
            "pdf": self.url("/rapport.pdf"),
            "huge": self.url("/nieuws/enorm.html"),
        }

    def walled_feed(self, elsewhere: str) -> dict[str, str]:
        """Serve `/muren.rss`, two seed articles among walls, teasers, English and `elsewhere`.

        Returns the feed's items by what they are: "news", "news2", "consent" (redirects to
        the consent host), "cookiewall", "paywall", "teaser" (the paywalled page, marked
        premium by the feed), "english" and "elsewhere" (a page of another server).
        """
        back = self.url("/nieuws/toestemming.html")
        self.paths["/nieuws/toestemming.html"] = Response(
            b"", status=302, headers={"Location": CONSENT_URL.format(back=back)}, validators=False
        )
        self.paths["/nieuws/cookiemuur.html"] = Response(COOKIE_WALL.encode())
        walled = PAYWALL_PAGE.format(title=PAYWALL_TITLE, lead=PAYWALL_LEAD).encode()
        self.paths["/nieuws/abonnees.html"] = Response(walled)
        self.paths["/plus/abonnees.html"] = Response(walled)
        english = SeedPage("english", "english", ENGLISH_TITLE, "2025-12-02", "2025-12-02")
        self.paths["/nieuws/english.html"] = Response(
            article_page(english, self.base, ENGLISH_TEXT)
        )
        items = {
            "news": self.page_url(SEED_PAGES[0]),
            "consent": back,
            "cookiewall": self.url("/nieuws/cookiemuur.html"),
            "paywall": self.url("/nieuws/abonnees.html"),
            "teaser": self.url("/plus/abonnees.html"),
            "english": self.url("/nieuws/english.html"),
            "elsewhere": elsewhere,
            "news2": self.page_url(SEED_PAGES[3]),
        }
        titles = {"paywall": PAYWALL_TITLE, "teaser": PAYWALL_TITLE, "english": ENGLISH_TITLE}
        entries = "".join(
            f"<item><title>{html.escape(titles.get(what, what))}</title>"
            f"<link>{html.escape(url)}</link>"
            + ("<category>premium</category>" if what == "teaser" else "")
            + "</item>"
            for what, url in items.items()
            if what not in ("news", "news2")
        )
        seeds = "".join(
            f"<item><title>{html.escape(seed.title)}</title><link>{self.page_url(seed)}</link>"
            f"<pubDate>{format_datetime(LAST_MODIFIED, usegmt=True)}</pubDate></item>"
            for seed in (SEED_PAGES[0], SEED_PAGES[3])
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Het Nieuws - Muren</title><link>{self.base}/</link>"
            f"<description>Nieuws achter muren</description>{seeds}{entries}</channel></rss>\n"
        )
        self.paths["/muren.rss"] = Response(feed.encode(), "application/rss+xml")
        return items

    def set_article(self, seed: SeedPage, text: str) -> None:
        """Change a seed article's page to hold `text`."""
        self.paths[f"/nieuws/{seed.slug}.html"] = Response(article_page(seed, self.base, text))

    def _build(self) -> None:
        for seed in SEED_PAGES:
            self.paths[f"/nieuws/{seed.slug}.html"] = Response(article_page(seed, self.base))
        self.paths["/nieuws/traag.html"] = Response(b"<html><body><p>Te laat.</p></body></html>")
        self.paths["/rapport.pdf"] = Response(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf")
        filler = b"<p>" + b"Opvulling zonder einde. " * 40 + b"</p>\n"
        huge = b"<html><body><article>" + filler * (OVERSIZED_BYTES // len(filler) + 1)
        self.paths["/nieuws/enorm.html"] = Response(huge + b"</article></body></html>")
        self.paths["/feed.rss"] = Response(self.rss(), "application/rss+xml; charset=utf-8")
        self.paths["/feed.atom"] = Response(self.atom(), "application/atom+xml; charset=utf-8")
        self.paths["/goed.rss"] = Response(self.rss(bad=False), "application/rss+xml")

    def rss(self, seeds=SEED_PAGES, bad: bool = True) -> bytes:
        """Build an RSS 2.0 feed of the seed pages (and, with `bad`, the bad links)."""
        items = []
        for seed in seeds:
            date = ""
            if seed.feed_date:
                day = datetime.fromisoformat(seed.feed_date).replace(hour=6, tzinfo=UTC)
                date = f"<pubDate>{format_datetime(day, usegmt=True)}</pubDate>"
            items.append(
                f"<item><title>{html.escape(seed.title)}</title>"
                f"<link>{self.page_url(seed)}</link><guid>{self.page_url(seed)}</guid>"
                f"{date}<description>Een artikel over Venezuela.</description></item>"
            )
        if bad:
            for what, url in self.bad_urls.items():
                items.append(f"<item><title>Kapot: {what}</title><link>{url}</link></item>")
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Het Nieuws - Buitenland</title><link>{self.base}/</link>"
            "<description>Buitenlands nieuws</description><language>nl</language>"
            + "".join(items)
            + "</channel></rss>\n"
        ).encode()

    def atom(self, seeds=SEED_PAGES) -> bytes:
        """Build an Atom feed of the seed pages."""
        entries = [
            f"<entry><title>{html.escape(s.title)}</title>"
            f'<link rel="alternate" href="{self.page_url(s)}"/>'
            f"<id>urn:hetnieuws:{s.stem}</id><updated>{s.published}T06:00:00Z</updated>"
            f"<published>{s.published}T06:00:00Z</published></entry>"
            for s in seeds
        ]
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Het Nieuws</title>'
            f"<id>urn:hetnieuws</id><updated>2025-12-02T09:00:00Z</updated>{''.join(entries)}"
            "</feed>\n"
        ).encode()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    self.get()
                finally:
                    with site._lock:
                        site.in_flight -= 1

            def get(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests[path] += 1
                site.user_agents.add(self.headers.get("User-Agent", ""))
                if path == "/nieuws/traag.html":
                    site.stopping.wait(SLOW_SECONDS)
                if site.throttle.get(path, 0) > 0:
                    site.throttle[path] -= 1
                    return self.answer(429, b"Te veel verzoeken", "text/plain", site.retry_after)
                response = site.paths.get(path)
                if response is None:
                    return self.answer(404, b"<html><body>Niet gevonden</body></html>")
                if response.delay:
                    site.stopping.wait(response.delay)
                if response.dribble:
                    return self.dribble(response)
                etag = '"' + hashlib.sha256(response.body).hexdigest()[:16] + '"'
                headers = dict(response.headers)
                if response.validators:
                    headers["ETag"] = etag
                    headers["Last-Modified"] = format_datetime(LAST_MODIFIED, usegmt=True)
                    asked = self.headers.get("If-None-Match")
                    if asked or self.headers.get("If-Modified-Since"):
                        site.conditional[path] += 1
                    if asked == etag:
                        return self.answer(304, b"", None, headers=headers)
                self.answer(response.status, response.body, response.content_type, headers=headers)

            def dribble(self, response: Response) -> None:
                self.send_response(200)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self.wfile.write(b"<html><body><p>")
                for _ in range(int(60 / response.dribble)):  # bounded, whoever forgets to stop
                    if site.stopping.wait(response.dribble):
                        return
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):  # the client gave up
                        return

            def answer(self, status, body, content_type="text/html", retry_after=None, headers=()):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                for name, value in dict(headers).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: fine
                    pass

        return Handler

    def start(self) -> NewsSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

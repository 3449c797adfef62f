"""Fetching over HTTP: limits, retries, Retry-After, conditional requests and concurrency.

Every request goes to the local news site on 127.0.0.1; sleeps between retries are recorded,
not slept.
"""

from __future__ import annotations

import gzip
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from newssite import SEED_PAGES, SLOW_SECONDS, Response

from tolk import __version__
from tolk.errors import FetchError
from tolk.intake.fetch import Fetcher
from tolk.intake.fetch_terms import FetchOptions, FetchRequest, retry_after_seconds

FAST = FetchOptions(connect_timeout=1.0, read_timeout=0.5, total_timeout=5.0)


@pytest.fixture
def sleeps() -> list[float]:
    """Give a list that records the waits a fetcher asks for."""
    return []


def fetcher(sleeps: list[float], **changes) -> Fetcher:
    options = FetchOptions(**{**FAST.__dict__, **changes})
    return Fetcher(options, sleep=sleeps.append)


def test_a_page_comes_with_its_headers(site, sleeps):
    url = site.page_url(SEED_PAGES[0])
    with fetcher(sleeps) as web:
        page = web.fetch(url)
    assert (page.url, page.final_url, page.status) == (url, url, 200)
    assert page.content_type == "text/html; charset=utf-8" and page.charset == "utf-8"
    assert page.etag.startswith('"') and page.last_modified == "Tue, 02 Dec 2025 09:00:00 GMT"
    assert b"Russische militairen landen in Caracas" in page.body
    assert site.user_agents == {
        f"tolk/{__version__} (batch translation of Dutch news; python-httpx)"
    }


def test_a_stored_copy_that_still_holds_gives_304(site, sleeps):
    url = site.page_url(SEED_PAGES[0])
    with fetcher(sleeps) as web:
        first = web.fetch(url)
        again = web.fetch(FetchRequest(url, first.etag, first.last_modified))
    assert (again.status, again.body) == (304, b"")
    assert site.conditional[f"/nieuws/{SEED_PAGES[0].slug}.html"] == 1


@pytest.mark.parametrize(
    ("path", "changes", "message"),
    [
        (
            "/nieuws/verdwenen.html",
            {},
            "{url}: 404 Not Found; the page is gone: check the link, or leave it out",
        ),
        (
            "/nieuws/traag.html",
            {"retry_delays": ()},
            "{url}: timed out after 0.5 s waiting for data (1 try); try again later",
        ),
        (
            "/rapport.pdf",
            {},
            "{url}: not an HTML page (content-type application/pdf); give tolk the address of an HTML page",
        ),
        (
            "/nieuws/enorm.html",
            {"max_bytes": 1_000_000},
            "{url}: over the size limit of 1 MB; this is not a news article page, or raise the limit",
        ),
    ],
    ids=["dead", "slow", "pdf", "huge"],
)
def test_bad_urls_fail_naming_the_url_and_reason(site, sleeps, path, changes, message):
    url = site.url(path)
    started = time.monotonic()
    with fetcher(sleeps, **changes) as web, pytest.raises(FetchError) as error:
        web.fetch(url)
    assert str(error.value) == message.format(url=url)
    assert time.monotonic() - started < SLOW_SECONDS / 2  # never waited out the stall
    assert site.requests[path] == 1 and sleeps == []


def test_a_streamed_body_is_cut_at_the_size_limit(site, sleeps):
    site.paths["/stroom.html"] = Response(b"<p>" + b"x" * 3_000_000 + b"</p>", chunked=True)
    with fetcher(sleeps, max_bytes=1_000_000) as web, pytest.raises(FetchError, match="1 MB"):
        web.fetch(site.url("/stroom.html"))


def test_429_is_retried_after_the_wait_the_server_asks(site, sleeps):
    path = f"/nieuws/{SEED_PAGES[1].slug}.html"
    site.throttle[path] = 1
    with fetcher(sleeps) as web:
        page = web.fetch(site.url(path))
    assert page.status == 200
    assert site.requests[path] == 2 and sleeps == [1.0]


def test_a_wait_over_the_cap_fails_with_a_clear_reason(site, sleeps):
    path = f"/nieuws/{SEED_PAGES[1].slug}.html"
    site.throttle[path], site.retry_after = 5, "3600"
    with fetcher(sleeps) as web, pytest.raises(FetchError) as error:
        web.fetch(site.url(path))
    assert str(error.value) == (
        f"{site.url(path)}: 429 Too Many Requests, and the server asks tolk to wait 3600 s "
        "(Retry-After), longer than the 120 s tolk waits; try again later"
    )
    assert site.requests[path] == 1 and sleeps == []


def test_5xx_is_retried_with_backoff_then_given_up(site, sleeps):
    site.paths["/kapot.html"] = Response(b"oeps", status=503)
    with fetcher(sleeps, retry_delays=(1.0, 4.0)) as web, pytest.raises(FetchError) as error:
        web.fetch(site.url("/kapot.html"))
    assert str(error.value) == (
        f"{site.url('/kapot.html')}: 503 Service Unavailable (3 tries); try again later"
    )
    assert site.requests["/kapot.html"] == 3 and sleeps == [1.0, 4.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (None, None), ("soon", None), ("HTTP-DATE", 90.0), ("PAST-DATE", 0.0)],
)
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    now = datetime(2025, 12, 2, 9, 0, tzinfo=UTC)
    if header == "HTTP-DATE":
        header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    if header == "PAST-DATE":
        header = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(header, now) == seconds


def test_redirects_are_followed_and_bounded(site, sleeps):
    target = site.page_url(SEED_PAGES[2])
    for n in range(7):
        where = target if n == 0 else site.url(f"/verhuisd/{n - 1}")
        site.paths[f"/verhuisd/{n}"] = Response(b"", status=301, headers={"Location": where})
    with fetcher(sleeps) as web:
        assert web.fetch(site.url("/verhuisd/1")).final_url == target
        with pytest.raises(FetchError, match="more than 5 redirects"):
            web.fetch(site.url("/verhuisd/6"))


def test_a_closed_port_cannot_connect(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with fetcher(sleeps) as web, pytest.raises(FetchError, match="cannot connect") as error:
        web.fetch(f"http://127.0.0.1:{port}/feed.rss")
    assert str(error.value).startswith(f"http://127.0.0.1:{port}/feed.rss: cannot connect (")
    assert sleeps == []


def test_only_http_urls_are_fetched(sleeps):
    with fetcher(sleeps) as web, pytest.raises(FetchError, match="not an http"):
        web.fetch("file:///etc/passwd")


@pytest.mark.parametrize(("per_host", "max_connections", "most"), [(2, 8, 2), (8, 3, 3)])
def test_fetch_many_keeps_to_the_limits(site, sleeps, per_host, max_connections, most):
    for n in range(8):
        site.paths[f"/p/{n}.html"] = Response(b"<p>pagina</p>", delay=0.1)
    urls = [site.url(f"/p/{n}.html") for n in range(8)] + [site.url("/nieuws/verdwenen.html")]
    with fetcher(sleeps, per_host=per_host, max_connections=max_connections) as web:
        results = dict(web.fetch_many(urls))
    assert site.max_in_flight == most
    assert sorted(r.url for r in results) == sorted(urls)
    errors = {r.url: str(e) for r, e in results.items() if isinstance(e, FetchError)}
    assert list(errors) == [site.url("/nieuws/verdwenen.html")]


def test_the_size_limit_holds_for_the_unpacked_body(site, sleeps):
    bomb = gzip.compress(b"<p>" + b"0" * 3_000_000 + b"</p>")
    site.paths["/bom.html"] = Response(bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 10_000
    with fetcher(sleeps, max_bytes=1_000_000) as web, pytest.raises(FetchError, match="1 MB"):
        web.fetch(site.url("/bom.html"))

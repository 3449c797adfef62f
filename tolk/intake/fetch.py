"""Fetch pages and feeds over HTTP, politely and within limits: a URL in, bytes and headers out.

Every request has connect and read timeouts, a time limit for the whole response and a size
limit (the body is streamed and dropped past it), a User-Agent that names tolk and its
version, and a bounded number of redirects. Timeouts, 429 and 5xx answers are retried with
backoff, honouring Retry-After up to a cap; a response over the whole-response limit is not
(it would only dribble again), and a host that has cost its time budget in timeouts fails its
other pages at once. At most a few requests go to one host at a time.
Validators (ETag, Last-Modified) make requests conditional; a 304 comes back as such. A URL
check, if given, is asked before every request and redirect hop (see tolk.intake.urlpolicy). Every
failure is one `FetchError` whose message names the URL, the reason and what to do.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from tolk.errors import FetchError
from tolk.intake.fetch_terms import (
    DEFAULT_FETCH,
    RETRY_STATUSES,
    Expect,
    Fetched,
    FetchOptions,
    FetchRequest,
    retry_after_seconds,
    status_reason,
    type_fits,
)
from tolk.intake.files import megabytes


class _Retry(Exception):
    """A failure that may pass: a timeout, 429 or 5xx."""

    def __init__(
        self, reason: str, retry_after: float | None = None, timed_out: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason, self.retry_after, self.timed_out = reason, retry_after, timed_out


class Fetcher:
    """Fetch URLs with one shared HTTP client; use as a context manager, or `close()`."""

    def __init__(
        self,
        options: FetchOptions = DEFAULT_FETCH,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        check_url: Callable[[str], None] | None = None,
    ) -> None:
        self.options, self._sleep = options, sleep
        # Asked before every request, each redirect hop included (tolk.intake.urlpolicy); it raises.
        hooks = {"request": [lambda request: check_url(str(request.url))]} if check_url else {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                options.read_timeout, connect=options.connect_timeout, pool=options.total_timeout
            ),
            limits=httpx.Limits(max_connections=options.max_connections),
            follow_redirects=True,
            max_redirects=options.max_redirects,
            headers={"User-Agent": options.user_agent},
            transport=transport,
            event_hooks=hooks,
        )
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._spent: Counter[str] = Counter()  # seconds each host cost in timeouts
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        with self._lock:
            host = urlsplit(url).netloc.lower()
            return self._hosts.setdefault(host, threading.BoundedSemaphore(self.options.per_host))

    def fetch(self, request: FetchRequest | str, expect: Expect = "page") -> Fetched:
        """Fetch one URL, retrying what may pass; raise `FetchError` naming it otherwise."""
        if isinstance(request, str):
            request = FetchRequest(request)
        url = request.url
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"{url}: not an http(s) URL; give the full address of the page")
        delays, host = self.options.retry_delays, urlsplit(url).netloc.lower()
        for attempt in range(len(delays) + 1):
            started = time.monotonic()
            try:
                with self._host_slot(url):
                    self._check_budget(url, host)
                    return self._guarded(request, expect)
            except _Retry as failure:
                if failure.timed_out:
                    with self._lock:
                        self._spent[host] += time.monotonic() - started
                if attempt == len(delays):
                    tries = f"{attempt + 1} tries" if attempt else "1 try"
                    raise FetchError(
                        f"{url}: {failure.reason} ({tries}); try again later"
                    ) from None
                wait_for = delays[attempt] if failure.retry_after is None else failure.retry_after
                cap = self.options.max_retry_after
                if wait_for > cap:
                    raise FetchError(
                        f"{url}: {failure.reason}, and the server asks tolk to wait "
                        f"{wait_for:.0f} s (Retry-After), longer than the {cap:.0f} s tolk "
                        "waits; try again later"
                    ) from None
                self._sleep(wait_for)
        raise AssertionError("unreachable")

    def _check_budget(self, url: str, host: str) -> None:
        budget = self.options.host_budget
        if self._spent[host] >= budget:
            raise FetchError(
                f"{url}: {host} has already cost {self._spent[host]:.0f} s in responses that "
                f"timed out, over its budget of {budget:g} s; its other pages fail at once: try "
                "again later"
            )

    def _guarded(self, request: FetchRequest, expect: Expect) -> Fetched:
        """Fetch once; whatever goes wrong with one URL becomes that URL's `FetchError`."""
        try:
            return self._fetch_once(request, expect)
        except (FetchError, _Retry):
            raise
        except Exception as error:  # noqa: BLE001 - one URL must never stop the run (issue 21)
            raise FetchError(
                f"{request.url}: the request failed ({type(error).__name__}: {error}); "
                "check the URL in a browser, or leave it out"
            ) from error

    def _fetch_once(self, request: FetchRequest, expect: Expect) -> Fetched:
        url, options = request.url, self.options
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        started = time.monotonic()
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in RETRY_STATUSES:
                    after = retry_after_seconds(response.headers.get("Retry-After"))
                    raise _Retry(f"{status} {response.reason_phrase}", after)
                if status >= 400:
                    raise FetchError(status_reason(url, status, response.reason_phrase))
                content_type = response.headers.get("Content-Type", "")
                if status != 304 and not type_fits(content_type, expect):
                    what = "an HTML page" if expect == "page" else "an RSS or Atom feed"
                    raise FetchError(
                        f"{url}: not {what} (content-type {content_type}); "
                        f"give tolk the address of {what}"
                    )
                body = b"" if status == 304 else self._read_body(response, url, started)
                return Fetched(
                    url=url,
                    final_url=str(response.url),
                    status=status,
                    content_type=content_type,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    body=body,
                )
        except httpx.ConnectTimeout:
            raise _Retry(
                f"timed out after {options.connect_timeout:g} s connecting", timed_out=True
            ) from None
        except httpx.TimeoutException:
            raise _Retry(
                f"timed out after {options.read_timeout:g} s waiting for data", timed_out=True
            ) from None
        except httpx.InvalidURL as error:  # a redirect to javascript:, data:, a broken URL
            raise FetchError(
                f"{url}: redirected to an address tolk cannot follow ({error}); leave it out"
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            if "location header" in str(error).lower():  # a broken redirect: it will not pass
                raise FetchError(
                    f"{url}: redirected to an address tolk cannot follow ({error}); leave it out"
                ) from None
            raise _Retry(f"the connection broke ({error or type(error).__name__})") from None
        except httpx.TooManyRedirects:
            raise FetchError(
                f"{url}: more than {options.max_redirects} redirects; check the URL in a browser"
            ) from None
        except httpx.ConnectError as error:
            raise FetchError(
                f"{url}: cannot connect ({error}); check the address and the network"
            ) from None
        except httpx.HTTPError as error:
            raise FetchError(
                f"{url}: the request failed ({type(error).__name__}: {error})"
            ) from None

    def _read_body(self, response: httpx.Response, url: str, started: float) -> bytes:
        limit, total = self.options.max_bytes, self.options.total_timeout
        too_big = FetchError(
            f"{url}: over the size limit of {megabytes(limit)}; "
            "this is not a news article page, or raise the limit"
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        for chunk in response.iter_bytes():  # decompressed: the limit holds for what we keep
            size += len(chunk)
            if size > limit:
                raise too_big
            if time.monotonic() - started > total:
                # Not retried: a page that dribbles this long would only dribble again.
                with self._lock:
                    self._spent[urlsplit(url).netloc.lower()] += time.monotonic() - started
                raise FetchError(
                    f"{url}: the response took over {total:g} s, tolk's limit for one page "
                    "(not retried); leave it out, or raise --fetch-timeout"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def fetch_many(
        self, requests: Iterable[FetchRequest | str], expect: Expect = "page"
    ) -> Iterator[tuple[FetchRequest, Fetched | FetchError]]:
        """Fetch URLs concurrently within the limits; yield each with its result or error."""
        queues: dict[str, deque[FetchRequest]] = {}
        for request in requests:
            request = FetchRequest(request) if isinstance(request, str) else request
            queues.setdefault(urlsplit(request.url).netloc.lower(), deque()).append(request)
        busy: Counter[str] = Counter()
        running: dict[Future, tuple[str, FetchRequest]] = {}
        with ThreadPoolExecutor(self.options.max_connections, "tolk-fetch") as pool:
            while queues or running:
                for host in list(queues):  # start what the limits allow, host by host
                    queue = queues[host]
                    while queue and busy[host] < self.options.per_host:
                        if len(running) >= self.options.max_connections:
                            break
                        request = queue.popleft()
                        running[pool.submit(self.fetch, request, expect)] = (host, request)
                        busy[host] += 1
                    if not queue:
                        del queues[host]
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    host, request = running.pop(future)
                    busy[host] -= 1
                    try:
                        result: Fetched | FetchError = future.result()
                    except FetchError as error:
                        result = error
                    yield request, result

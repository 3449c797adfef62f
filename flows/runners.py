"""Task runners for the digest flow: in-process by default, or a Dask cluster."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect_dask import DaskTaskRunner


def dask_runner(workers: int = 0, address: str | None = None) -> DaskTaskRunner:
    """Return a Dask task runner: a cluster at `address`, or a local one of `workers` processes.

    Each local worker is one process with one task thread; the translator inside it takes its
    share of the machine's cores (see `flows.digest.worker_spec`), so workers never oversubscribe.
    """
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": max(1, workers),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        },
    )


@contextmanager
def shared_api(scheduler: bool = False) -> Iterator[str]:
    """Give this process and its children one Prefect API for the block's duration.

    The configured API ($PREFECT_API_URL) when there is one. Otherwise a local server, since
    with none each process would start a temporary server of its own: Dask workers would pay
    seconds each and hide their task runs from the flow's run. A temporary server runs no
    scheduler, so `scheduler=True` (for `tolk serve`) starts a full `prefect server`, its
    SQLite database in $PREFECT_HOME. Children inherit the address through the environment.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    url = PREFECT_API_URL.value()
    stop = None
    if not url:
        url, stop = _start_full_server() if scheduler else _start_temporary_server()
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if stop:
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()  # the run's last log lines, before their server goes away
        _restore("PREFECT_API_URL", previous)
        if stop:
            stop()


def _start_temporary_server() -> tuple[str, Callable[[], None]]:
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    return server.api_url, server.stop


def _start_full_server(timeout: float = 120) -> tuple[str, Callable[[], None]]:
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`prefect server start` exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return url, stop
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.5)
    stop()
    raise RuntimeError(f"the local Prefect server did not answer at {url} in {timeout:.0f} s")


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value

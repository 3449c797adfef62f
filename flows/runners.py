"""Task runners for the digest flow: in-process by default, or a Dask cluster."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from prefect.server.api.server import SubprocessASGIServer
from prefect_dask import DaskTaskRunner

from tolk.errors import TolkError

PR_SET_PDEATHSIG = 1


class SchedulerUnreachable(TolkError):
    "The Dask scheduler named by --dask-address does not answer."


def die_with_parent() -> None:
    """In a child process: ask Linux to end it when its parent dies (even by kill -9)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's normal shutdown stops it
        pass


def check_scheduler(address: str, timeout: float = 10.0) -> None:
    """Fail fast, with the address in the message, when a Dask scheduler does not answer."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port or 8786
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise SchedulerUnreachable(
            f"{address!r} is not a Dask scheduler address; give one like tcp://host:8786"
        )
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        raise SchedulerUnreachable(
            f"cannot reach the Dask scheduler at {address} ({error.strerror or error}, within "
            f"{timeout:.0f} s); start it, check the address, or use --workers N for a local one"
        ) from None


def check_cron(cron: str) -> None:
    """Raise ValueError naming the problem when `cron` is not a cron line."""
    from prefect.schedules import validate_cron_string

    try:
        validate_cron_string(cron)
    except ValueError as error:
        raise ValueError(f"{cron!r} is not a cron line ({error})") from None


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


class _ChildServer(SubprocessASGIServer):
    """Prefect's temporary server, as a child that ends when this process dies however it dies.

    Prefect's own is left running (uvicorn, ~220 MB) when cron kills the parent with SIGKILL.
    The command is Prefect 3.8's `_run_uvicorn_command`, started with `die_with_parent`.
    """

    def _run_uvicorn_command(self) -> subprocess.Popen:
        from prefect.settings import get_current_settings

        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(_prefect_root())]
        command += ["--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            **get_current_settings().to_environment_variables(exclude_unset=True),
        }
        return subprocess.Popen(command, env=env, preexec_fn=die_with_parent)  # noqa: PLW1509


def _prefect_root():
    import prefect

    return prefect.__module_path__.parent


def _start_temporary_server() -> tuple[str, Callable[[], None]]:
    server = _ChildServer()
    server.start()
    return server.api_url, server.stop


def _start_full_server(timeout: float = 120) -> tuple[str, Callable[[], None]]:
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, preexec_fn=die_with_parent
    )
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

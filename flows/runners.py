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
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tolk.errors import TolkError

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner

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
    from prefect_dask import DaskTaskRunner

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
def shared_api(
    scheduler: bool = False,
    meanwhile: Callable[[], object] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Give this process and its children one Prefect API for the block's duration.

    The configured API ($PREFECT_API_URL) when there is one. Otherwise a local server, since
    with none each process would start a temporary server of its own: Dask workers would pay
    seconds each and hide their task runs from the flow's run. A temporary server runs no
    scheduler, so `scheduler=True` (for `tolk serve`) starts a full `prefect server`, its
    SQLite database in $PREFECT_HOME. Children inherit the address through the environment.
    A server started here runs in its own session, so a Ctrl-C at the terminal reaches tolk
    alone: tolk still needs the server while it stops (a serve pauses its deployment, a run
    reports its state) and stops it last; if tolk dies, the server dies with it.
    `meanwhile` runs while a server starts (seconds of importing in its own process). `port`
    fixes the full server's port (else a free one).
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    url = PREFECT_API_URL.value()
    stop = None
    if not url:
        if scheduler:
            url, stop = _start_full_server(meanwhile, port=port)
        else:
            url, stop = _start_temporary_server(meanwhile)
    elif meanwhile:
        meanwhile()
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


def _prefect_root():
    import prefect

    return prefect.__module_path__.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_temporary_server(
    meanwhile: Callable[[], object] | None = None,
) -> tuple[str, Callable[[], None]]:
    """Start Prefect's temporary server as a child that ends when this process dies, however.

    Prefect's own (`SubprocessASGIServer`) is left running (uvicorn, ~220 MB) when cron kills
    the parent with SIGKILL, and importing it costs the parent 2 s. This runs the same command
    (Prefect 3.8's `_run_uvicorn_command`) with `die_with_parent`.
    """
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        get_current_settings,
    )

    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }

    def launch(port: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(_prefect_root())]
        command += ["--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "error", "--lifespan", "on"]
        return subprocess.Popen(  # noqa: PLW1509
            command, env=env, preexec_fn=die_with_parent, start_new_session=True
        )

    port = _free_port()
    process = launch(port)
    from prefect.logging.loggers import get_logger

    get_logger().info(f"Starting temporary server on http://127.0.0.1:{port}")
    timeout = max(30, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    return _await_server(process, port, timeout, meanwhile, relaunch=launch)


def _await_server(
    process: subprocess.Popen,
    port: int,
    timeout: float,
    meanwhile: Callable[[], object] | None,
    relaunch: Callable[[int], subprocess.Popen] | None = None,
) -> tuple[str, Callable[[], None]]:
    """Run `meanwhile`, then wait (bounded) until the server answers; return its API and stop."""
    import httpx

    state = {"process": process}

    def stop() -> None:
        child = state["process"]
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()

    try:
        if meanwhile:
            meanwhile()
        deadline = time.monotonic() + timeout
        retries = 3
        while time.monotonic() < deadline:
            code = state["process"].poll()
            if code == 3 and relaunch and retries:  # uvicorn: the port was taken meanwhile
                retries -= 1
                port = _free_port()
                state["process"] = relaunch(port)
                continue
            if code is not None:
                raise RuntimeError(f"the local Prefect server exited with status {code}")
            try:
                url = f"http://127.0.0.1:{port}/api"
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return url, stop
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
    except BaseException:
        stop()
        raise
    stop()
    raise RuntimeError(f"the local Prefect server did not answer on port {port} in {timeout:.0f} s")


def check_port(port: int) -> None:
    """Fail with what to do when a local port is taken."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise TolkError(
                f"port {port} on 127.0.0.1 is in use ({error.strerror}): another program (or "
                "another `tolk serve`) has it; give --ui-port another port"
            ) from None


def _start_full_server(
    meanwhile: Callable[[], object] | None = None, timeout: float = 120, port: int | None = None
) -> tuple[str, Callable[[], None]]:
    if port:
        check_port(port)
    port = port or _free_port()
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    process = subprocess.Popen(  # noqa: PLW1509
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        start_new_session=True,
    )
    return _await_server(process, port, timeout, meanwhile)


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value

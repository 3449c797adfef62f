"""Task runners for the digest flow: in-process by default, or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
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
def api_shared_with_workers() -> Iterator[None]:
    """Make Dask worker processes report to this process's Prefect API.

    With no Prefect server configured, each process would start a temporary server of its own,
    which costs seconds per worker and hides the workers' task runs from the flow's run. So
    start one here and hand its address to the workers through the environment they inherit.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = PREFECT_API_URL.value()
    previous = os.environ.get("PREFECT_API_URL")
    if url:
        os.environ["PREFECT_API_URL"] = url
        try:
            yield
        finally:
            _restore("PREFECT_API_URL", previous)
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield
    finally:
        from prefect.logging.handlers import APILogHandler

        APILogHandler().flush()  # the run's last log lines, before their server goes away
        _restore("PREFECT_API_URL", previous)
        server.stop()


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value

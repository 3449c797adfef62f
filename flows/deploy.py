"""Deployments of the digest flow, for a Prefect server with workers (see prefect.yaml).

`digest_on_dask` is the same flow with its chunks on a Dask cluster: the one at
$TOLK_DASK_ADDRESS, else a local cluster of $TOLK_DASK_WORKERS worker processes (default 2).
Run `python flows/deploy.py` to register both deployments from Python instead of prefect.yaml.
Both write into the same output folder, so only `daily` is scheduled; activate one or the other
(the folder's lock keeps two runs from writing at once either way).
"""

from __future__ import annotations

import os

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.digest import digest
from flows.runners import dask_runner
from tolk.settings import DEFAULT_OUTPUT_DIR, DEFAULT_SOURCES, Settings

DASK_WORKERS = int(os.environ.get("TOLK_DASK_WORKERS", "2"))
CRON, TIMEZONE = "0 6 * * *", "Europe/Amsterdam"

digest_on_dask = digest.with_options(
    task_runner=dask_runner(
        workers=DASK_WORKERS, address=os.environ.get("TOLK_DASK_ADDRESS") or None
    )
)


def parameters(window: int = 0) -> dict:
    """Return a deployment's parameters: tolk's defaults, from `Settings`."""
    return {
        "sources": list(DEFAULT_SOURCES),
        "output_dir": DEFAULT_OUTPUT_DIR,
        "settings": Settings().to_dict(),
        "window": window,
    }


def main() -> None:
    """Register the daily deployments with the configured Prefect server."""
    # A run still going when the next is due makes the next one skip, not queue behind it.
    one_at_a_time = ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
    )
    for flow, name, window, active in (
        (digest, "daily", 0, True),  # 0: as suits the backend (tolk.run.chunks_at_once)
        (digest_on_dask, "daily-dask", 2 * DASK_WORKERS, False),
    ):
        flow.deploy(
            name=name,
            work_pool_name=os.environ.get("TOLK_WORK_POOL", "tolk"),
            schedules=[Cron(CRON, timezone=TIMEZONE, active=active)],
            concurrency_limit=one_at_a_time,
            parameters=parameters(window),
            build=False,
            push=False,
        )


if __name__ == "__main__":
    main()

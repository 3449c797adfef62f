"""Deployments of the digest flow, for a Prefect server with workers (see prefect.yaml).

`digest_on_dask` is the same flow with its chunks on a Dask cluster: the one at
$TOLK_DASK_ADDRESS, else a local cluster of $TOLK_DASK_WORKERS worker processes (default 2).
Run `python flows/deploy.py` to register both deployments from Python instead of prefect.yaml.
"""

from __future__ import annotations

import os

from flows.digest import digest
from flows.runners import dask_runner

digest_on_dask = digest.with_options(
    task_runner=dask_runner(
        workers=int(os.environ.get("TOLK_DASK_WORKERS", "2")),
        address=os.environ.get("TOLK_DASK_ADDRESS") or None,
    )
)

DEFAULT_PARAMETERS = {
    "input_dir": "seeds",
    "output_dir": "outputs",
    "model": "Helsinki-NLP/opus-mt-nl-en",
    "backend": "auto",
}


def main() -> None:
    """Register the daily deployments with the configured Prefect server."""
    for flow, name in ((digest, "daily"), (digest_on_dask, "daily-dask")):
        flow.deploy(
            name=name,
            work_pool_name=os.environ.get("TOLK_WORK_POOL", "tolk"),
            cron="0 6 * * *",
            parameters=DEFAULT_PARAMETERS,
            build=False,
            push=False,
        )


if __name__ == "__main__":
    main()

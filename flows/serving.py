"""Serve a flow on a cron schedule until stopped, by Ctrl-C or SIGTERM alike.

What `Flow.serve` does (a Prefect runner polling for the deployment's scheduled runs), with a
runner that stops cleanly on SIGTERM, the signal that systemd, docker and `kill` send, and that
says when it is serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect import Flow
from prefect.runner import Runner


class Serving(Runner):
    """Prefect's runner, stopping on SIGTERM as it does on Ctrl-C; `ready` runs once it serves."""

    def __init__(self, *args: Any, ready: Callable[[], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._ready = ready
        self._stopping_task: asyncio.Task | None = None

    async def __aenter__(self):
        runner = await super().__aenter__()
        if self._ready:
            self._ready()  # now, not before: a SIGTERM from here on stops it cleanly
        return runner

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        # Prefect 3.8's handler calls the sync `stop()` from inside the running event loop,
        # where it dispatches to `astop()` and leaves that coroutine never awaited (a
        # RuntimeWarning on every shutdown), then calls sys.exit inside the loop, cutting its
        # tasks short (tracebacks). Stopping on the loop instead lets `start()` return, the
        # deployment paused, as after Ctrl-C.
        self._logger.info("SIGTERM received, shutting down...")
        loop = self._loop
        if not self.started or loop is None:
            raise KeyboardInterrupt  # still starting: stop as Ctrl-C would
        loop.call_soon_threadsafe(self._stop)

    def _stop(self) -> None:
        if self._stopping_task is None and self.started:
            self._stopping_task = asyncio.ensure_future(self.astop())


def deploy_and_serve(
    flow: Flow,
    name: str,
    cron: str,
    parameters: dict[str, Any],
    limit: int = 1,
    ready: Callable[[UUID], None] | None = None,
) -> None:
    """Register `flow` as deployment `name` on `cron` and run its scheduled runs until stopped.

    `ready` is told the deployment's id once the runner serves it. Returns on Ctrl-C or SIGTERM.
    """
    deployment: list[UUID] = []

    def serving() -> None:
        if ready:
            ready(deployment[0])

    runner = Serving(name=name, limit=limit, ready=serving)
    deployment.append(runner.add_flow(flow, name=name, cron=cron, parameters=parameters))
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        return  # Ctrl-C: asyncio cancelled the runner, which paused its deployment on the way

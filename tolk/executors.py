"""How a run's steps are executed: here and now, or submitted to run at once on threads.

`tolk.run.digest` reads, translates and commits through an `Executor`: `Threads` (its default:
as many chunks translating at once as suit the backend, `chunks_at_once`), `Inline` (in order)
or the flow's Prefect tasks on any task runner (`flows/digest.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from tolk.records import Signature


class Pending(Protocol):
    def result(self) -> Any: ...


class Executor(Protocol):
    """How the steps of a run are executed: `run` here and now, `submit` possibly elsewhere."""

    window: int  # chunks translating at once; 0: as suits the backend (see `chunks_at_once`)

    def run(self, step: Callable, *args: Any) -> Any: ...

    def submit(self, step: Callable, *args: Any) -> Pending: ...


class _Done:
    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class Inline:
    """Run every step in this process, in order."""

    window = 1

    def run(self, step: Callable, *args: Any) -> Any:
        return step(*args)

    def submit(self, step: Callable, *args: Any) -> Pending:
        return _done(step, *args)


def _done(step: Callable, *args: Any) -> _Done:
    """Run a step now; keep its result or its error for `result()`, as a future would."""
    try:
        return _Done(step(*args))
    except Exception as error:  # noqa: BLE001 - raised again from result()
        return _Done(error=error)


class Threads:
    """Run every step in this process; translate up to `window` chunks at once, on threads.

    What Prefect's default task runner does for the flow, without Prefect. With a window of one,
    a chunk translates on the calling thread, as `Inline` does (a torch model decodes slower on
    a thread other than the one that loaded it). Close it when the run is over.
    """

    def __init__(self, window: int = 1) -> None:
        self.window = max(1, window)
        self._pool: ThreadPoolExecutor | None = None

    def run(self, step: Callable, *args: Any) -> Any:
        return step(*args)

    def submit(self, step: Callable, *args: Any) -> Pending:
        if self.window == 1:
            return _done(step, *args)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.window, thread_name_prefix="tolk-chunk")
        return self._pool.submit(step, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def chunks_at_once(window: int, signature: Signature) -> int:
    """Return how many chunks may translate at once: `window`, or for 0 what suits the backend.

    On a CPU, ct2 queues a chunk's batches and each core decodes one: a second chunk in flight
    fills the cores while the last batches of the first finish (one idle core at the end of
    each chunk otherwise: the 20 Alpino test articles took 20.7 s against 22.0 s, the mean of
    two runs each, Intel Xeon, 2 cores). torch splits one batch across the cores, so two
    chunks would only fight for them.
    """
    if window > 0:
        return window
    return 2 if signature.backend == "ct2" and signature.device == "cpu" else 1

"""How a run's steps execute in this process: `Threads` (the library's default) and `Inline`."""

from __future__ import annotations

import threading

import pytest
from support import HANG_SECONDS

from tolk.executors import Inline, Threads


def test_threads_translate_up_to_their_window_at_once():
    both_running = threading.Barrier(2, timeout=HANG_SECONDS)

    def chunk(n: int) -> tuple[int, str]:
        both_running.wait()  # breaks (an error) unless the other chunk runs at the same time
        return n, threading.current_thread().name

    threads = Threads(2)
    try:
        first, second = threads.submit(chunk, 1), threads.submit(chunk, 2)
        results = [first.result(), second.result()]
    finally:
        threads.close()
    assert [n for n, _ in results] == [1, 2]
    assert all(name.startswith("tolk-chunk") for _, name in results)


def test_a_window_of_one_translates_on_the_calling_thread_as_inline_does():
    for executor in (Threads(1), Inline()):
        done = executor.submit(lambda: threading.current_thread())
        assert done.result() is threading.current_thread()


@pytest.mark.parametrize(
    "executor", [Threads(1), Threads(2), Inline()], ids=["threads-1", "threads-2", "inline"]
)
def test_a_steps_error_is_raised_from_its_result_not_from_submit(executor):
    def broken():
        raise ValueError("chunk 3 broke")

    pending = executor.submit(broken)  # does not raise: the run collects in order
    with pytest.raises(ValueError, match="chunk 3 broke"):
        pending.result()
    assert executor.run(lambda x: x + 1, 1) == 2
    if isinstance(executor, Threads):
        executor.close()

"""Progress on a terminal: a bar per chunk translating, with sentences/s and the time left.

The library reports progress through a callback (`tolk.run.digest(progress=...)`); here the
command line picks it. On a terminal, `progress_bars` gives rich progress bars, the repair pass
counted on in the same bar (named, its sentences added to the total) and the finished chunks'
bars folded away as the next begins; log lines print above the bars. Anywhere else (CI, cron,
a pipe, Prefect's logs) it gives None, and each chunk logs its progress as lines
(`tolk.compose.progress_logger`).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.text import Text

from tolk.translate.base import Progress as Hears

ChunkProgress = Callable[[str], Hears]


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


class Bars:
    """Give each chunk its bar on `bars`: called with a chunk's label, return its callback."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars

    def _fold_finished(self) -> None:
        for task in self.bars.tasks:
            if task.finished and task.visible:
                self.bars.update(task.id, visible=False)

    def __call__(self, label: str) -> Hears:
        """Return the callback that moves a chunk's bar (the chunk translates from now on).

        The bar appears with the first sentences done: a chunk with none to translate has none.
        """
        bars = self.bars
        started, first, tasks = bars.get_time(), [], []

        def hear(done: int, total: int) -> None:
            if not tasks:
                self._fold_finished()
                tasks.append(bars.add_task(label, total=total, rate="", left=""))
                first.append(total)
            task: TaskID = tasks[0]
            repairing = total - first[0]
            rate = done / max(bars.get_time() - started, 1e-9)
            left = (total - done) / rate if rate > 0 else 0.0
            bars.update(
                task,
                completed=done,
                total=total,
                description=f"{label}, repair pass of {repairing}" if repairing else label,
                visible=True,
                rate=f"{rate:.1f} sentences/s",
                left=f"about {_duration(left)} left" if done < total else "done",
            )

        return hear


def make_bars(console: Console, **options) -> Progress:
    """Lay out the bars: chunk, bar, sentences done of the total, the rate, the time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sentences"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.fields[left]}"),
        console=console,
        **options,
    )


def _stream_handlers(stream: TextIO) -> list[logging.Handler]:
    """Find the logging handlers that write to `stream` (Prefect's and the standard kind)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]  # fmt: skip
    found: list[logging.Handler] = []
    for logger in loggers:
        for handler in logger.handlers:
            console = getattr(handler, "console", None)
            writes_to = console.file if isinstance(console, Console) else None
            writes_to = writes_to or getattr(handler, "stream", None)
            if writes_to is stream and handler not in found:
                found.append(handler)
    return found


class Above(io.TextIOBase):
    """A stream whose lines print above the bars, their colours kept.

    Not rich's FileProxy: a rich Console (Prefect's log handler has one) unwraps that one and
    writes across the bars again.
    """

    def __init__(self, console: Console, stream: TextIO) -> None:
        self.console, self.stream, self._partial = console, stream, ""

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self.console.print(Text.from_ansi(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self.console.print(Text.from_ansi(self._partial), soft_wrap=True)
            self._partial = ""

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")


@contextmanager
def _logs_above(bars: Progress, stream: TextIO) -> Iterator[None]:
    """Print what the handlers on `stream` log above the bars, not across them."""
    above = Above(bars.console, stream)
    handlers = _stream_handlers(stream)
    for handler in handlers:
        _point(handler, above)
    try:
        yield
    finally:
        for handler in handlers:
            _point(handler, stream)
        above.flush()


def _point(handler, target: TextIO) -> None:
    """Make a log handler write to `target`: a rich handler through its console's file, any
    other stream handler through its stream."""
    console = getattr(handler, "console", None)
    if isinstance(console, Console):
        console.file = target
    else:
        handler.setStream(target)


@contextmanager
def run_log(stream: TextIO | None = None) -> Iterator[None]:
    """Print the library's log (the "tolk" logger: each chunk's progress, notes, warnings) on
    `stream` (stderr) for the block, timed lines as Prefect's are, for a run in this process.

    Nothing is added where the "tolk" logger already has a handler (an application's own).
    """
    log = logging.getLogger("tolk")
    if log.handlers:
        yield
        return
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s.%(msecs)03d | %(levelname)-7s | %(message)s", "%H:%M:%S")
    )
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


@contextmanager
def progress_bars(stream: TextIO | None = None, **options) -> Iterator[ChunkProgress | None]:
    """Give progress bars on `stream` (stderr) for the block if it is a terminal, else None.

    `options` go to rich's `Progress` (a test's clock, `auto_refresh`).
    """
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield None
        return
    with ExitStack() as stack:
        bars = stack.enter_context(make_bars(Console(file=stream), **options))
        stack.enter_context(_logs_above(bars, stream))
        yield Bars(bars)

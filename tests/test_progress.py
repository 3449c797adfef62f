"""Progress never goes silent: the repair pass is counted, with the rate and the time left, as
log lines off a terminal and as bars on one."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading

import pytest
from rich.console import Console
from support import HANG_SECONDS
from test_translate import LoopingTranslator

from tolk.checks.flags import flag_pair
from tolk.cli.progress import Above, Bars, make_bars, progress_bars
from tolk.compose import progress_logger


def test_the_repair_pass_reports_progress_too():
    seen: list[tuple[int, int]] = []
    LoopingTranslator().translate(
        ["Een lus hier.", "Dit is leeg.", "Gewoon goed."],
        beams=1,
        progress=lambda *p: seen.append(p),
        judge=flag_pair,
    )
    assert seen[-1] == (5, 5)  # 3 sentences, then 2 repaired
    assert (3, 3) in seen and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_lines_give_the_rate_the_time_left_and_the_repair_pass(caplog):
    log = logging.getLogger("tolk.test.progress")
    progress = progress_logger(log, "chunk 1/1", every=0.0)
    with caplog.at_level(logging.INFO, logger=log.name):
        for done, total in [(2, 4), (4, 4), (5, 6), (6, 6)]:
            progress(done, total)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("chunk 1/1: 2/4 sentences (") and "sentences/s, about " in lines[0]
    assert lines[0].endswith(" left)")
    assert lines[1].startswith("chunk 1/1: 4/4 sentences (") and "left" not in lines[1]
    assert lines[2].startswith("chunk 1/1: 5/6 sentences, repair pass of 2 (")
    assert lines[3].startswith("chunk 1/1: 6/6 sentences, repair pass of 2 (")


# On a terminal: bars (tolk/cli/progress.py), chosen at the edge; the library only calls back.


class Clock:
    """A clock the test moves: rich's bars and their rates read it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def terminal(width: int = 120) -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=width), screen


def test_a_bar_gives_the_rate_the_time_left_and_names_the_repair_pass():
    console, screen = terminal()
    clock = Clock()
    with make_bars(console, auto_refresh=False, get_time=clock) as bars:
        hear = Bars(bars)("chunk 1/1")
        seen = []
        for done, total in [(2, 4), (4, 4), (5, 6), (6, 6)]:
            clock.now += 1.0
            hear(done, total)
            (task,) = bars.tasks
            seen.append((task.description, task.completed, task.total, *task.fields.values()))
    assert seen == [
        ("chunk 1/1", 2, 4, "2.0 sentences/s", "about 1 s left"),
        ("chunk 1/1", 4, 4, "2.0 sentences/s", "done"),
        ("chunk 1/1, repair pass of 2", 5, 6, "1.7 sentences/s", "about 1 s left"),
        ("chunk 1/1, repair pass of 2", 6, 6, "1.5 sentences/s", "done"),
    ]
    shown = screen.getvalue()
    assert "chunk 1/1, repair pass of 2" in shown and "6/6" in shown and "sentences/s" in shown


def test_a_finished_chunk_folds_away_when_the_next_begins_and_an_idle_one_shows_none():
    console, _ = terminal()
    with make_bars(console, auto_refresh=False, get_time=Clock()) as bars:
        chunks = Bars(bars)
        first, idle, second = chunks("chunk 1/3"), chunks("chunk 2/3"), chunks("chunk 3/3")
        first(3, 3)
        second(1, 2)  # chunk 2/3 had nothing to translate: it never called back
        shown = {t.description: t.visible for t in bars.tasks}
        first(4, 5)  # its repair pass, begun after all: it shows again
        again = {t.description: t.visible for t in bars.tasks}
    assert shown == {"chunk 1/3": False, "chunk 3/3": True}
    assert again == {"chunk 1/3, repair pass of 2": True, "chunk 3/3": True}
    assert idle is not None


def test_off_a_terminal_there_are_no_bars_and_the_chunks_log_lines():
    with progress_bars(io.StringIO()) as progress:
        assert progress is None


def test_on_a_terminal_there_are_bars_and_log_lines_print_above_them():
    master, slave = os.openpty()
    screen = os.fdopen(slave, "w", encoding="utf-8")
    log = logging.getLogger("tolk.test.above")
    handler = logging.StreamHandler(screen)
    log.addHandler(handler)
    read: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(master, read))
    reader.start()
    try:
        with progress_bars(screen, auto_refresh=False) as progress:
            assert isinstance(progress, Bars)
            assert handler.stream is not screen  # through the bars' console
            progress("chunk 1/1")(5, 10)
            log.warning("a line above the bars")
        assert handler.stream is screen  # given back
    finally:
        log.removeHandler(handler)
        screen.close()  # the reader sees the end of the terminal's output
        reader.join()
        os.close(master)
    shown = b"".join(read).decode()
    assert "a line above the bars" in shown and "5/10" in shown and "sentences/s" in shown


def _drain(fd: int, into: list[bytes]) -> None:
    """Read a pseudo-terminal until its other end is closed (or nothing came for too long)."""
    while select.select([fd], [], [], HANG_SECONDS)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end closed
            return
        if not chunk:
            return
        into.append(chunk)


def test_lines_written_above_keep_their_colours_and_wait_for_their_end():
    console, screen = terminal()
    above = Above(console, io.StringIO())
    above.write("\x1b[36mINFO\x1b[0m half")
    assert screen.getvalue() == ""
    above.write(" a line\nnext")
    above.flush()
    assert "\x1b[36mINFO\x1b[0m half a line\n" in screen.getvalue()
    assert screen.getvalue().endswith("next\n")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_tolk(tmp_path, seed_dir, tiny_marian, on_terminal: bool, *options: str) -> str:
    """Run `tolk run` with its output on a pseudo-terminal or a pipe; give what it showed."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TERM": "xterm"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-c", "from tolk.cli import main; main()", "run", str(seed_dir)]
    command += ["--out", str(tmp_path / "out"), "--model", str(tiny_marian), "--threads", "1"]
    command += options
    if not on_terminal:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=HANG_SECONDS
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout + done.stderr
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    running = subprocess.Popen(command, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    read: list[bytes] = []
    _drain(master, read)  # until tolk and its children closed the terminal: the event
    os.close(master)
    assert running.wait(timeout=HANG_SECONDS) == 0, b"".join(read)[-3000:]
    return ANSI.sub("", b"".join(read).decode("utf-8", "replace")).replace("\r", "\n")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("on_terminal", "options"),
    [(True, ()), (False, ()), (True, ("--prefect",))],
    ids=["terminal", "pipe", "terminal-prefect-flow"],
)
def test_tolk_run_shows_bars_on_a_terminal_and_log_lines_elsewhere(
    tmp_path, seed_dir, tiny_marian, on_terminal, options
):
    shown = run_tolk(tmp_path, seed_dir, tiny_marian, on_terminal, *options)
    bar = re.compile(r"chunk 1/1, repair pass of \d+ ━+ \d+/\d+ sentences [\d.]+ sentences/s")
    line = re.compile(r"chunk 1/1: \d+/\d+ sentences, repair pass of \d+ \([\d.]+ sentences/s")
    assert (bool(bar.search(shown)), bool(line.search(shown))) == (on_terminal, not on_terminal)
    assert "5 translated, 0 unchanged, 0 failed" in shown
    assert ("Flow run '" in shown) == bool(options)  # Prefect only when asked for

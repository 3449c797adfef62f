"""Crashes and overlapping runs, driven from outside: kill -9 at chosen moments, two runs at once.

Each run under test is a real subprocess. A small driver script stops it dead (SIGKILL, as cron
or the OOM killer would) at a chosen point by wrapping one of the store's functions; the next,
normal run must find both tables readable and agreeing, finish, and leave no temporary files.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import HANG_SECONDS, litter, tables_agree

from tolk.run import digest
from tolk.settings import Settings

pytestmark = pytest.mark.slow  # real subprocesses killed at chosen moments

DRIVER = r"""
import os, signal, sys, time
import tolk.fileio as files, tolk.store.store as store, tolk.store.tables as tables
import tolk.store.merge as merge, tolk.store.viewfiles as viewfiles

point, source, out, model = sys.argv[1:5]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def wrap(owner, name, before=False, after=False, on_call=1):
    real, calls = getattr(owner, name), []
    def wrapper(*args, **kwargs):
        calls.append(1)
        if before and len(calls) == on_call:
            die()
        result = real(*args, **kwargs)
        if after and len(calls) == on_call:
            die()
        return result
    setattr(owner, name, wrapper)

if point == "after-staging":
    wrap(store.Staging, "checkpoint", after=True, on_call=2)  # the second seal
elif point == "during-a-table-write":
    real_write = tables.write_table
    def write_table(path, schema, parts):
        def some(parts):
            for n, part in enumerate(parts):
                if n == 1:
                    die()
                yield part
        return real_write(path, schema, some(parts))
    tables.write_table = write_table
elif point == "before-the-switch":
    wrap(tables, "replace_symlink", before=True)
elif point == "after-the-switch":
    wrap(tables, "replace_symlink", after=True)
elif point == "during-a-page-write":
    def write_text(path, text):
        files.temp_path(path).write_text(text[: len(text) // 2])
        die()
    viewfiles.write_text = write_text  # the views' files: a page, an index
elif point == "paused-in-commit":
    # A slow disk: the commit waits until the test says go (or the test is long gone).
    real_generation = merge.write_generation
    def slow(*args, **kwargs):
        print("committing", flush=True)
        go = os.path.join(os.path.dirname(out), "go")
        deadline = time.monotonic() + HANG_SECONDS
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.1)
        return real_generation(*args, **kwargs)
    merge.write_generation = slow
elif point != "never":
    raise SystemExit(f"unknown point {point}")

from tolk.run import digest
from tolk.settings import Settings
settings = Settings(model=model, chunk_articles=2, checkpoint_chunks=1, threads=1)
report = digest([source], out, settings)
print(f"translated {report.translated} reused {report.reused}", flush=True)
"""


def drive(point: str, source: Path, out: Path, model: Path, **popen) -> subprocess.Popen:
    """Start a run in a subprocess that dies at `point`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    driver = DRIVER.replace("HANG_SECONDS", str(HANG_SECONDS))
    command = [sys.executable, "-c", driver, point, str(source), str(out), str(model)]
    return subprocess.Popen(command, env=env, **popen)


def lines_of(process: subprocess.Popen) -> queue.Queue[str]:
    """Queue a process's output lines, then "" at its end, so each wait on it can be bounded."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory, seed_dir, tiny_marian) -> Path:
    """Give an output folder holding a good run over two of the sample articles."""
    source = tmp_path_factory.mktemp("earlier") / "in"
    source.mkdir()
    for path in sorted(seed_dir.glob("*.txt"))[:2]:
        shutil.copy(path, source)
    out = source.parent / "out"
    digest([str(source)], out, Settings(model=str(tiny_marian)))
    return out


@pytest.fixture
def out(earlier_run, tmp_path) -> Path:
    """Give a private copy of the earlier run's output folder."""
    return Path(shutil.copytree(earlier_run, tmp_path / "out", symlinks=True))


@pytest.mark.parametrize(
    "point",
    [
        "after-staging",
        "during-a-table-write",
        "before-the-switch",
        "after-the-switch",
        "during-a-page-write",
    ],
)
def test_kill_9_at_any_moment_leaves_agreeing_tables_and_no_litter(
    point, out, seed_dir, tiny_marian, count_decodes
):
    before = tables_agree(out)
    killed = drive(point, seed_dir, out, tiny_marian)
    assert killed.wait(timeout=HANG_SECONDS) == -signal.SIGKILL
    # Between the kill and the next run, a reader sees the earlier run or the new one, whole.
    assert tables_agree(out) in (before, (5, tables_agree(out)[1]))
    assert litter(out) or point == "after-the-switch"  # the run really died mid-way

    report = digest([str(seed_dir)], out, Settings(model=str(tiny_marian)))
    assert report.failures == []
    assert tables_agree(out)[0] == 5
    assert litter(out) == []
    pages = sorted(p.name for p in (out / "articles").glob("*.md"))
    stems = sorted(p.stem for p in seed_dir.glob("*.txt"))
    assert pages == sorted([f"{s}.md" for s in stems] + [f"{s}.en.md" for s in stems])
    if point in ("after-staging", "after-the-switch"):
        # Work the dead run had sealed or committed is not translated again.
        assert report.translated < 3


def test_kill_9_at_random_moments(out, seed_dir, tiny_marian):
    for delay in (0.5, 2.0, 4.0):
        killed = drive("never", seed_dir, out, tiny_marian)
        time.sleep(delay)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=60)
        tables_agree(out)
    digest([str(seed_dir)], out, Settings(model=str(tiny_marian)))
    assert tables_agree(out)[0] == 5 and litter(out) == []


def test_two_runs_at_once_both_end_up_stored_and_nothing_is_translated_twice(
    tmp_path, seed_dir, tiny_marian
):
    """Run A holds the folder (slow disk at commit); `tolk run` B waits, then reuses A's work."""
    seeds = sorted(seed_dir.glob("*.txt"))
    a_in, b_in = tmp_path / "a", tmp_path / "b"
    a_in.mkdir()
    b_in.mkdir()
    for path in seeds[:3]:
        shutil.copy(path, a_in)
    for path in seeds:
        shutil.copy(path, b_in)  # the same three, and two more
    out = tmp_path / "out"
    a = drive("paused-in-commit", a_in, out, tiny_marian, stdout=subprocess.PIPE, text=True)
    a_lines = lines_of(a)
    assert a_lines.get(timeout=HANG_SECONDS).strip() == "committing"  # A holds the lock
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    b = subprocess.Popen(
        [sys.executable, "-c", "from tolk.cli import main; main()", "run", str(b_in)]
        + ["--out", str(out), "--model", str(tiny_marian), "--threads", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = lines_of(b)
    b_lines, line = [], None
    while line != "" and "is in use by" not in (line or ""):  # "": B ended first (see below)
        line = lines.get(timeout=HANG_SECONDS)
        b_lines.append(line)
    (tmp_path / "go").touch()  # A's commit may go on now
    a_out = "".join(iter(lambda: a_lines.get(timeout=HANG_SECONDS), ""))
    a.wait(timeout=HANG_SECONDS)
    if line:
        b_lines += iter(lambda: lines.get(timeout=HANG_SECONDS), "")
    b.wait(timeout=HANG_SECONDS)
    b_out = "".join(b_lines)
    assert a.returncode == 0 and a_out.strip() == "translated 3 reused 0"
    assert b.returncode == 0, b_out[-3000:]
    assert f"is in use by pid {a.pid} on " in b_out
    assert "2 translated, 3 unchanged, 0 failed" in b_out
    assert tables_agree(out)[0] == 5
    stored = pq.read_table(out / "articles.parquet", columns=["id"])["id"].to_pylist()
    assert sorted(stored) == sorted(p.stem for p in seeds)
    assert litter(out) == []

"""What the Prefect side starts never outlives tolk, and bad runner options fail at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from flows.runners import SchedulerUnreachable, check_cron, check_scheduler

PARENT = """
import subprocess, sys
from flows.runners import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], preexec_fn=die_with_parent)
print(child.pid, flush=True)
time = __import__("time"); time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits only to be reaped: it is gone
        return stat.read().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_server_started_by_tolk_dies_when_tolk_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()  # SIGKILL, as cron or the OOM killer would
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


def test_a_bad_cron_line_is_refused():
    check_cron("0 6 * * *")
    with pytest.raises(ValueError, match="'0 25 \\* \\* \\*' is not a cron line"):
        check_cron("0 25 * * *")


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "not an address:x"])
def test_an_unreachable_scheduler_is_named(address):
    with pytest.raises(SchedulerUnreachable, match="Dask scheduler"):
        check_scheduler(address, timeout=2)

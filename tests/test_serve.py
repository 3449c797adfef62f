"""`tolk serve`: the flow really runs on its cron schedule (about a minute of waiting), and a
serve stops without a warning or a traceback, by Ctrl-C or by SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest
from support import HANG_SECONDS

pytestmark = pytest.mark.slow  # a real cron tick, about a minute


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(tmp_path, sources, tiny_marian, cron: str) -> subprocess.Popen:
    """Start `tolk serve` in its own session, its output (both streams) in serve.log."""
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-c", "from tolk.cli import main; main()", "serve", str(sources)]
    command += ["--out", str(out), "--model", str(tiny_marian), "--cron", cron]
    # Not the fixed default port: another `tolk serve` on this machine (another checkout's
    # suite) may hold it, and this test would then talk to that one's server.
    command += ["--ui-port", str(free_port()), "--threads", "1"]
    with (tmp_path / "serve.log").open("w") as log:
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for(serving: subprocess.Popen, log, done) -> None:
    """Wait until `done()`; fail at once if the serve ends first (the cap only stops a hang)."""
    deadline = time.monotonic() + HANG_SECONDS
    while time.monotonic() < deadline and not done():
        assert serving.poll() is None, log.read_text()[-3000:]
        time.sleep(0.2)
    assert done(), f"not done in {HANG_SECONDS} s: " + log.read_text()[-3000:]


def stop(serving: subprocess.Popen, send=os.killpg, sig=signal.SIGTERM) -> int | None:
    """Send `sig` and wait for the serve to end; kill it if it does not within a minute."""
    send(serving.pid, sig)
    try:
        return serving.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(serving.pid, signal.SIGKILL)
        return None


def test_serve_runs_the_digest_on_its_schedule(tmp_path, seed_dir, tiny_marian):
    out, log = tmp_path / "out", tmp_path / "serve.log"
    serving = start_serve(tmp_path, seed_dir, tiny_marian, "* * * * *")
    try:
        # The event is the committed table.
        wait_for(serving, log, (out / "articles.parquet").exists)
    finally:
        stop(serving)
    assert pq.read_table(out / "articles.parquet").num_rows == 5


# How a serve is stopped: Ctrl-C (SIGINT to the terminal's process group), SIGTERM to its
# process group, `kill PID` (SIGTERM to tolk alone, as systemd's KillMode=mixed does).
STOPS = {
    "ctrl-c": (os.killpg, signal.SIGINT),
    "sigterm": (os.killpg, signal.SIGTERM),
    "kill": (os.kill, signal.SIGTERM),
}


@pytest.mark.parametrize("how", STOPS)
def test_serve_stops_cleanly(tmp_path, seed_dir, tiny_marian, how):
    log = tmp_path / "serve.log"
    serving = start_serve(tmp_path, seed_dir, tiny_marian, "0 5 1 1 *")  # no run meanwhile
    try:
        wait_for(serving, log, lambda: "stop with Ctrl-C" in log.read_text())
    finally:
        status = stop(serving, *STOPS[how])
    output = log.read_text()
    assert status == 0, output[-3000:]
    assert "Traceback" not in output and "Warning" not in output, output[-3000:]
    assert "All deployments have been paused!" in output, output[-3000:]  # Prefect's word
    assert output.rstrip().endswith("tolk serve stopped"), output[-3000:]
    assert not (tmp_path / "out" / ".tolk" / "serve.lock").read_text()  # released

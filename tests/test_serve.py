"""`tolk serve`: the flow really runs on its cron schedule (about a minute of waiting)."""

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


def test_serve_runs_the_digest_on_its_schedule(tmp_path, seed_dir, tiny_marian):
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-c", "from tolk.cli import main; main()", "serve", str(seed_dir)]
    command += ["--out", str(out), "--model", str(tiny_marian), "--cron", "* * * * *"]
    # Not the fixed default port: another `tolk serve` on this machine (another checkout's
    # suite) may hold it, and this test would then talk to that one's server.
    command += ["--ui-port", str(free_port()), "--threads", "1"]
    log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        # The event is the committed table; the cap only stops a serve that hangs.
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline and not (out / "articles.parquet").exists():
            assert serving.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(1)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        try:
            serving.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, signal.SIGKILL)
        log.close()
    assert (out / "articles.parquet").exists(), (
        f"no run committed in {HANG_SECONDS} s: " + (tmp_path / "serve.log").read_text()[-3000:]
    )
    assert pq.read_table(out / "articles.parquet").num_rows == 5

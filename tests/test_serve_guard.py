"""`tolk serve`: one per output folder, a fixed UI port, and a systemd unit that parses."""

from __future__ import annotations

import configparser
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tolk.cli import cli, serve
from tolk.errors import StoreLocked
from tolk.settings import DEFAULT_UI_PORT
from tolk.store.lock import hold_for_serving

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "tolk-serve.service"


def test_a_second_serve_of_one_folder_is_refused_naming_the_first(tmp_path):
    first = hold_for_serving(tmp_path / "out")
    try:
        with pytest.raises(StoreLocked, match=rf"already served by pid {os.getpid()} on "):
            hold_for_serving(tmp_path / "out")
    finally:
        first.release()
    hold_for_serving(tmp_path / "out").release()  # free again once the first is gone


def test_serve_says_the_folder_is_served_already(tmp_path, seed_dir, tiny_marian):
    out = tmp_path / "out"
    held = hold_for_serving(out)
    try:
        args = ["serve", str(seed_dir), "--out", str(out), "--model", str(tiny_marian)]
        result = CliRunner().invoke(cli, [*args, "--cron", "0 5 * * *"])
    finally:
        held.release()
    assert result.exit_code == 2
    assert f"is already served by pid {os.getpid()}" in result.output


def test_a_taken_ui_port_is_named(tmp_path, seed_dir, tiny_marian):
    # In its own process, with no Prefect API configured: in this one an earlier test's
    # harness may have set one, and serve would then use it and serve until stopped.
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-c", "from tolk.cli import main; main()", "serve"]
        command += [str(seed_dir), "--out", str(tmp_path / "out"), "--model", str(tiny_marian)]
        command += ["--cron", "0 5 * * *", "--ui-port", str(port)]
        # Bounded: a serve that did not see the taken port would otherwise run until stopped.
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert f"port {port} on 127.0.0.1 is in use" in output and "--ui-port" in output
    assert not (tmp_path / "out" / ".tolk" / "serve.lock").read_text()  # released


def test_the_ui_port_default_is_fixed():
    option = next(p for p in serve.params if p.name == "ui_port")
    assert option.default == DEFAULT_UI_PORT


def test_the_systemd_unit_runs_a_valid_tolk_serve_and_restarts_it():
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(UNIT)
    service = unit["Service"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGINT"
    assert service["KillMode"] == "mixed"  # the signal to tolk alone: it stops its server last
    program, *args = shlex.split(service["ExecStart"].replace("%h", "/home/me"))
    assert program == "/home/me/tolk/.venv/bin/tolk" and args[0] == "serve"
    context = serve.make_context("serve", args[1:])  # parses as the real command would
    assert context.params["cron"] == "0 5 * * *"
    assert context.params["sources"][0].startswith("https://")
    assert unit["Install"]["WantedBy"] == "default.target"

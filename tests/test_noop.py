"""`tolk run` pays no fixed cost it does not need: no Prefect without an API of the user's own,
no torch import to ask a CPU-only build where it runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_memory import ARTICLES, write

from tolk.cli import cli
from tolk.run import digest
from tolk.settings import Settings
from tolk.translate import torch as torch_backend


class PrefectStarted(Exception):
    """The command went on to start Prefect."""


@pytest.fixture
def prefect_start(monkeypatch):
    """Make starting Prefect's API raise PrefectStarted, so a test sees whether it would be."""
    import flows.runners

    def refuse(*args, **kwargs):
        raise PrefectStarted

    monkeypatch.setattr(flows.runners, "shared_api", refuse)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_PROFILES_PATH", "/nonexistent/profiles.toml")


@pytest.mark.slow
def test_tolk_run_without_a_prefect_api_runs_here_and_with_one_through_prefect(
    tmp_path, tiny_marian, prefect_start, monkeypatch, count_decodes
):
    source = write(tmp_path / "in", {"brug": ARTICLES["brug"], "markt": ARTICLES["markt"]})
    out = tmp_path / "out"
    args = ["run", str(source), "--out", str(out), "--model", str(tiny_marian)]

    # No Prefect API of the user's own: a run that translates runs in this process, its
    # progress logged (not a terminal), and a re-run does no model work.
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "2 translated, 0 unchanged, 0 failed" in result.output
    assert "| INFO    | chunk 1/1: " in result.output and " sentences/s" in result.output
    decoded = count_decodes()
    assert decoded > 0
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "0 translated, 2 unchanged, 0 failed" in result.output
    assert count_decodes() == decoded
    assert digest([str(source)], out, Settings(model=str(tiny_marian))).translated == 0

    # Asked for, a Prefect API of the user's own, or Dask: the run goes through Prefect.
    assert isinstance(CliRunner().invoke(cli, [*args, "--prefect"]).exception, PrefectStarted)
    assert isinstance(CliRunner().invoke(cli, [*args, "--workers", "1"]).exception, PrefectStarted)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert isinstance(CliRunner().invoke(cli, args).exception, PrefectStarted)


def test_a_prefect_api_in_the_active_profile_counts_as_the_users_own(tmp_path, monkeypatch):
    from tolk.cli.run import _own_prefect_api

    profiles = tmp_path / "profiles.toml"
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(profiles))
    assert not _own_prefect_api()  # no file
    profiles.write_text(
        'active = "work"\n[profiles.ephemeral]\n'
        '[profiles.work]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n'
    )
    assert _own_prefect_api()
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert not _own_prefect_api()


def test_a_cpu_only_torch_build_needs_no_import_to_say_where_it_runs(monkeypatch):
    def no_import():
        raise AssertionError("torch was imported to ask for CUDA")

    monkeypatch.setattr(torch_backend, "_cuda_or_cpu", no_import)
    monkeypatch.setattr(torch_backend, "version", lambda name: "2.13.0+cpu")
    runtime = torch_backend.TorchTranslator.runtime
    assert runtime(None) == ("cpu", "float32")
    # Any other build may have CUDA: torch itself is asked.
    monkeypatch.setattr(torch_backend, "version", lambda name: "2.13.0")
    monkeypatch.setattr(torch_backend, "_cuda_or_cpu", lambda: "cuda")
    assert runtime(None) == ("cuda", "float32")
    assert runtime(None, device="cpu") == ("cpu", "float32")

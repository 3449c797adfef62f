"""A run with nothing to translate pays no fixed cost it does not need: no Prefect, no torch."""

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
def test_a_run_with_nothing_to_translate_does_not_start_prefect(
    tmp_path, tiny_marian, prefect_start, monkeypatch
):
    source = write(tmp_path / "in", {"brug": ARTICLES["brug"], "markt": ARTICLES["markt"]})
    out = tmp_path / "out"
    digest([str(source)], out, Settings(model=str(tiny_marian)))
    args = ["run", str(source), "--out", str(out), "--model", str(tiny_marian)]

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "0 translated, 2 unchanged, 0 failed" in result.output

    # A changed article, a setting that changes the English, or a Prefect API of the user's
    # own: the run goes through Prefect.
    write(source, {"markt": ARTICLES["markt"].replace("kaas", "brood")})
    assert isinstance(CliRunner().invoke(cli, args).exception, PrefectStarted)
    write(source, {"markt": ARTICLES["markt"]})
    assert isinstance(CliRunner().invoke(cli, [*args, "--beams", "2"]).exception, PrefectStarted)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert isinstance(CliRunner().invoke(cli, args).exception, PrefectStarted)


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

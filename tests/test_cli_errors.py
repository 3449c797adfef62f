"""How the command line turns errors into messages and exit statuses: by class, in one place."""

import textwrap
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from tolk.cli import EXIT_SOME_FAILED, EXIT_USAGE, TolkGroup, cli, exit_code
from tolk.cli import bench as bench_module
from tolk.cli.run import _finish, _preload
from tolk.errors import CommandRefused, ModelLoadError, RunStopped, StoreLocked, TolkError
from tolk.settings import DEFAULTS


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (TolkError("x"), EXIT_USAGE),
        (StoreLocked("x"), EXIT_USAGE),
        (CommandRefused("x"), EXIT_USAGE),
        (RunStopped("x"), EXIT_SOME_FAILED),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_the_exit_status_follows_the_error_class(error, code):
    assert exit_code(error) == code


class State:
    """What a flow's final state hands `_finish`: its report, or the error that stopped it."""

    def __init__(self, result):
        self._result = result

    def result(self, raise_on_failure=True):
        assert raise_on_failure is False
        return self._result


def finish(result) -> click.testing.Result:
    @click.group(cls=TolkGroup)
    def group() -> None:
        """A stand-in for `tolk`, its one command finishing a run with `result`."""

    @group.command()
    def done() -> None:
        _finish(State(result))

    return CliRunner().invoke(group, ["done"])


def test_a_run_stopped_by_a_bug_is_exit_1_naming_it():
    result = finish(RuntimeError("the disk caught fire"))
    assert result.exit_code == EXIT_SOME_FAILED
    assert "Error: the run stopped: RuntimeError: the disk caught fire" in result.output


def test_a_run_stopped_by_a_tolk_error_is_exit_2_with_its_message():
    # Was exit 1, "the run stopped: StoreLocked: ...", unlike the same error caught in the flow.
    result = finish(StoreLocked("outputs: still locked after 1 s by pid 7"))
    assert result.exit_code == EXIT_USAGE
    assert result.output == "Error: outputs: still locked after 1 s by pid 7\n"


def test_a_model_that_fails_to_load_early_is_left_to_the_run(monkeypatch):
    import tolk.translate as translate

    monkeypatch.setattr(translate, "select_model", lambda spec: SimpleNamespace(backend="ct2"))

    def broken(spec):
        raise ModelLoadError("models/x: cannot load")

    monkeypatch.setattr(translate, "load_translator", broken)
    _preload(DEFAULTS)  # nothing raised: the run loads it again and reports the error


def test_a_bug_while_preloading_is_not_swallowed(monkeypatch):
    # Was `except Exception: pass`: a bug here vanished, and the run went on without a word.
    import tolk.translate as translate

    monkeypatch.setattr(translate, "select_model", lambda spec: SimpleNamespace(backend="ct2"))

    def buggy(spec):
        raise AttributeError("'NoneType' object has no attribute 'path'")

    monkeypatch.setattr(translate, "load_translator", buggy)
    with pytest.raises(AttributeError, match="no attribute 'path'"):
        _preload(DEFAULTS)


def test_a_broken_model_in_the_store_is_exit_2_with_one_line(tmp_path, monkeypatch):
    # Was an uncaught ModelLoadError: a traceback and exit 1, from `tolk models list`.
    model = tmp_path / "broken"
    model.mkdir()
    (model / "config.json").write_text("{not json")
    (model / "model.safetensors").write_bytes(b"")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.output.startswith(f"Error: {model / 'config.json'}: cannot read this model file")
    assert result.output.count("\n") == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def fake_bench(tmp_path, monkeypatch):
    script = tmp_path / "translate.py"
    script.write_text(
        textwrap.dedent(
            """
            def main(argv):
                print("argv:", argv)
                return 0
            """
        )
    )
    monkeypatch.setattr(bench_module, "SCRIPT", script)


@pytest.mark.usefixtures("fake_bench")
def test_bench_leaves_the_scripts_defaults_to_the_script():
    result = CliRunner().invoke(cli, ["bench"])
    assert result.exit_code == 0, result.output
    assert "argv: []" in result.output


@pytest.mark.usefixtures("fake_bench")
def test_bench_passes_on_what_was_given():
    args = ["bench", "--threads", "2", "--variants", "torch,ct2-int8", "--sentences", "5"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "argv: ['--threads=2', '--variants=torch,ct2-int8', '--sentences=5']" in result.output


def test_bench_outside_a_checkout_is_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_module, "SCRIPT", tmp_path / "translate.py")
    result = CliRunner().invoke(cli, ["bench"])
    assert result.exit_code == EXIT_USAGE
    assert "translate.py not found: `tolk bench` runs from a tolk source checkout" in result.output

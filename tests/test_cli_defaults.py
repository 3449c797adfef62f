"""Every command-line option that stands for a setting takes its default and range from Settings."""

from dataclasses import fields

import click
import pytest

from tolk.cli import cli
from tolk.settings import DEFAULTS, LIMITS, Settings

SETTINGS = {f.name for f in fields(Settings)}
OFFERED = {f.name for f in fields(Settings) if f.metadata["cli"]}
# Options named like a setting that stand for something else, and why.
NOT_THE_SETTING = {("bench", "model"): "the model to time: by default the stand-in"}


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = dict(all_commands(cli))


def setting_params(path, command):
    for param in command.params:
        if param.name in SETTINGS and (" ".join(path), param.name) not in NOT_THE_SETTING:
            yield param


def as_setting(name, value):
    if name == "columns":  # written NAME=COLUMN,... on the command line
        from tolk.intake.tables import parse_columns

        return parse_columns(value)
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_option_named_after_a_setting_defaults_to_it(path):
    for param in setting_params(path, COMMANDS[path]):
        assert as_setting(param.name, param.default) == getattr(DEFAULTS, param.name), (
            path,
            param.name,
        )
        assert param.opts[0] == "--" + param.name.replace("_", "-"), (path, param.name)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_option_named_after_a_setting_takes_no_value_settings_refuse(path):
    for param in setting_params(path, COMMANDS[path]):
        if param.name not in LIMITS:
            continue
        low, high = LIMITS[param.name]
        types = param.type.types if isinstance(param.type, click.Tuple) else [param.type]
        for kind in types:
            assert isinstance(kind, click.IntRange | click.FloatRange), (path, param.name)
            assert low <= kind.min and kind.max == high, (path, param.name)


@pytest.mark.parametrize("path", [("run",), ("serve",)], ids=" ".join)
def test_run_and_serve_offer_every_setting_with_its_range(path):
    params = {p.name: p for p in COMMANDS[path].params}
    assert OFFERED <= set(params)
    for name in OFFERED & set(LIMITS):
        types = params[name].type
        for kind in types.types if isinstance(types, click.Tuple) else [types]:
            assert (kind.min, kind.max) == LIMITS[name], name


def test_eval_and_tune_take_the_decoding_settings_from_settings():
    # Written by hand once, with their own literals; the walk above checks what they hold.
    names = {p.name for p in COMMANDS[("eval",)].params}
    assert {"model", "backend", "beams", "threads", "torch_dtype", "glossary"} <= names
    assert "threads" in {p.name for p in COMMANDS[("models", "tune")].params}
    assert "beams" in {p.name for p in COMMANDS[("models", "shortlist")].params}


@pytest.mark.parametrize("name", ["pull", "convert", "tune", "shortlist"])
def test_a_models_command_names_the_default_model(name):
    (argument,) = [p for p in COMMANDS[("models", name)].params if p.name == "name"]
    assert argument.default == DEFAULTS.model


def test_the_shortlist_keeps_as_many_frequent_pieces_as_the_library_does():
    from tolk.measure.shortlist import FREQUENT

    (option,) = [p for p in COMMANDS[("models", "shortlist")].params if p.name == "frequent"]
    assert option.default == FREQUENT


def test_help_shows_the_settings_defaults():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["eval", "--help"], terminal_width=200)
    assert result.exit_code == 0
    low, high = LIMITS["beams"]
    assert f"[default: {DEFAULTS.beams}; {low}<=x<={high}]" in result.output
    assert f"[default: {DEFAULTS.model}]" in result.output

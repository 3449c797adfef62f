"""Command-line options derived from `tolk.settings.Settings`: defaults, help and ranges.

No option that stands for a setting writes its default, range or help here: each is read from
`Settings`, its `DEFAULTS` and `LIMITS`, so the command line cannot drift from them.
"""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from tolk.settings import (
    BACKEND_CHOICES,
    DEFAULT_OUTPUT_DIR,
    DEFAULTS,
    FEED_CONTENTS,
    LIMITS,
    TORCH_DTYPES,
    Settings,
    setting_help,
)


class FiniteFloatRange(click.FloatRange):
    """A float within a range, refusing NaN and infinity (click's FloatRange lets NaN pass)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give {self.min:g} to {self.max:g}")
        return number


def ranged(name: str) -> click.ParamType:
    """Give the command-line type of a numeric setting, its range taken from Settings."""
    low, high = LIMITS[name]
    if isinstance(low, int):
        return click.IntRange(low, high)
    return FiniteFloatRange(low, high)


# How each setting is typed on the command line; the defaults, help and ranges come from Settings.
_CLI_TYPES = {
    "backend": click.Choice(BACKEND_CHOICES),
    "key_points": (ranged("key_points"), ranged("key_points")),
    "glossary": click.Path(exists=True, dir_okay=False),
    "torch_dtype": click.Choice(TORCH_DTYPES),
    "feed_content": click.Choice(FEED_CONTENTS),
} | {name: ranged(name) for name in LIMITS if name != "key_points"}


def setting_option(name: str, **changes: Any):
    """Give the option for one setting: its flag, type, default and help from Settings.

    `changes` overrides what a command needs otherwise (its own help, a narrower type).
    """
    flag = "--" + name.replace("_", "-")
    default = getattr(DEFAULTS, name)
    if isinstance(default, bool):
        flag = f"{flag}/--no-{flag[2:]}"
    attrs = {
        "type": _CLI_TYPES.get(name),
        "default": default,
        "show_default": True,
        "help": setting_help(name),
    }
    return click.option(flag, name, **(attrs | changes))


def settings_options(command):
    """Add an option for every setting of `Settings` that the command line offers."""
    options = [
        click.argument("sources", nargs=-1, metavar="[SOURCE]..."),
        click.option(
            "--out",
            "output_dir",
            default=DEFAULT_OUTPUT_DIR,
            show_default=True,
            type=click.Path(path_type=Path),
            help="Output folder.",
        ),
    ]
    options += [setting_option(s.name) for s in fields(Settings) if s.metadata["cli"]]
    options.append(
        click.option(
            "--columns",
            metavar="NAME=COLUMN,...",
            default="",
            help="Table columns to read, e.g. text=body,id=guid (text is required; id, title, "
            "date, url are optional).",
        )
    )
    for option in reversed(options):
        command = option(command)
    return command

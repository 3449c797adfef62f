"""`tolk bench`: time the translation backends with benchmarks/translate.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from tolk.cli.options import setting_option
from tolk.errors import CommandRefused

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "translate.py"


@click.command()
@click.option(
    "--model",
    default=None,
    help="Transformers Marian model to time; default: the stand-in (opus-mt-nl-en's shape).",
)
@setting_option(
    "threads", help="CPU threads for every variant; 0 uses every core this process may use."
)
@click.option(
    "--sentences",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Translate an evenly spaced subset of this many seed sentences; 0: all.",
)
@click.option(
    "--variants",
    default=None,
    # No list here: the script's own (its VARIANTS) is the default, read when it runs.
    help="Comma-separated variants to run; the first is the reference for ratios; default: all "
    "that benchmarks/translate.py has.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder; default benchmarks/results/.",
)
def bench(
    model: str | None, threads: int, sentences: int, variants: str | None, out: Path | None
) -> None:
    """Time the translation backends on the sentences of seeds/ and write the table.

    Runs benchmarks/translate.py from a tolk checkout (a few minutes on 2 cores) and writes
    benchmarks/results/translate.json and translate.md.

    Example: tolk bench --threads 2
    """
    if not SCRIPT.exists():
        raise CommandRefused(f"{SCRIPT} not found: `tolk bench` runs from a tolk source checkout")
    # Only what was given: the script's own defaults stand for the rest.
    argv = [f"--threads={threads}"] if threads else []
    argv += [f"--variants={variants}"] if variants else []
    argv += [f"--model={model}"] if model else []
    argv += [f"--sentences={sentences}"] if sentences else []
    argv += [f"--out={out}"] if out else []
    spec = importlib.util.spec_from_file_location("tolk_bench_translate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.exit(module.main(argv))

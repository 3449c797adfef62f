"""The `tolk` command: the edge where errors become messages and exit codes.

Exit status: 0 all articles done, 1 some articles failed (the rest written), 2 bad usage, no
usable model, or an output folder that cannot be used.

The commands raise; `TolkGroup` is the one place that turns a `TolkError` into its message and
an exit status, decided by the error's class (`EXIT_CODES`). Click's own usage errors exit 2 too.
"""

from __future__ import annotations

import click

from tolk import __version__
from tolk.cli import bench, evaluate, export, models, run
from tolk.cli.status import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from tolk.errors import RunStopped, TolkError

__all__ = [
    "EXIT_CODES",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "EXIT_USAGE",
    "TolkGroup",
    "cli",
    "exit_code",
    "main",
    "serve",
]

# The exit status of each error class; an error takes that of its nearest class here. Every
# TolkError is bad usage, a missing model or an unusable folder, except a run stopped midway.
EXIT_CODES: dict[type[TolkError], int] = {RunStopped: EXIT_SOME_FAILED, TolkError: EXIT_USAGE}


def exit_code(error: TolkError) -> int:
    """Give the exit status for an error that stopped a command, decided by its class."""
    return next(EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES)


class TolkGroup(click.Group):
    """A command group that reports a TolkError as one line and exits with its class's status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TolkError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(exit_code(error))


@click.group(cls=TolkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tolk")
def cli() -> None:
    """Translate Dutch news articles into bilingual English records."""


cli.add_command(run.run)
cli.add_command(run.serve)
cli.add_command(evaluate.evaluate_command)
cli.add_command(export.export)
cli.add_command(models.models)
cli.add_command(bench.bench)

# `from tolk.cli import serve` and the like keep working.
serve = run.serve


def main() -> None:
    """Run the command line."""
    cli()

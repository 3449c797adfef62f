"""`tolk export`: an output folder's sentence pairs as TMX, Moses or JSON lines."""

from __future__ import annotations

from pathlib import Path

import click

from tolk.errors import CommandRefused


@click.command()
@click.argument("output_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tmx", "moses", "jsonl"]),
    required=True,
    help="tmx: a TMX 1.4b translation memory; moses: PATH.nl and PATH.en, one line per pair; "
    "jsonl: one pair per line.",
)
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (moses: the prefix).",
)
@click.option(
    "--exclude-flagged", is_flag=True, help="Leave out the pairs whose English is flagged."
)
def export(output_dir: Path, fmt: str, target: Path, exclude_flagged: bool) -> None:
    """Export an output folder's sentence pairs for translators and MT engineers (streaming).

    Example: tolk export outputs --format tmx --to outputs.tmx --exclude-flagged
    """
    from tolk.store.reader import sentence_batches
    from tolk.views import export as exporter

    write = {
        "tmx": exporter.write_tmx,
        "moses": exporter.write_moses,
        "jsonl": exporter.write_jsonl,
    }
    rows = (row for table in sentence_batches(output_dir) for row in table.to_pylist())
    try:
        count = write[fmt](rows, target, exclude_flagged=exclude_flagged)
    except OSError as error:
        message = f"{target}: cannot write the export ({error.strerror or error})"
        raise CommandRefused(message) from None
    written = f"{target}.nl and {target}.en" if fmt == "moses" else str(target)
    click.echo(f"{count} sentence pairs -> {written}")

"""The `tolk` command: the edge where errors become messages and exit codes.

Exit status: 0 all articles done, 1 some articles failed (the rest written), 2 bad usage or no
model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tolk import __version__
from tolk.convert import QUANTIZATIONS
from tolk.errors import TolkError
from tolk.models import DEFAULT_BEAMS, DEFAULT_MODEL

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _quiet_prefect() -> None:
    # No network here or on many batch hosts: Prefect's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def flow_options(command):
    """Add the options shared by `run` and `serve`."""
    options = [
        click.argument(
            "input_dir",
            default="seeds",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
        ),
        click.option(
            "--out",
            "output_dir",
            default="outputs",
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Output folder.",
        ),
        click.option(
            "--model",
            default=DEFAULT_MODEL,
            show_default=True,
            help="Model directory, a name under models/, or a Hugging Face id in the local cache.",
        ),
        click.option(
            "--backend",
            type=click.Choice(["auto", "torch", "ct2"]),
            default="auto",
            show_default=True,
            help="auto: ct2 when a converted model exists, else torch.",
        ),
        click.option(
            "--beams",
            type=click.IntRange(min=0),
            default=DEFAULT_BEAMS,
            show_default=True,
            help="Beam size; 0 takes the model's own generation config.",
        ),
        click.option(
            "--key-points",
            "key_points",
            type=(click.IntRange(min=1), click.IntRange(min=1)),
            default=(3, 5),
            show_default=True,
            help="Fewest and most key points per article.",
        ),
        click.option(
            "--threads",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="CPU threads for the model; 0 uses every core this process may use.",
        ),
        click.option(
            "--max-batch-tokens",
            type=click.IntRange(min=64),
            default=4096,
            show_default=True,
            help="Padded source tokens per decoding batch.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _parameters(
    input_dir, output_dir, model, backend, beams, key_points, threads, max_batch_tokens
):
    if key_points[0] > key_points[1]:
        raise click.BadParameter(
            "the first number must not exceed the second", param_hint="--key-points"
        )
    return {
        "input_dir": str(input_dir),
        "output_dir": str(output_dir),
        "model": model,
        "backend": backend,
        "beams": beams,
        "key_points_min": key_points[0],
        "key_points_max": key_points[1],
        "threads": threads,
        "max_batch_tokens": max_batch_tokens,
    }


def _check_model(model: str, backend: str) -> None:
    from tolk.translate import TranslatorSpec, select_model

    try:
        info = select_model(TranslatorSpec(model=model, backend=backend))
    except TolkError as error:
        _fail(str(error))
    click.echo(f"model: {info.model_id} ({info.format}, {info.compute_type}) from {info.path}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tolk")
def cli() -> None:
    """Translate Dutch news articles into bilingual English records."""


@cli.command()
@flow_options
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Translate on a local Dask cluster of N worker processes; 0 runs in this process.",
)
@click.option(
    "--dask-address",
    metavar="URL",
    help="Translate on an existing Dask cluster, e.g. tcp://scheduler:8786.",
)
def run(workers: int, dask_address: str | None, **kwargs) -> None:
    """Run the digest flow once over INPUT_DIR (default: seeds).

    Example: tolk run seeds --out outputs --model models/opus-mt-nl-en --workers 2
    """
    params = _parameters(**kwargs)
    if workers and dask_address:
        raise click.UsageError("give --workers or --dask-address, not both")
    _check_model(params["model"], params["backend"])
    _quiet_prefect()
    from flows.digest import digest

    if workers or dask_address:
        from flows.runners import dask_runner, shared_api

        with shared_api():
            flow = digest.with_options(task_runner=dask_runner(workers, dask_address))
            state = flow(**params, return_state=True)
    else:
        state = digest(**params, return_state=True)
    report = state.result(raise_on_failure=False)
    if isinstance(report, BaseException):
        _fail(f"the run stopped: {type(report).__name__}: {report}", EXIT_SOME_FAILED)
    click.echo(
        f"{report.translated} translated, {report.reused} unchanged, {len(report.failures)} failed "
        f"in {report.seconds:.1f} s; outputs in {report.output_dir}/"
    )
    for failure in report.failures:
        click.echo(f"FAILED {failure.source_path}: {failure.reason}", err=True)
    sys.exit(EXIT_SOME_FAILED if report.failures else EXIT_OK)


@cli.command()
@flow_options
@click.option("--cron", required=True, help='When to run, as a cron line, e.g. "0 6 * * *".')
@click.option("--name", default="tolk-digest", show_default=True, help="Deployment name.")
def serve(cron: str, name: str, **kwargs) -> None:
    """Serve the digest flow on a schedule until stopped (Ctrl-C).

    Example: tolk serve seeds --cron "0 6 * * *" --model models/opus-mt-nl-en
    """
    params = _parameters(**kwargs)
    _check_model(params["model"], params["backend"])
    _quiet_prefect()
    from flows.digest import digest
    from flows.runners import shared_api

    with shared_api(scheduler=True) as url:
        click.echo(f"Prefect API: {url}")
        digest.serve(name=name, cron=cron, parameters=params)


@cli.group()
def models() -> None:
    """Get, convert and list translation models."""


@models.command("pull")
@click.argument("name", default=DEFAULT_MODEL)
def models_pull(name: str) -> None:
    """Download a model from the Hugging Face hub into models/ (needs a network).

    Example: tolk models pull Helsinki-NLP/opus-mt-nl-en
    """
    from tolk.models import pull

    try:
        info = pull(name)
    except TolkError as error:
        _fail(str(error))
    click.echo(f"{info.model_id} @ {info.revision} in {info.path}")


@models.command("list")
def models_list() -> None:
    """List the models in the model store (models/, or $TOLK_MODELS_DIR).

    Example: tolk models list
    """
    from tolk.models import list_models, models_dir

    found = list_models()
    if not found:
        click.echo(f"no models in {models_dir()}/; run `tolk models pull` or pass --model PATH")
        return
    for info in found:
        click.echo(
            f"{info.path.name}\t{info.model_id}\t{info.format}\t{info.compute_type}\t{info.revision[:19]}"
        )


@models.command("convert")
@click.argument("name", default=DEFAULT_MODEL)
@click.option(
    "--quantization",
    type=click.Choice(QUANTIZATIONS),
    default=None,
    help="Weight type; default int8 on CPU, int8_float16 where CUDA is present.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Target directory; default models/<name>-ct2-<quantization>/.",
)
def models_convert(name: str, quantization: str | None, out: Path | None) -> None:
    """Convert a transformers Marian model to CTranslate2 for the fast ct2 backend.

    Example: tolk models convert Helsinki-NLP/opus-mt-nl-en --quantization int8
    """
    from tolk.convert import convert
    from tolk.models import resolve

    try:
        source = resolve(name)
        info = convert(source, quantization, out)
    except TolkError as error:
        _fail(str(error))
    click.echo(f"{info.model_id} @ {info.revision[:19]} -> {info.path} ({info.compute_type})")


@cli.command()
@click.option(
    "--model",
    default=None,
    help="Transformers Marian model to time; default: random weights, opus-mt-nl-en's shape.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="CPU threads for every variant; 0 uses every core this process may use.",
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
    default="baseline,torch,ct2-float32,ct2-int8",
    show_default=True,
    help="Comma-separated variants to run; the first is the reference for ratios.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder; default benchmarks/results/.",
)
def bench(model: str | None, threads: int, sentences: int, variants: str, out: Path | None) -> None:
    """Time the translation backends on the sentences of seeds/ and write the table.

    Runs benchmarks/translate.py from a tolk checkout (a few minutes on 2 cores) and writes
    benchmarks/results/translate.json and translate.md.

    Example: tolk bench --threads 2
    """
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "translate.py"
    if not script.exists():
        _fail(f"{script} not found: `tolk bench` runs from a tolk source checkout")
    argv = [f"--threads={threads}"] if threads else []
    argv += [f"--variants={variants}"] if variants != "baseline,torch,ct2-float32,ct2-int8" else []
    argv += [f"--model={model}"] if model else []
    argv += [f"--sentences={sentences}"] if sentences else []
    argv += [f"--out={out}"] if out else []
    spec = importlib.util.spec_from_file_location("tolk_bench_translate", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.exit(module.main(argv))


def main() -> None:
    """Run the command line."""
    cli()

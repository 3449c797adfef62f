"""`tolk run` and `tolk serve`: the digest flow once, or on a schedule."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import click

from tolk.cli.options import settings_options
from tolk.cli.status import EXIT_OK, EXIT_SOME_FAILED
from tolk.errors import RunStopped, TolkError
from tolk.settings import DEFAULT_SOURCES, DEFAULT_UI_PORT, Settings


def _quiet_prefect() -> None:
    # No network here or on many batch hosts: Prefect's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _settings(values: dict) -> Settings:
    from tolk.intake.tables import parse_columns

    try:
        values["columns"] = parse_columns(values.pop("columns") or "")
        return Settings(**values)
    except (ValueError, TolkError) as error:
        raise click.UsageError(str(error)) from None


def _sources(sources: tuple[str, ...]) -> list[str]:
    from tolk.intake.sources import source_kind

    sources = list(sources) or list(DEFAULT_SOURCES)
    for source in sources:
        try:
            source_kind(source)
        except TolkError as error:
            raise click.BadParameter(str(error), param_hint="SOURCE") from None
    return sources


def _check_model(settings: Settings) -> None:
    from tolk.translate import TranslatorSpec, select_model

    info = select_model(TranslatorSpec.from_settings(settings))
    click.echo(f"model: {info.model_id} ({info.backend}, {info.compute_type}) from {info.path}")


def _preload(settings: Settings) -> None:
    """Load the model while Prefect's temporary server starts in its own process.

    The server takes seconds to answer, during which this process would only wait; the run's
    first chunk then finds the model loaded. A run with nothing to translate loads it without
    using it, in time it would have spent waiting. A model that fails to load here (a
    TolkError) is loaded again by the run, which reports the error where it belongs; any other
    error is a bug, and stops the command here.
    """
    from tolk.translate import TranslatorSpec, load_translator, select_model

    spec = TranslatorSpec.from_settings(settings)
    try:
        # ct2 only: a torch model loaded on this thread then decoded 8% slower on the task's
        # (Alpino test articles, Intel Xeon, 2 cores: the flow took 88.6 s against 82.0 s).
        if select_model(spec).backend == "ct2":
            load_translator(spec)
    except TolkError:
        return  # reported by the run itself


def _finish(state) -> None:
    """Print a flow run's outcome and exit with its status.

    An error that stopped the run is raised, for `tolk.cli` to report by its class.
    """
    report = state.result(raise_on_failure=False)
    if isinstance(report, TolkError):
        raise report
    if isinstance(report, BaseException):
        raise RunStopped(f"the run stopped: {type(report).__name__}: {report}") from report
    _report(report)


def _own_prefect_api() -> bool:
    """Say whether a Prefect API is configured ($PREFECT_API_URL, or in the active profile),
    without importing Prefect (seconds)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    return bool(data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


def _report(report) -> None:
    """Print a run's report and exit with its status."""
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{report.translated} translated, {report.reused} unchanged, {len(report.failures)} failed"
        + (f", {len(report.left_out)} left out" if report.left_out else "")
        + f" in {report.seconds:.1f} s; outputs in {report.output_dir}/"
    )
    if report.translated or report.reused:
        click.echo(report.sentence_summary)
    if report.changes:
        click.echo(f"written: {report.change_summary}")
    if report.digest_page:
        click.echo(f"what is new: {report.digest_page}")
    for failure in report.left_out:
        click.echo(f"LEFT OUT {failure.source_path}: {failure.reason}", err=True)
    for failure in report.failures:
        click.echo(f"FAILED {failure.source_path}: {failure.reason}", err=True)
    sys.exit(EXIT_SOME_FAILED if report.failures else EXIT_OK)


@click.command()
@settings_options
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Translate on a local Dask cluster of N worker processes (at most one per core).",
)
@click.option(
    "--dask-address",
    metavar="URL",
    help="Translate on an existing Dask cluster, e.g. tcp://scheduler:8786.",
)
@click.option(
    "--prefect",
    "through_prefect",
    is_flag=True,
    help="Run as a Prefect flow even with no Prefect API of your own configured: on Prefect's "
    "temporary server, the run kept in the database in $PREFECT_HOME (seconds more).",
)
def run(
    sources,
    output_dir: Path,
    workers: int,
    dask_address: str | None,
    through_prefect: bool,
    **values,
) -> None:
    """Run the digest once over the SOURCEs (default: seeds).

    A SOURCE is a folder of .txt articles and saved .html pages, one such file, a table
    (.csv, .jsonl, .parquet; one article per row), or an http(s) RSS/Atom feed URL whose
    items' pages are fetched (once: they are kept in the output folder).

    The run is a Prefect flow when a Prefect API is configured (PREFECT_API_URL or the active
    profile), with --workers or --dask-address, or with --prefect; otherwise the same steps run
    in this process, without Prefect's seconds of start.

    Example: tolk run seeds https://example.nl/feed.xml archive.csv --out outputs --workers 2
    """
    from tolk.cli.progress import progress_bars, run_log
    from tolk.translate.base import default_threads

    settings = _settings(values)
    sources = _sources(sources)
    if workers and dask_address:
        raise click.UsageError("give --workers or --dask-address, not both")
    if workers > default_threads():
        raise click.BadParameter(
            f"{workers} workers, but tolk may use {default_threads()} cores here and each "
            "worker needs one: use fewer, or --dask-address for a bigger cluster",
            param_hint="--workers",
        )
    _check_model(settings)
    local = not (workers or dask_address)
    if local and not (through_prefect or _own_prefect_api()):
        from tolk.run import digest as digest_here

        with run_log(), progress_bars() as progress:
            report = digest_here(sources, output_dir, settings, progress=progress)
        _report(report)
    _quiet_prefect()
    from flows.digest import digest
    from flows.runners import check_scheduler, dask_runner, shared_api

    if dask_address:
        check_scheduler(dask_address)
    params = {"sources": sources, "output_dir": str(output_dir), "settings": settings}
    with shared_api(meanwhile=(lambda: _preload(settings)) if local else None):
        if workers or dask_address:
            flow = digest.with_options(task_runner=dask_runner(workers, dask_address))
            state = flow(**params, window=2 * max(workers, 1), return_state=True)
        else:
            # Bars on a terminal, log lines elsewhere; only here: on Dask the chunks
            # translate in other processes, which log their progress.
            with progress_bars() as progress:
                state = digest(**params, progress=progress, return_state=True)
    _finish(state)


@click.command()
@settings_options
@click.option("--cron", required=True, help='When to run, as a cron line in UTC, e.g. "0 5 * * *".')
@click.option("--name", default="tolk-digest", show_default=True, help="Deployment name.")
@click.option(
    "--ui-port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_UI_PORT,
    show_default=True,
    help="Port of the Prefect UI and API started beside it (when PREFECT_API_URL is not set).",
)
def serve(sources, output_dir: Path, cron: str, name: str, ui_port: int, **values) -> None:
    """Serve the digest on a schedule until stopped (Ctrl-C); runs never overlap.

    One `tolk serve` per output folder: a second one is refused, naming the first.

    Example: tolk serve seeds --cron "0 5 * * *" --model models/opus-mt-nl-en
    """
    settings = _settings(values)
    sources = _sources(sources)
    _quiet_prefect()
    from flows.runners import check_cron

    try:
        check_cron(cron)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--cron") from None
    _check_model(settings)
    from flows.digest import digest
    from flows.runners import shared_api
    from flows.serving import deploy_and_serve
    from tolk.store.lock import hold_for_serving

    params = {"sources": sources, "output_dir": str(output_dir), "settings": settings.to_dict()}
    held = hold_for_serving(output_dir)
    try:
        with shared_api(scheduler=True, port=ui_port) as url:
            click.echo(f"Prefect API: {url}")

            def ready(deployment) -> None:
                ui = url.removesuffix("/api")
                click.echo(
                    f"serving {digest.name}/{name} on cron {cron!r} (UTC) into {output_dir}/; "
                    f"runs and logs: {ui}/deployments/deployment/{deployment}; "
                    "stop with Ctrl-C (or SIGTERM)"
                )

            # limit=1: a run that outlasts the interval delays the next one instead of racing.
            deploy_and_serve(digest, name, cron, params, limit=1, ready=ready)
        click.echo("tolk serve stopped")
    finally:
        held.release()

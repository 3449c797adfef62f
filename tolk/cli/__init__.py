"""The `tolk` command: the edge where errors become messages and exit codes.

Exit status: 0 all articles done, 1 some articles failed (the rest written), 2 bad usage, no
usable model, or an output folder that cannot be used.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import fields
from pathlib import Path

import click

from tolk import __version__
from tolk.errors import TolkError
from tolk.models.convert import QUANTIZATIONS
from tolk.settings import (
    BACKEND_CHOICES,
    DEFAULT_MODEL,
    DEFAULT_OUTPUT_DIR,
    DEFAULT_SOURCES,
    DEFAULT_UI_PORT,
    DEFAULTS,
    FEED_CONTENTS,
    LIMITS,
    TORCH_DTYPES,
    Settings,
    setting_help,
)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


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


def _quiet_prefect() -> None:
    # No network here or on many batch hosts: Prefect's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


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
    for setting in fields(Settings):
        if not setting.metadata["cli"]:
            continue
        flag = "--" + setting.name.replace("_", "-")
        default = getattr(DEFAULTS, setting.name)
        if isinstance(default, bool):
            flag = f"{flag}/--no-{flag[2:]}"
        options.append(
            click.option(
                flag,
                setting.name,
                type=_CLI_TYPES.get(setting.name),
                default=default,
                show_default=True,
                help=setting.metadata["help"],
            )
        )
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

    try:
        info = select_model(TranslatorSpec.from_settings(settings))
    except TolkError as error:
        _fail(str(error))
    click.echo(f"model: {info.model_id} ({info.backend}, {info.compute_type}) from {info.path}")


def _preload(settings: Settings) -> None:
    """Load the model while Prefect's temporary server starts in its own process.

    The server takes seconds to answer, during which this process would only wait; the run's
    first chunk then finds the model loaded. A run with nothing to translate loads it without
    using it, in time it would have spent waiting. A model that fails to load here is loaded
    again by the run, which reports the error where it belongs.
    """
    from tolk.translate import TranslatorSpec, load_translator, select_model

    spec = TranslatorSpec.from_settings(settings)
    try:
        # ct2 only: a torch model loaded on this thread then decoded 8% slower on the task's
        # (Alpino test articles, Intel Xeon, 2 cores: the flow took 88.6 s against 82.0 s).
        if select_model(spec).backend == "ct2":
            load_translator(spec)
    except Exception:  # noqa: BLE001 - reported by the run itself
        pass


def _finish(state) -> None:
    """Print a run's outcome and exit with its status."""
    report = state.result(raise_on_failure=False)
    if isinstance(report, BaseException):
        _fail(f"the run stopped: {type(report).__name__}: {report}", EXIT_SOME_FAILED)
    if report.error:
        _fail(report.error)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{report.translated} translated, {report.reused} unchanged, {len(report.failures)} failed"
        + (f", {len(report.left_out)} left out" if report.left_out else "")
        + f" in {report.seconds:.1f} s; outputs in {report.output_dir}/"
    )
    if report.changes:
        click.echo(f"written: {report.change_summary}")
    if report.digest_page:
        click.echo(f"what is new: {report.digest_page}")
    for failure in report.left_out:
        click.echo(f"LEFT OUT {failure.source_path}: {failure.reason}", err=True)
    for failure in report.failures:
        click.echo(f"FAILED {failure.source_path}: {failure.reason}", err=True)
    sys.exit(EXIT_SOME_FAILED if report.failures else EXIT_OK)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tolk")
def cli() -> None:
    """Translate Dutch news articles into bilingual English records."""


@cli.command()
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
def run(sources, output_dir: Path, workers: int, dask_address: str | None, **values) -> None:
    """Run the digest once over the SOURCEs (default: seeds).

    A SOURCE is a folder of .txt articles and saved .html pages, one such file, a table
    (.csv, .jsonl, .parquet; one article per row), or an http(s) RSS/Atom feed URL whose
    items' pages are fetched (once: they are kept in the output folder).

    Example: tolk run seeds https://example.nl/feed.xml archive.csv --out outputs --workers 2
    """
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
    _quiet_prefect()
    from flows.digest import digest
    from flows.runners import check_scheduler, dask_runner, shared_api

    if dask_address:
        try:
            check_scheduler(dask_address)
        except TolkError as error:
            _fail(str(error))
    params = {"sources": sources, "output_dir": str(output_dir), "settings": settings}
    local = not (workers or dask_address)
    with shared_api(meanwhile=(lambda: _preload(settings)) if local else None):
        if workers or dask_address:
            flow = digest.with_options(task_runner=dask_runner(workers, dask_address))
            state = flow(**params, window=2 * max(workers, 1), return_state=True)
        else:
            state = digest(**params, return_state=True)
    _finish(state)


@cli.command()
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
    from tolk.store.lock import hold_for_serving

    params = {"sources": sources, "output_dir": str(output_dir), "settings": settings.to_dict()}
    try:
        held = hold_for_serving(output_dir)
    except TolkError as error:
        _fail(str(error))
    try:
        with shared_api(scheduler=True, port=ui_port) as url:
            click.echo(f"Prefect API: {url}")
            # limit=1: a run that outlasts the interval delays the next one instead of racing.
            digest.serve(name=name, cron=cron, parameters=params, limit=1)
    except TolkError as error:
        _fail(str(error))
    finally:
        held.release()


@cli.command("eval")
@click.option(
    "--src",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Dutch test sentences, one per line (default: FLORES-200 devtest).",
)
@click.option(
    "--ref",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Their English references, line-aligned.",
)
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help=setting_help("model"))
@click.option(
    "--backend",
    type=click.Choice(BACKEND_CHOICES),
    default="auto",
    show_default=True,
    help=setting_help("backend"),
)
@click.option(
    "--beams",
    type=ranged("beams"),
    default=DEFAULTS.beams,
    show_default=True,
    help=setting_help("beams"),
)
@click.option(
    "--threads",
    type=ranged("threads"),
    default=0,
    show_default=True,
    help=setting_help("threads"),
)
@click.option(
    "--torch-dtype",
    type=click.Choice(TORCH_DTYPES),
    default=DEFAULTS.torch_dtype,
    show_default=True,
    help=setting_help("torch_dtype"),
)
@click.option(
    "--glossary",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help=setting_help("glossary") + " Reports the term exact-match rate.",
)
@click.option(
    "--compare",
    metavar="BACKEND,BACKEND",
    help="Score several backends on the same set, e.g. torch,ct2.",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=0, help="Use only the first N sentences."
)
@click.option(
    "--calibrate",
    is_flag=True,
    help="Store the confidence floor for low_confidence beside the model.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-results"),
    show_default=True,
    help="Where eval.json and eval.md go.",
)
def evaluate_command(
    src, ref, model, backend, beams, threads, torch_dtype, glossary, compare, limit, calibrate, out
) -> None:
    """Translate a test set as `tolk run` does and score it: BLEU and chrF with signatures.

    Example: tolk eval --model models/opus-mt-nl-en --compare torch,ct2 --calibrate
    """
    from tolk.measure import evaluate as ev
    from tolk.models.store import calibration_path, write_calibration
    from tolk.translate import TranslatorSpec, select_model

    backends = [b.strip() for b in compare.split(",")] if compare else [backend]
    for name in backends:
        if name not in BACKEND_CHOICES:
            raise click.BadParameter(
                f"{name!r}: use {', '.join(BACKEND_CHOICES)}", param_hint="--compare"
            )
    try:
        test_set = ev.load_test_set(src, ref, limit)
    except (ValueError, OSError) as error:
        raise click.UsageError(str(error)) from None
    results = []
    for name in backends:
        settings = Settings(
            model=model,
            backend=name,
            beams=beams,
            threads=threads,
            torch_dtype=torch_dtype,
            glossary=glossary,
        )
        click.echo(f"{test_set.name}: {len(test_set.sources)} sentences with {name} ...", err=True)
        try:
            result = ev.evaluate(test_set, settings)
        except TolkError as error:
            _fail(str(error))
        results.append(result)
        click.echo(f"{result.backend}: BLEU = {result.bleu:.2f}  {result.bleu_signature}")
        click.echo(f"{result.backend}: chrF2 = {result.chrf:.2f}  {result.chrf_signature}")
        flagged = ", ".join(f"{f} {v:.1%}" for f, v in result.flag_shares.items() if v) or "none"
        speed = f"{result.sentences_per_second:.1f} sentences/s"
        click.echo(f"{result.backend}: {speed}; flags: {flagged}")
        if result.term_exact_match is not None:
            click.echo(
                f"{result.backend}: glossary term exact match = {result.term_exact_match:.1%} "
                f"of {result.glossary_terms} terms (references: "
                f"{result.reference_term_match:.1%})"
            )
        if calibrate:
            spec = TranslatorSpec.from_settings(settings)
            info = select_model(spec)
            compute = result.backend.split("/", 1)[1]
            path = calibration_path(info, info.backend, compute, beams or info.default_beams)
            record = ev.calibration(result)
            if record["confidence_floor"] is None:
                _fail("too few sentences to calibrate; use a test set of at least a few hundred")
            write_calibration(path, record)
            click.echo(
                f"calibration: low_confidence below {record['confidence_floor']:.3f} -> {path}"
            )
    agree = ev.agreement(results) if len(results) > 1 else None
    if agree is not None:
        click.echo(f"identical translations: {agree} of {len(test_set.sources)}")
    json_path, md_path = ev.write_report(results, out, agree)
    click.echo(f"report: {json_path}, {md_path}")


@cli.command()
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
    except TolkError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{target}: cannot write the export ({error.strerror or error})")
    written = f"{target}.nl and {target}.en" if fmt == "moses" else str(target)
    click.echo(f"{count} sentence pairs -> {written}")


@cli.group()
def models() -> None:
    """Get, convert and list translation models."""


@models.command("pull")
@click.argument("name", default=DEFAULT_MODEL)
def models_pull(name: str) -> None:
    """Download a model from the Hugging Face hub into models/ (needs a network).

    Example: tolk models pull Helsinki-NLP/opus-mt-nl-en
    """
    from tolk.models.store import pull

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
    from tolk.models.store import list_models, models_dir

    found = list_models()
    if not found:
        click.echo(f"no models in {models_dir()}/; run `tolk models pull` or pass --model PATH")
        return
    for info in found:
        row = (info.path.name, info.model_id, info.backend, info.compute_type, info.revision[:19])
        click.echo("\t".join(row))


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
@click.option(
    "--tune/--no-tune",
    default=True,
    show_default=True,
    help="Then measure the fastest ct2 settings on this CPU (see `tolk models tune`).",
)
def models_convert(name: str, quantization: str | None, out: Path | None, tune: bool) -> None:
    """Convert a transformers Marian model to CTranslate2 for the fast ct2 backend.

    Example: tolk models convert Helsinki-NLP/opus-mt-nl-en --quantization int8
    """
    from tolk.models.convert import convert
    from tolk.models.store import resolve

    try:
        source = resolve(name)
        info = convert(source, quantization, out)
    except TolkError as error:
        _fail(str(error))
    click.echo(f"{info.model_id} @ {info.revision[:19]} -> {info.path} ({info.compute_type})")
    if tune:
        _tune(info, threads=0)


def _tune(info, threads: int) -> None:
    """Tune a ct2 model to this CPU and say what was chosen."""
    import ctranslate2

    from tolk.measure import tuning
    from tolk.models import tuned
    from tolk.translate.base import default_threads

    if ctranslate2.get_cuda_device_count() > 0:
        click.echo("tuning: skipped (CUDA: the CPU settings do not apply)")
        return
    threads = threads or default_threads()
    supported = set(ctranslate2.get_supported_compute_types("cpu"))
    kinds = [info.compute_type] if info.compute_type in supported else ["int8"]
    # On a CPU, ctranslate2 runs "int8" as int8_float32 (CT2_VERBOSE=1 says so): one candidate.
    if info.compute_type in ("int8", "int8_float32") and "int8_bfloat16" in supported:
        kinds.append("int8_bfloat16")
    click.echo(f"tuning for {tuned.cpu_signature()} ({threads} threads) ...")
    measure = tuning.measure_with(info, tuning.probe_sentences())
    chosen, timings = tuning.tune(info, threads, measure, kinds)
    path = tuned.store_tuned(info, threads, chosen, timings)
    for setting, seconds in timings.items():
        click.echo(f"  {setting}: {seconds if isinstance(seconds, str) else f'{seconds:.2f} s'}")
    click.echo(f"tuned: {chosen.describe()} -> {path}")


@models.command("tune")
@click.argument("name", default=DEFAULT_MODEL)
@click.option("--threads", type=ranged("threads"), default=0, help=setting_help("threads"))
def models_tune(name: str, threads: int) -> None:
    """Measure the ct2 backend's settings on this CPU; keep the fastest that changes nothing.

    Runs after `tolk models convert` too. Only settings that translate a probe set exactly as
    the defaults do are kept.

    Example: tolk models tune Helsinki-NLP/opus-mt-nl-en
    """
    from tolk.translate import TranslatorSpec, select_model

    try:
        info = select_model(TranslatorSpec(model=name, backend="ct2"))
    except TolkError as error:
        _fail(str(error))
    _tune(info, threads)


@models.command("shortlist")
@click.argument("name", default=DEFAULT_MODEL)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    required=True,
    help="Dutch text to build it from: any SOURCE `tolk run` takes (repeatable).",
)
@click.option(
    "--beams",
    type=click.IntRange(1, LIMITS["beams"][1]),
    default=DEFAULTS.beams,
    show_default=True,
    help="Beams to translate the corpus with.",
)
@click.option(
    "--frequent",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Most frequent output pieces that are always candidates.",
)
def models_shortlist(name: str, corpus: tuple[str, ...], beams: int, frequent: int) -> None:
    """Build a vocabulary shortlist (vmap.txt) for a ct2 model from its own translations.

    `tolk run` then scores only the shortlisted target words per batch (faster; see
    docs/performance.md for the measured gain and how often held-out text changes).

    Example: tolk models shortlist Helsinki-NLP/opus-mt-nl-en --corpus seeds
    """
    from tolk.compose import segment
    from tolk.intake.listing import list_items
    from tolk.intake.sources import SourceOptions, read_items
    from tolk.models.store import write_shortlist
    from tolk.translate import TranslatorSpec, select_model, shortlist
    from tolk.translate.ct2 import Ct2Translator

    try:
        info = select_model(TranslatorSpec(model=name, backend="ct2"))
        items, failures, _ = list_items(list(corpus), SourceOptions())
        articles, more = read_items(items, SourceOptions())
    except TolkError as error:
        _fail(str(error))
    for failure in failures + more:
        click.echo(f"skipped {failure.source_path}: {failure.reason}", err=True)
    sentences = list(dict.fromkeys(p.nl for a in articles for p in segment(a)))
    if not sentences:
        _fail("the corpus holds no sentences; give folders, tables or feeds of Dutch text")
    translator = Ct2Translator(info)
    translator.shortlist = ""  # build from the full vocabulary, whatever is there now
    click.echo(f"translating {len(sentences)} sentences of {len(articles)} articles ...", err=True)
    text, record = shortlist.build(translator, sentences, beams, frequent)
    path = write_shortlist(info, text, {**record, "corpus": list(corpus)})
    click.echo(
        f"{path}: {record['source_pieces']} source pieces -> {record['target_pieces']} target "
        f"pieces (of {translator.vocabulary_size}); used by tolk run from now on"
    )


@cli.command()
@click.option(
    "--model",
    default=None,
    help="Transformers Marian model to time; default: the stand-in (opus-mt-nl-en's shape).",
)
@click.option(
    "--threads",
    type=ranged("threads"),
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

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "translate.py"
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

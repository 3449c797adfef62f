"""`tolk models`: pull, list, convert and tune models, and build a ct2 shortlist."""

from __future__ import annotations

from pathlib import Path

import click

from tolk.cli.options import setting_option
from tolk.errors import CommandRefused
from tolk.measure.shortlist import FREQUENT
from tolk.models.convert import QUANTIZATIONS
from tolk.settings import DEFAULTS, LIMITS


@click.group()
def models() -> None:
    """Get, convert and list translation models."""


@models.command("pull")
@click.argument("name", default=DEFAULTS.model)
def models_pull(name: str) -> None:
    """Download a model from the Hugging Face hub into models/ (needs a network).

    Example: tolk models pull Helsinki-NLP/opus-mt-nl-en
    """
    from tolk.models.store import pull

    info = pull(name)
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
@click.argument("name", default=DEFAULTS.model)
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

    info = convert(resolve(name), quantization, out)
    click.echo(f"{info.model_id} @ {info.revision[:19]} -> {info.path} ({info.compute_type})")
    if tune:
        _tune(info, threads=DEFAULTS.threads)


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
@click.argument("name", default=DEFAULTS.model)
@setting_option("threads", show_default=False)
def models_tune(name: str, threads: int) -> None:
    """Measure the ct2 backend's settings on this CPU; keep the fastest that changes nothing.

    Runs after `tolk models convert` too. Only settings that translate a probe set exactly as
    the defaults do are kept.

    Example: tolk models tune Helsinki-NLP/opus-mt-nl-en
    """
    from tolk.translate import TranslatorSpec, select_model

    _tune(select_model(TranslatorSpec(model=name, backend="ct2")), threads)


@models.command("shortlist")
@click.argument("name", default=DEFAULTS.model)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    required=True,
    help="Dutch text to build it from: any SOURCE `tolk run` takes (repeatable).",
)
@setting_option(
    "beams",
    # Not 0 (the model's own beams): the shortlist needs a beam size to translate with.
    type=click.IntRange(1, LIMITS["beams"][1]),
    help="Beams to translate the corpus with.",
)
@click.option(
    "--frequent",
    type=click.IntRange(min=0),
    default=FREQUENT,
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
    from tolk.measure import shortlist
    from tolk.models.store import write_shortlist
    from tolk.translate import TranslatorSpec, select_model
    from tolk.translate.ct2 import Ct2Translator

    info = select_model(TranslatorSpec(model=name, backend="ct2"))
    items, failures, _ = list_items(list(corpus), SourceOptions())
    articles, more = read_items(items, SourceOptions())
    for failure in failures + more:
        click.echo(f"skipped {failure.source_path}: {failure.reason}", err=True)
    sentences = list(dict.fromkeys(p.nl for a in articles for p in segment(a)))
    if not sentences:
        raise CommandRefused(
            "the corpus holds no sentences; give folders, tables or feeds of Dutch text"
        )
    translator = Ct2Translator(info)
    translator.shortlist = ""  # build from the full vocabulary, whatever is there now
    click.echo(f"translating {len(sentences)} sentences of {len(articles)} articles ...", err=True)
    text, record = shortlist.build(translator, sentences, beams, frequent)
    path = write_shortlist(info, text, {**record, "corpus": list(corpus)})
    click.echo(
        f"{path}: {record['source_pieces']} source pieces -> {record['target_pieces']} target "
        f"pieces (of {translator.vocabulary_size}); used by tolk run from now on"
    )

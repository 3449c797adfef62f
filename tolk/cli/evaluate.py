"""`tolk eval`: score a test set as `tolk run` translates it, and calibrate the flags."""

from __future__ import annotations

from pathlib import Path

import click

from tolk.cli.options import setting_option
from tolk.errors import CommandRefused
from tolk.settings import BACKEND_CHOICES, Settings, setting_help


@click.command("eval")
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
@setting_option("model")
@setting_option("backend")
@setting_option("beams")
@setting_option("threads")
@setting_option("torch_dtype")
@setting_option("glossary", help=setting_help("glossary") + " Reports the term exact-match rate.")
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
        result = ev.evaluate(test_set, settings)
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
                raise CommandRefused(
                    "too few sentences to calibrate; use a test set of at least a few hundred"
                )
            write_calibration(path, record)
            click.echo(
                f"calibration: low_confidence below {record['confidence_floor']:.3f} -> {path}"
            )
    agree = ev.agreement(results) if len(results) > 1 else None
    if agree is not None:
        click.echo(f"identical translations: {agree} of {len(test_set.sources)}")
    json_path, md_path = ev.write_report(results, out, agree)
    click.echo(f"report: {json_path}, {md_path}")

"""Measure a model as tolk runs it: a line-aligned test set in, BLEU and chrF with signatures out.

The test set is translated through the same code as `tolk run` (the translator, its repairs,
the flags), then scored with sacrebleu, each score with sacrebleu's signature so that it says
what produced it. The report adds how often each flag fired, the confidence distribution and
the speed. The default set is FLORES-200 devtest, Dutch to English (shipped in tolk/data, CC
BY-SA 4.0), on which published scores exist (`PUBLISHED`).

`compare` scores several backends on one set and counts the sentences they translate alike: a
conversion (int8, say) is checked before anyone trusts it. `calibration` turns a run's
confidences into the floor under which `low_confidence` fires for that model from then on.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from tolk.checks.flags import FLAGS, confidence_floor, flag_pair
from tolk.checks.glossary import Glossary
from tolk.compose import check_signature, checked, flag_low_confidence, make_signature
from tolk.records import SentencePair
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.translate.base import Progress

FLORES = "flores200-devtest"
# Mozilla's measurements on FLORES-200 devtest nl->en (mozilla/firefox-translations-models,
# evaluation/nl-en/), sacrebleu BLEU and COMET; see tolk/data/flores200-devtest/README.md.
PUBLISHED = {
    "Google": (33.1, 0.8762),
    "Microsoft": (32.8, 0.8743),
    "Bergamot base-memory (Firefox)": (30.1, 0.8655),
    "argos-translate nl→en": (29.4, 0.8607),
    "Helsinki-NLP/opus-mt-nl-en (transformers)": (29.2, 0.8615),
    "NLLB-200-distilled-600M": (25.6, 0.8090),
}


@dataclass(frozen=True)
class TestSet:
    """Line-aligned sources and references, and the set's name."""

    name: str
    sources: list[str]
    references: list[str]


def _lines(path: Path) -> list[str]:
    """Read a test file's lines; a file that is not UTF-8 text is a ValueError naming it."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"
        ) from None


def load_test_set(src: Path | None = None, ref: Path | None = None, limit: int = 0) -> TestSet:
    """Read a line-aligned test set (default: FLORES-200 devtest nl->en); `limit` > 0 cuts it."""
    if (src is None) != (ref is None):
        raise ValueError("give both --src and --ref, or neither for FLORES-200 devtest")
    if src is None:
        folder = resources.files("tolk").joinpath("data", FLORES)
        name = FLORES
        sources = folder.joinpath("nld_Latn.devtest").read_text(encoding="utf-8").splitlines()
        references = folder.joinpath("eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    else:
        name = Path(src).name
        sources, references = _lines(Path(src)), _lines(Path(ref))
    if not sources:
        raise ValueError(f"{src}: no sentences; give a file of Dutch sentences, one per line")
    if len(sources) != len(references):
        raise ValueError(
            f"{src or FLORES}: {len(sources)} source lines but {len(references)} reference "
            "lines; a test set must be line-aligned"
        )
    if limit:
        sources, references = sources[:limit], references[:limit]
    return TestSet(name, sources, references)


@dataclass
class Evaluation:
    """One backend's translation of a test set, scored."""

    test_set: str
    backend: str
    signature: str
    sentences: int
    bleu: float
    bleu_signature: str
    chrf: float
    chrf_signature: str
    flag_shares: dict[str, float]
    confidence: dict[str, float]
    seconds: float
    # With a glossary: the share of its term occurrences in the Dutch whose required English
    # the output holds (exact match, Alam et al. 2021), out of `glossary_terms`; and the same
    # share in the references, for scale.
    term_exact_match: float | None = None
    glossary_terms: int = 0
    reference_term_match: float | None = None
    hypotheses: list[str] = field(repr=False, default_factory=list)
    confidences: list[float] = field(repr=False, default_factory=list)

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        """Return the evaluation without its per-sentence lists, for the report."""
        data = asdict(self)
        data.pop("hypotheses")
        data.pop("confidences")
        data["sentences_per_second"] = round(self.sentences_per_second, 2)
        return data


def evaluate(test_set: TestSet, settings: Settings, progress: Progress | None = None) -> Evaluation:
    """Translate a test set as `tolk run` would, and score it."""
    from sacrebleu.metrics import BLEU, CHRF

    spec = TranslatorSpec.from_settings(settings)
    info = select_model(spec)
    signature = make_signature(info, spec, settings)
    translator = load_translator(spec)
    check_signature(translator, signature)  # the scores say what ran
    started = time.perf_counter()
    translations = translator.translate(
        test_set.sources,
        signature.beams,
        progress,
        repair=signature.repair,
        glossary=Glossary.of(signature.glossary),
        judge=flag_pair,
    )
    seconds = time.perf_counter() - started
    glossary = Glossary.of(signature.glossary)
    pairs = [
        checked(SentencePair(test_set.name, i, i, "body", nl, ""), t, glossary)
        for i, (nl, t) in enumerate(zip(test_set.sources, translations, strict=True))
    ]
    # Uncalibrated, the whole set stands in for "usual", as an article does in a run.
    pairs = flag_low_confidence(pairs, signature.confidence_floor)
    hypotheses = [p.en for p in pairs]
    bleu, chrf = BLEU(), CHRF()
    bleu_score = bleu.corpus_score(hypotheses, [test_set.references])
    chrf_score = chrf.corpus_score(hypotheses, [test_set.references])
    confidences = [p.confidence for p in pairs if p.confidence is not None]
    terms, matched = term_matches(glossary, test_set.sources, hypotheses)
    _, in_references = term_matches(glossary, test_set.sources, test_set.references)
    return Evaluation(
        test_set=test_set.name,
        backend=f"{translator.backend}/{translator.compute_type}",
        signature=str(signature),
        sentences=len(pairs),
        bleu=round(bleu_score.score, 2),
        bleu_signature=str(bleu.get_signature()),
        chrf=round(chrf_score.score, 2),
        chrf_signature=str(chrf.get_signature()),
        flag_shares={f: sum(f in p.flags for p in pairs) / len(pairs) for f in FLAGS},
        confidence=_quantiles(confidences),
        seconds=round(seconds, 2),
        term_exact_match=round(matched / terms, 4) if terms else None,
        glossary_terms=terms,
        reference_term_match=round(in_references / terms, 4) if terms else None,
        hypotheses=hypotheses,
        confidences=confidences,
    )


def term_matches(glossary: Glossary, sources: list[str], outputs: list[str]) -> tuple[int, int]:
    """Count the glossary terms the Dutch holds, and those whose rendering the English holds."""
    terms = matched = 0
    for nl, en in zip(sources, outputs, strict=True):
        for term in glossary.terms_in(nl):
            terms += 1
            matched += glossary.rendered(term, en)
    return terms, matched


def _quantiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100)
    return {
        "mean": round(statistics.fmean(values), 4),
        "p01": round(cuts[0], 4),
        "p05": round(cuts[4], 4),
        "p50": round(statistics.median(values), 4),
        "p95": round(cuts[94], 4),
    }


def agreement(evaluations: list[Evaluation]) -> int:
    """Count the sentences that every evaluation translated alike."""
    rows = zip(*(e.hypotheses for e in evaluations), strict=True)
    return sum(len(set(outputs)) == 1 for outputs in rows)


def calibration(evaluation: Evaluation) -> dict:
    """Return the calibration record a run of this model will flag low confidence by."""
    return {
        "confidence_floor": confidence_floor(evaluation.confidences),
        "test_set": evaluation.test_set,
        "sentences": evaluation.sentences,
        "signature": evaluation.signature,
        "confidence": evaluation.confidence,
    }


def report_markdown(evaluations: list[Evaluation], agree: int | None = None) -> str:
    """Render an evaluation report as Markdown."""
    lines = [
        f"# tolk eval: {evaluations[0].test_set}, {evaluations[0].sentences} sentences",
        "",
        "| backend | BLEU | chrF | sentences/s | flagged | confidence p50 | confidence p05 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in evaluations:
        flagged = max(e.flag_shares.values(), default=0.0)
        lines.append(
            f"| {e.backend} | {e.bleu:.1f} | {e.chrf:.1f} | {e.sentences_per_second:.1f} "
            f"| {flagged:.1%} (most-fired flag) | {e.confidence.get('p50', float('nan')):.3f} "
            f"| {e.confidence.get('p05', float('nan')):.3f} |"
        )
    lines += ["", "| flag | " + " | ".join(e.backend for e in evaluations) + " |"]
    lines += ["|---|" + "---:|" * len(evaluations)]
    for flag in FLAGS:
        shares = " | ".join(f"{e.flag_shares[flag]:.1%}" for e in evaluations)
        lines.append(f"| {flag} | {shares} |")
    lines += [""]
    for e in evaluations:
        lines += [
            f"- {e.backend}: BLEU `{e.bleu_signature}`, chrF `{e.chrf_signature}`; "
            f"tolk `{e.signature}`"
        ]
    for e in evaluations:
        if e.term_exact_match is not None:
            lines += [
                f"- {e.backend}: glossary term exact match {e.term_exact_match:.1%} of "
                f"{e.glossary_terms} term occurrences (references: {e.reference_term_match:.1%})"
            ]
    if agree is not None:
        total = evaluations[0].sentences
        lines += ["", f"Identical translations across backends: {agree} of {total}."]
    if evaluations[0].test_set == FLORES:
        lines += ["", "Published on this set (Mozilla's measurements):", ""]
        lines += ["| system | BLEU | COMET |", "|---|---:|---:|"]
        lines += [f"| {name} | {b} | {c} |" for name, (b, c) in PUBLISHED.items()]
    return "\n".join(lines) + "\n"


def write_report(
    evaluations: list[Evaluation], out_dir: Path, agree: int | None = None
) -> tuple[Path, Path]:
    """Write the report as eval.json and eval.md in `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"evaluations": [e.summary() for e in evaluations], "identical": agree}
    json_path, md_path = out_dir / "eval.json", out_dir / "eval.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(report_markdown(evaluations, agree), encoding="utf-8")
    return json_path, md_path

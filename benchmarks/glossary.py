"""Measure the glossary on the stand-in model: term exact match with it off and on, and its cost.

Takes FLORES-200 devtest (shipped in tolk/data/) and a glossary built from it: every name that
the Dutch and the human English both hold once, as the same word (kept: `=`), and every common
exonym of tolk/data/exonyms.tsv whose English form the reference holds (Dutch -> that form).
Translates the first N sentences with the stand-in (tolk.testing.standin, built once into the
cache; or `--model DIR`, a transformers Marian model such as opus-mt-nl-en) on the torch backend
(or `--backend ct2`, its int8 conversion), without and with the glossary, and gives: the term
exact-match rate (Alam et al. 2021) of each run and of the references; the share of sentences
flagged `glossary`; whether every unmet term is flagged; whether the sentences the glossary did
not touch are byte-identical; and the wall time of each run (one process, the same machine, off
and on alternated twice, the faster of each kept: the ratio is what to quote).

The stand-in copies its source through a fixed swap of word pieces
(tolk.testing.standin_training), so no candidate of it holds a name as written: on it the
glossary works only by putting the terms in where the model's alignment shows their place. Its
aligning head is opus-mt's, the first of the last decoder layer (wired there), which is also the
head CTranslate2 returns, so both backends align on it.

  python benchmarks/glossary.py [--limit N] [--beams N] [--threads N] [--backend torch|ct2]
                                [--model DIR]

The committed results are of `--limit 200 --threads 1` (about 10 minutes for torch, 4 for ct2,
on a 2-core machine): glossary.md for torch, glossary-ct2.md for ct2; with `--model DIR` the
files take the model's name (glossary-opus-mt-nl-en.md), so the stand-in's stay.
"""

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tolk import __version__  # noqa: E402
from tolk.checks.flags import flag_pair  # noqa: E402
from tolk.checks.glossary import Glossary  # noqa: E402
from tolk.checks.names import exonyms  # noqa: E402
from tolk.measure.evaluate import term_matches  # noqa: E402
from tolk.testing.corruptions import flores_pairs, shared_names  # noqa: E402


def flores_glossary(pairs: list[tuple[str, str]]) -> Glossary:
    """Build a glossary of the names and exonyms FLORES devtest renders, with its renderings."""
    entries: dict[str, str] = {}
    for nl, en in pairs:
        for name in shared_names(nl, en):
            entries.setdefault(name, "=")
        for dutch, english in exonyms().items():
            if dutch in nl and dutch != english[0]:
                form = next((e for e in english if e in en), None)
                if form:
                    entries.setdefault(dutch, form)
    return Glossary.of(list(entries.items()))


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and write benchmarks/results/glossary.json and .md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="FLORES sentences to translate")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backend", choices=("torch", "ct2"), default="torch")
    parser.add_argument("--model", help="a transformers Marian model directory (default: stand-in)")
    args = parser.parse_args(argv)

    from tolk.testing.standin import standin_model
    from tolk.translate import TranslatorSpec, load_translator

    pairs = flores_pairs()
    glossary = flores_glossary(pairs)
    pairs = pairs[: args.limit]
    sources = [nl for nl, _ in pairs]
    references = [en for _, en in pairs]
    model = (
        Path(args.model).resolve()
        if args.model
        else standin_model(progress=lambda m: print(m, flush=True))
    )
    label = "the stand-in" if not args.model else model.name
    path = model
    if args.backend == "ct2":
        from tolk.models.convert import convert
        from tolk.models.store import describe

        work = tempfile.TemporaryDirectory(prefix="tolk-glossary-")  # removed at exit
        out = Path(work.name) / f"{model.name}-ct2-int8"  # a fresh conversion
        path = convert(describe(model), "int8", out=out).path
    translator = load_translator(
        TranslatorSpec(model=str(path), backend=args.backend, threads=args.threads)
    )
    translator.translate(sources[:8], args.beams, judge=flag_pair)  # warm up

    seconds: dict[bool, list[float]] = {False: [], True: []}
    outputs: dict[bool, list] = {}
    for on in (False, True, False, True):
        started = time.perf_counter()
        out = translator.translate(
            sources, args.beams, glossary=glossary if on else None, judge=flag_pair
        )
        seconds[on].append(time.perf_counter() - started)
        if on in outputs and [t.text for t in outputs[on]] != [t.text for t in out]:
            raise SystemExit(f"glossary {'on' if on else 'off'}: a second run gave other English")
        outputs[on] = out
        print(f"glossary {'on' if on else 'off'}: {seconds[on][-1]:.1f} s", flush=True)
    plain_seconds, glossary_seconds = min(seconds[False]), min(seconds[True])
    plain, steered = outputs[False], outputs[True]

    terms, plain_hits = term_matches(glossary, sources, [t.text for t in plain])
    _, steered_hits = term_matches(glossary, sources, [t.text for t in steered])
    _, reference_hits = term_matches(glossary, sources, references)
    with_terms = [i for i, nl in enumerate(sources) if glossary.terms_in(nl)]
    flagged = [i for i in with_terms if glossary.unmet(sources[i], steered[i].text)]
    untouched = [i for i in range(len(sources)) if i not in with_terms]
    changed = sum(plain[i].text != steered[i].text for i in with_terms)
    result = {
        "signature": {
            "data": f"flores200-devtest|first:{len(sources)}|glossary:{len(glossary.terms)} terms",
            "model": model.name,
            "backend": f"{args.backend}/beams:{args.beams}/threads:{args.threads}",
            "timing": "faster of 2 alternated runs each",
            "python": platform.python_version(),
            "tolk": __version__,
        },
        "term_occurrences": terms,
        "term_exact_match_off": plain_hits / terms if terms else None,
        "term_exact_match_on": steered_hits / terms if terms else None,
        "term_exact_match_reference": reference_hits / terms if terms else None,
        "sentences_with_terms": len(with_terms),
        "sentences_flagged_glossary": len(flagged),
        "sentences_changed_by_glossary": changed,
        "untouched_identical": all(plain[i].text == steered[i].text for i in untouched),
        "seconds_off_runs": [round(s, 2) for s in seconds[False]],
        "seconds_on_runs": [round(s, 2) for s in seconds[True]],
        "seconds_off": round(plain_seconds, 2),
        "seconds_on": round(glossary_seconds, 2),
        "overhead": round(glossary_seconds / plain_seconds - 1, 4),
    }
    lines = [
        f"Glossary on {label} ({args.backend}), FLORES-200 devtest first {len(sources)} "
        f"sentences, {len(glossary.terms)} terms ({terms} occurrences in {len(with_terms)} "
        "sentences):",
        "",
        "| run | term exact match | wall time |",
        "|---|---:|---:|",
        f"| glossary off | {result['term_exact_match_off']:.1%} | {plain_seconds:.1f} s |",
        f"| glossary on | {result['term_exact_match_on']:.1%} | {glossary_seconds:.1f} s "
        f"({result['overhead']:+.0%}) |",
        f"| human reference | {result['term_exact_match_reference']:.1%} | — |",
        "",
        f"Flagged `glossary`: {len(flagged)} of {len(with_terms)} sentences with terms; changed "
        f"by the glossary: {changed}; sentences without terms byte-identical: "
        f"{'yes' if result['untouched_identical'] else 'NO'}. "
        + "|".join(f"{k}:{v}" for k, v in result["signature"].items()),
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "glossary" if args.backend == "torch" else f"glossary-{args.backend}"
    name += f"-{model.name}" if args.model else ""  # the stand-in's committed results stay
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

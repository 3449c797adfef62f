"""Measure the glossary on the stand-in model: term exact match with it off and on, and its cost.

Takes FLORES-200 devtest (shipped in tolk/data/) and a glossary built from it: every name that
the Dutch and the human English both hold once, as the same word (kept: `=`), and every common
exonym of tolk/data/exonyms.tsv whose English form the reference holds (Dutch -> that form).
Translates the first N sentences with the stand-in (tolk.testing.standin, built once into the
cache) on the torch backend, without and with the glossary, and gives: the term exact-match rate
(Alam et al. 2021) of each run and of the references; the share of sentences flagged `glossary`;
whether every unmet term is flagged; whether the sentences the glossary did not touch are
byte-identical; and the wall time of each run (one process, the same machine, one run after the
other: the ratio is what to quote).

The stand-in copies its source through a fixed swap of word pieces
(tolk.testing.standin_training), so no candidate of it can hold a name as written: on it the
glossary can only substitute.  python benchmarks/glossary.py [--limit N] [--beams N] [--threads N]

On a shared 2-core machine the stand-in takes about 2 s a sentence with the glossary off and 5 s
with it on: the committed results are of `--limit 50 --threads 1` (about 7 minutes).
"""

import argparse
import json
import platform
import sys
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
    args = parser.parse_args(argv)

    from tolk.testing.standin import standin_model
    from tolk.translate import TranslatorSpec, load_translator

    pairs = flores_pairs()
    glossary = flores_glossary(pairs)
    pairs = pairs[: args.limit]
    sources = [nl for nl, _ in pairs]
    references = [en for _, en in pairs]
    model = standin_model(progress=lambda m: print(m, flush=True))
    translator = load_translator(
        TranslatorSpec(model=str(model), backend="torch", threads=args.threads)
    )
    translator.translate(sources[:8], args.beams, judge=flag_pair)  # warm up

    started = time.perf_counter()
    plain = translator.translate(sources, args.beams, judge=flag_pair)
    plain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    steered = translator.translate(sources, args.beams, glossary=glossary, judge=flag_pair)
    glossary_seconds = time.perf_counter() - started

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
            "backend": f"torch/beams:{args.beams}/threads:{args.threads}",
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
        "seconds_off": round(plain_seconds, 2),
        "seconds_on": round(glossary_seconds, 2),
        "overhead": round(glossary_seconds / plain_seconds - 1, 4),
    }
    lines = [
        f"Glossary on the stand-in, FLORES-200 devtest first {len(sources)} sentences, "
        f"{len(glossary.terms)} terms ({terms} occurrences in {len(with_terms)} sentences):",
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
    (RESULTS / "glossary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "glossary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

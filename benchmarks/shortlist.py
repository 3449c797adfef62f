"""The vocabulary shortlist's gain and its cost: speed, and agreement with the full vocabulary.

Builds a shortlist (`tolk.measure.shortlist.build`, what `tolk models shortlist` runs) for the
int8 conversion of the model under test (default: the stand-in, `tolk.testing.standin`) from a
corpus, then translates with and without it, beam 4, tolk's ct2 backend with this CPU's tuned
settings:

- the corpus it was built from (the distinct sentences of seeds/): expected identical;
- held-out news (the UD Dutch Alpino test articles in benchmarks/data/, as benchmarks/peers.py
  reads them): how many sentences change is reported, not assumed.

Speed: sentences/s of each translator on the held-out text, both loaded in this process and
warmed up, timed alternately `--repeats` times; the best time of each counts. One run; the CPU
is named in the output. Writes benchmarks/results/shortlist.{json,md}.

Usage: python benchmarks/shortlist.py [--model DIR] [--repeats 3] [--frequent 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BEAMS = 4


def corpus_sentences() -> list[str]:
    """Return the distinct sentences of seeds/, as tolk segments them."""
    from tolk.compose import segment
    from tolk.intake.text import read_article

    return list(
        dict.fromkeys(
            pair.nl
            for path in sorted((ROOT / "seeds").glob("*.txt"))
            for pair in segment(read_article(path))
        )
    )


def held_out_sentences() -> list[str]:
    """Return the Alpino test articles' sentences, in order, without repeats."""
    from peers import alpino_articles

    return list(
        dict.fromkeys(s for paragraphs in alpino_articles().values() for p in paragraphs for s in p)
    )


def timed(translator, sentences: list[str]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    from tolk.checks.flags import flag_pair

    texts = [t.text for t in translator.translate(sentences, BEAMS, judge=flag_pair)]
    return time.perf_counter() - started, texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a transformers Marian model (default: the stand-in)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frequent", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from _models import machine, prepare

    from tolk.measure import shortlist
    from tolk.models.store import describe, write_shortlist
    from tolk.translate.ct2 import Ct2Translator

    corpus, held_out = corpus_sentences(), held_out_sentences()
    with tempfile.TemporaryDirectory(prefix="tolk-shortlist-") as tmp:
        _, converted = prepare(Path(tmp) / "models", args.model)
        info = describe(converted["int8"])
        full = Ct2Translator(info)
        print(f"{machine()}; {full.settings.describe()}", flush=True)
        started = time.perf_counter()
        text, record = shortlist.build(full, corpus, BEAMS, args.frequent)
        build_seconds = time.perf_counter() - started
        write_shortlist(info, text, {**record, "corpus": ["seeds"]})
        short = Ct2Translator(describe(info.path))
        assert short.shortlist, "the shortlist was not picked up"
        print(f"built from {len(corpus)} sentences in {build_seconds:.1f} s: {record}", flush=True)

        own = {name: timed(t, corpus)[1] for name, t in (("full", full), ("short", short))}
        timed(full, held_out[:32]), timed(short, held_out[:32])  # warm up
        best = {"full": float("inf"), "short": float("inf")}
        outputs = {}
        for repeat in range(args.repeats):
            for name, translator in (("full", full), ("short", short)):
                seconds, outputs[name] = timed(translator, held_out)
                best[name] = min(best[name], seconds)
                print(f"  {repeat + 1}: {name:5} {seconds:6.2f} s", flush=True)
        shutil.rmtree(tmp, ignore_errors=True)

    same_own = sum(a == b for a, b in zip(own["full"], own["short"], strict=True))
    same_held = sum(a == b for a, b in zip(outputs["full"], outputs["short"], strict=True))
    report = {
        "machine": machine(),
        "cores": os.cpu_count(),
        "model": args.model
        or "stand-in (tolk.testing.standin): opus-mt-nl-en's shape, stops by itself",
        "settings": full.settings.describe(),
        "beams": BEAMS,
        "shortlist": record,
        "build_seconds": build_seconds,
        "corpus_sentences": len(corpus),
        "corpus_identical": same_own,
        "held_out_sentences": len(held_out),
        "held_out_identical": same_held,
        "held_out_seconds": best,
        "speedup": best["full"] / best["short"],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "shortlist.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render(report)
    (args.out / "shortlist.md").write_text(table, encoding="utf-8")
    print("\n" + table)


def render(report: dict) -> str:
    """Return the report as Markdown, with its context."""
    short, held = report["shortlist"], report["held_out_sentences"]
    seconds = report["held_out_seconds"]
    lines = [
        f"`python benchmarks/shortlist.py`: {report['machine']}, {report['cores']} cores; "
        f"{report['model']}; ct2 int8, beam {report['beams']}, {report['settings']}. "
        f"Shortlist built from {report['corpus_sentences']} seed sentences in "
        f"{report['build_seconds']:.0f} s: {short['source_pieces']} source pieces -> "
        f"{short['target_pieces']} target pieces ({short['frequent']} always candidates). "
        "One run; held-out times are the best of the alternated repeats.",
        "",
        "| text | sentences | full vocabulary s | shortlist s | speed-up | identical to full |",
        "|---|---:|---:|---:|---:|---:|",
        f"| its own corpus (seeds/) | {report['corpus_sentences']} | | | | "
        f"{report['corpus_identical'] / report['corpus_sentences']:.1%} |",
        f"| held-out news (Alpino test) | {held} | {seconds['full']:.2f} | {seconds['short']:.2f} "
        f"| {report['speedup']:.2f}x | {report['held_out_identical'] / held:.1%} |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

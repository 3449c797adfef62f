"""Does a digest run stream? Peak memory and throughput as the batch grows.

Generates articles from the seed articles' sentences (halves of two different sentences
spliced together, so no two sentences repeat and the translator's de-duplication cannot help),
then runs the real digest flow with the tiny random Marian model:

- peak RSS of the flow process at 200 and at 2,000 articles (1 worker): flat memory means the
  second stays within 1.5x of the first;
- articles per second at 2,000 articles with 1 worker (in process) and 2 Dask workers.

Each measurement runs in a fresh process. Usage: python benchmarks/scale.py [--small 200]
[--large 2000] [--model DIR]. Writes benchmarks/results/scale.json and scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def seed_sentences() -> list[str]:
    """Return every body sentence of the seed articles."""
    from tolk.pipeline import segment
    from tolk.read import find_articles, read_article

    return [
        p.nl
        for path in find_articles(ROOT / "seeds")
        for p in segment(read_article(path))
        if p.paragraph_kind == "body" and len(p.nl.split()) >= 6
    ]


def generate(folder: Path, count: int, seed: int = 0) -> None:
    """Write `count` articles of three two-sentence paragraphs built from seed sentences."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    folder.mkdir(parents=True, exist_ok=True)

    def spliced() -> str:
        a, b = rng.sample(sentences, 2)
        left, right = a.split(), b.split()
        return " ".join(left[: len(left) // 2] + right[len(right) // 2 :])

    for n in range(count):
        paragraphs = [f"{spliced()} {spliced()}" for _ in range(3)]
        text = f" date 2025-{1 + n % 12:02d} " + "\n\n".join(paragraphs) + "\n"
        (folder / f"gen_{n:05d}.txt").write_text(text, encoding="utf-8")


def child(args: argparse.Namespace) -> None:
    """Run the flow once in this process and print its measurements as JSON."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.digest import digest
    from flows.runners import dask_runner, shared_api

    params = {"input_dir": args.input, "output_dir": args.output, "model": args.model}
    started = time.perf_counter()
    if args.workers > 1:
        with shared_api():
            flow = digest.with_options(task_runner=dask_runner(workers=args.workers))
            state = flow(**params, return_state=True)
    else:
        state = digest(**params, return_state=True)
    report = state.result()
    print(
        json.dumps(
            {
                "articles": report.translated,
                "sentences": report.sentences,
                "flow_seconds": report.seconds,
                "wall_seconds": time.perf_counter() - started,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def measure(model: Path, input_dir: Path, workers: int, work: Path) -> dict:
    """Run one measurement in a fresh process, into a fresh output folder."""
    output = tempfile.mkdtemp(dir=work, prefix="out-")
    command = [sys.executable, __file__, "--child", "--input", str(input_dir), "--output", output]
    command += ["--model", str(model), "--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--model", help="a Marian model directory (default: build the tiny one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = Path(args.model) if args.model else None
        if model is None:
            from tolk.random_model import TINY, build_random_marian

            texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
            model = build_random_marian(work / "tiny-marian", texts, TINY)
        small, large = work / "small", work / "large"
        generate(small, args.small)
        generate(large, args.large)
        runs = [
            ("small, 1 worker", args.small, 1, measure(model, small, 1, work)),
            ("large, 1 worker", args.large, 1, measure(model, large, 1, work)),
            ("large, 2 Dask workers", args.large, 2, measure(model, large, 2, work)),
        ]
    rows = []
    for name, count, workers, m in runs:
        rows.append(
            {
                "run": name,
                "articles": count,
                "workers": workers,
                "sentences": m["sentences"],
                "flow_seconds": round(m["flow_seconds"], 1),
                "articles_per_s": round(count / m["flow_seconds"], 1),
                "sentences_per_s": round(m["sentences"] / m["flow_seconds"], 1),
                "peak_rss_mb": round(m["peak_rss_mb"]),
            }
        )
    ratio = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    speedup = rows[2]["articles_per_s"] / rows[1]["articles_per_s"]
    lines = [
        "| run | articles | sentences | flow s | articles/s | sentences/s | flow peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['run']} | {r['articles']} | {r['sentences']} | {r['flow_seconds']} "
        f"| {r['articles_per_s']} | {r['sentences_per_s']} | {r['peak_rss_mb']} |"
        for r in rows
    ]
    cpu = platform.processor() or platform.machine()
    lines += [
        "",
        f"Peak RSS {args.large} vs {args.small} articles: {ratio:.2f}x (target <= 1.5x). "
        f"2 workers vs 1: {speedup:.2f}x. {os.cpu_count()} cores, {cpu}, tiny random Marian model.",
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text(table + "\n", encoding="utf-8")
    summary = {"rows": rows, "rss_ratio": ratio, "two_worker_speedup": speedup}
    (RESULTS / "scale.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

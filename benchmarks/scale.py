"""Does a digest run stream? Peak memory and throughput as the batch grows.

Generates articles from the seed articles' sentences (halves of two different sentences
spliced together, so no two sentences repeat and the translator's de-duplication cannot help),
then runs the real digest flow with the tiny random Marian model (repair off: a random model
never stops, so every sentence would be decoded twice):

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
    from tolk.compose import segment
    from tolk.intake.text import find_articles, read_article

    return [
        p.nl
        for path in find_articles(ROOT / "seeds")
        for p in segment(read_article(path))
        if p.paragraph_kind == "body" and len(p.nl.split()) >= 6
    ]


def generate(folder: Path, count: int, seed: int = 0, prefix: str = "gen") -> None:
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
        (folder / f"{prefix}_{n:05d}.txt").write_text(text, encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries that across fork and
    exec, so a child would report the parent's size (1,042 MB for every run once the parent
    had filled the 20,000-article store)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    """Run the flow once in this process and print its measurements as JSON."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.digest import digest
    from flows.runners import dask_runner, shared_api
    from tolk.settings import Settings

    params = {
        "sources": [args.input],
        "output_dir": args.output,
        # The tiny random model never stops: every sentence hits its cap and would be decoded
        # twice by the repair. This measures the pipeline's memory and flow, not the model.
        "settings": Settings(model=args.model, repair=False),
    }
    started = time.perf_counter()
    with shared_api():
        if args.workers > 1:
            flow = digest.with_options(task_runner=dask_runner(workers=args.workers))
            state = flow(**params, window=2 * args.workers, return_state=True)
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
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


class CopyThrough:
    """Stand in for a model when filling a big store: the English is the Dutch, at once."""

    backend, compute_type, device, max_input_tokens = "torch", "float32", "cpu", 512

    def translate(self, sentences, beams, progress=None, repair=True, **steering):
        from tolk.translate.base import Translation

        # Decoded in the store's eyes (a confidence), so the filled store is a full memory.
        return [Translation(s, confidence=-0.5) for s in sentences]


def fill_store(output: Path, count: int, model: Path) -> None:
    """Fill an output folder with `count` generated articles through the store's API."""
    from tolk.compose import build_digests, cache_key, make_signature
    from tolk.intake.text import find_articles, read_article
    from tolk.settings import Settings
    from tolk.store import OutputStore
    from tolk.translate import TranslatorSpec, select_model
    from tolk.views.refresh import refresh_views

    source = output.with_name(output.name + "-source")
    generate(source, count, seed=1)
    spec = TranslatorSpec(model=str(model))
    signature = make_signature(select_model(spec), spec, Settings(model=str(model)))
    paths = find_articles(source)
    with OutputStore(output, checkpoint_chunks=1000) as store:
        for start in range(0, len(paths), 500):
            articles = [read_article(p) for p in paths[start : start + 500]]
            plan = store.plan(articles, {a.id: cache_key(a, signature) for a in articles})
            digests, _ = build_digests(plan.work, CopyThrough(), signature)
            store.stage(digests)
        commit = store.commit()
        refresh_views(store, commit.changed)


def measure(
    model: Path, input_dir: Path, workers: int, work: Path, output: Path | None = None
) -> dict:
    """Run one measurement in a fresh process, into a fresh (or the given) output folder."""
    output = output or tempfile.mkdtemp(dir=work, prefix="out-")
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
    parser.add_argument("--history", type=int, default=20000, help="articles in the big store")
    parser.add_argument("--added", type=int, default=16, help="articles a run adds to it")
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
            from tolk.testing.random_model import TINY, build_random_marian

            texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
            model = build_random_marian(work / "tiny-marian", texts, TINY)
        small, large, added = work / "small", work / "large", work / "added"
        generate(small, args.small)
        generate(large, args.large)
        generate(added, args.added, seed=2, prefix="new")
        big_store = work / "big-store"
        fill_store(big_store, args.history, model)
        runs = [
            ("small, 1 worker", args.small, 1, measure(model, small, 1, work)),
            ("large, 1 worker", args.large, 1, measure(model, large, 1, work)),
            ("large, 2 Dask workers", args.large, 2, measure(model, large, 2, work)),
            (f"{args.added} into an empty folder", args.added, 1, measure(model, added, 1, work)),
            (
                f"{args.added} into a store of {args.history}",
                args.added,
                1,
                measure(model, added, 1, work, big_store),
            ),
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
    history = rows[4]["peak_rss_mb"] / rows[3]["peak_rss_mb"]
    lines = [
        "| run | articles | sentences | flow s | articles/s | sentences/s | flow peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['run']} | {r['articles']} | {r['sentences']} | {r['flow_seconds']} "
        f"| {r['articles_per_s']} | {r['sentences_per_s']} | {r['peak_rss_mb']} |"
        for r in rows
    ]
    lines += [
        "",
        f"Peak RSS {args.large} vs {args.small} articles: {ratio:.2f}x (target <= 1.5x). "
        f"Adding {args.added} articles to a store of {args.history} vs to an empty folder: "
        f"{history:.2f}x (target <= 1.5x). 2 workers vs 1: {speedup:.2f}x. "
        f"{os.cpu_count()} cores, {cpu_name()}, tiny random Marian model.",
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text(table + "\n", encoding="utf-8")
    summary = {
        "rows": rows,
        "rss_ratio": ratio,
        "history_rss_ratio": history,
        "two_worker_speedup": speedup,
        "cpu": cpu_name(),
    }
    (RESULTS / "scale.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def cpu_name() -> str:
    """Name this machine's CPU (ratios measured on one CPU do not carry to another)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()

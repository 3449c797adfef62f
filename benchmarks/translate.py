"""Benchmark translation: a naive transformers loop against tolk's torch and ct2 backends.

Takes the distinct sentences of seeds/ and a Marian model: by default the stand-in
(`tolk.testing.standin`: opus-mt-nl-en's shape, trained to copy through a word mapping, so it
stops by itself at natural lengths and beam, greedy, float32 and int8 can be compared), or
`--model`. Gives a table of sentences/s, output tokens/s, the ratio to the baseline, peak RSS,
effective GFLOP/s beside the machine's fp32 matmul GFLOP/s, and agreement with the baseline's
output, as benchmarks/results/translate.json and translate.md, naming the CPU it ran on (a ratio
measured on one CPU does not carry to another). Each variant runs in a fresh process, so its peak
RSS is its own. tolk's ct2 variants run with the settings `tolk models tune` chose for this CPU,
if any.

Run: tolk bench   (or: python benchmarks/translate.py --help)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BASELINE_BATCH = 8
VARIANTS = ("baseline", "torch", "ct2-float32", "ct2-int8")
DECODINGS = (("beam 4", 4), ("greedy", 1))


# ---------------------------------------------------------------- the variants (run in a worker)


def _baseline(model_dir: str, beams: int):
    """What a user writes first: doc order, 8 per batch, padded to the longest, fp32."""
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(model_dir)
    model = MarianMTModel.from_pretrained(model_dir)

    def translate(texts: list[str]) -> list[str]:
        out = []
        for start in range(0, len(texts), BASELINE_BATCH):
            batch = tokenizer(
                texts[start : start + BASELINE_BATCH], return_tensors="pt", padding=True
            )
            generated = model.generate(**batch, num_beams=beams)
            out += tokenizer.batch_decode(generated, skip_special_tokens=True)
        return out

    return tokenizer, translate


def _tolk(variant: str, model_dir: str, beams: int, threads: int):
    from tolk.models.store import describe

    info = describe(Path(model_dir))
    if variant == "torch":
        from tolk.translate.torch import TorchTranslator as Backend
    else:
        from tolk.translate.ct2 import Ct2Translator as Backend
    translator = Backend(info, threads=threads)
    translator.policy = Backend.batch_policy(4096, translator.device)  # what `tolk run` uses

    from tolk.checks.flags import flag_pair

    def translate(texts: list[str]) -> list[str]:
        return [t.text for t in translator.translate(texts, beams, judge=flag_pair)]

    return translator.tokenizer, translate


def run_worker(job: dict) -> dict:
    """Run one variant with one decoding in this process; return its timing and outputs."""
    if job["variant"] == "matmul":
        return {"gflops": measure_matmul(job["threads"])}
    import torch

    torch.set_num_threads(job["threads"])
    sentences, beams = job["sentences"], job["beams"]
    started = time.perf_counter()
    if job["variant"] == "baseline":
        tokenizer, translate = _baseline(job["model"], beams)
    else:
        tokenizer, translate = _tolk(job["variant"], job["model"], beams, job["threads"])
    loaded = time.perf_counter() - started
    translate(sentences[:4])  # warm up: first-call allocations and lazy initialisation
    started = time.perf_counter()
    outputs = translate(sentences)
    seconds = time.perf_counter() - started
    tokens = [len(ids) for ids in tokenizer(text_target=outputs)["input_ids"]]
    return {
        "seconds": seconds,
        "load_seconds": loaded,
        "peak_rss_mb": peak_rss_mb(),
        "outputs": outputs,
        "output_tokens": tokens,
    }


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB."""
    # VmHWM starts afresh at exec; getrusage's ru_maxrss keeps the forking parent's peak.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_matmul(threads: int, size: int = 1024, seconds: float = 1.5) -> float:
    """Return the best fp32 GFLOP/s of a size x size matmul over about `seconds`."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    best, deadline = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        for _ in range(5):
            a @ b
        best = max(best, 5 * 2 * size**3 / (time.perf_counter() - started) / 1e9)
    return best


# ---------------------------------------------------------------- the parent: set up, run, report


def model_flops(config: dict, source: int, target: int, beams: int) -> float:
    """Return the FLOPs to encode `source` tokens and decode `target` tokens with `beams`."""
    d, ffn, vocab = config["d_model"], config["encoder_ffn_dim"], config["vocab_size"]
    enc_layers, dec_layers = config["encoder_layers"], config["decoder_layers"]
    encoder = enc_layers * source * (8 * d * d + 4 * d * ffn + 4 * source * d)
    cross_kv = dec_layers * source * 4 * d * d  # once per sentence, shared by the beams
    decoder = 0
    for step in range(1, target + 1):
        # self-attention q,k,v,o; cross-attention q,o; FFN; attention over the prefix and source
        layer = 8 * d * d + 4 * d * d + 4 * d * ffn + 4 * step * d + 4 * source * d
        decoder += dec_layers * layer + 2 * d * vocab  # + the output projection
    return encoder + cross_kv + beams * decoder


def read_sentences(seeds: Path) -> list[str]:
    """Return the distinct sentences with letters of the articles in `seeds`, in order."""
    from tolk.compose import segment
    from tolk.intake.text import read_article
    from tolk.translate.batching import has_letters

    sentences: dict[str, None] = {}
    for path in sorted(seeds.glob("*.txt")):
        for pair in segment(read_article(path)):
            if has_letters(pair.nl):
                sentences.setdefault(pair.nl, None)
    return list(sentences)


def _spawn(job: dict, workdir: Path) -> dict:
    job_file, result_file = workdir / "job.json", workdir / "result.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    result_file.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, __file__, "--worker", str(job_file), str(result_file)], check=True
    )
    return json.loads(result_file.read_text(encoding="utf-8"))


def render(report: dict) -> str:
    """Return the report as a Markdown table with its context."""
    lines = [
        f"`{report['command']}` — {report['machine']['cpu']}, {report['machine']['cores']} "
        f"cores, {report['threads']} threads; {report['model']}; {report['sentences']} "
        f"sentences; fp32 matmul {report['matmul_gflops']:.0f} GFLOP/s; one run.",
        "",
        "| variant | decoding | sentences/s | output tokens/s | x baseline | peak RSS MB "
        "| GFLOP/s | x matmul | same as baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['variant']} | {row['decoding']} | {row['sentences_per_s']:.1f} "
            f"| {row['tokens_per_s']:.0f} | {row['vs_baseline']:.2f} | {row['peak_rss_mb']:.0f} "
            f"| {row['gflops']:.0f} | {row['vs_matmul']:.2f} | {row['same_sentences']:.0%} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    from tolk.translate.base import default_threads

    parser = argparse.ArgumentParser(
        prog="tolk bench",
        description=__doc__.split("\n\n")[0],
        epilog="Example: tolk bench --sentences 120 --threads 2",
    )
    parser.add_argument("--model", help="transformers Marian model (default: the stand-in)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="articles folder")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help=f"CPU threads for every variant; 0: all cores ({default_threads()})",
    )
    parser.add_argument(
        "--sentences",
        type=int,
        default=0,
        help="translate an evenly spaced subset of this many sentences; 0: all",
    )
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, from {','.join(VARIANTS)}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)
    args.threads = args.threads or default_threads()
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its table; return an exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        Path(argv[2]).write_text(json.dumps(run_worker(job)), encoding="utf-8")
        return 0
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from _models import machine, prepare

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    wall = time.perf_counter()
    sentences = read_sentences(args.seeds)
    if 0 < args.sentences < len(sentences):
        step = len(sentences) / args.sentences
        sentences = [sentences[int(i * step)] for i in range(args.sentences)]
    variants = [v for v in args.variants.split(",") if v]
    with tempfile.TemporaryDirectory(prefix="tolk-bench-") as tmp:
        workdir = Path(tmp)
        model_dir, converted = prepare(workdir / "models", args.model, ("float32", "int8"))
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        from transformers import MarianTokenizer

        tokenizer = MarianTokenizer.from_pretrained(model_dir)
        lengths = [len(ids) for ids in tokenizer(sentences)["input_ids"]]
        matmul = _spawn({"variant": "matmul", "threads": args.threads}, workdir)["gflops"]
        print(
            f"{len(sentences)} sentences, {sum(lengths)} source tokens; fp32 matmul "
            f"{matmul:.0f} GFLOP/s on {args.threads} threads; {machine()}",
            flush=True,
        )
        rows, reference = [], {}
        for decoding, beams in DECODINGS:
            for variant in variants:
                path = converted.get(variant.removeprefix("ct2-"), model_dir)
                job = {
                    "variant": variant,
                    "model": str(path if variant.startswith("ct2") else model_dir),
                    "sentences": sentences,
                    "beams": beams,
                    "threads": args.threads,
                }
                result = _spawn(job, workdir)
                reference.setdefault(decoding, result["outputs"])
                same = sum(
                    a == b for a, b in zip(result["outputs"], reference[decoding], strict=True)
                ) / len(sentences)
                seconds, targets = result["seconds"], result["output_tokens"]
                flops = sum(
                    model_flops(config, n, t, beams) for n, t in zip(lengths, targets, strict=True)
                )
                rows.append(
                    {
                        "variant": variant,
                        "decoding": decoding,
                        "seconds": seconds,
                        "sentences_per_s": len(sentences) / seconds,
                        "tokens_per_s": sum(targets) / seconds,
                        "peak_rss_mb": result["peak_rss_mb"],
                        "gflops": flops / seconds / 1e9,
                        "vs_matmul": flops / seconds / 1e9 / matmul,
                        "same_sentences": same,
                    }
                )
                base = next(r for r in rows if r["decoding"] == decoding)
                rows[-1]["vs_baseline"] = base["seconds"] / seconds
                print(
                    f"{variant:12} {decoding:7} {seconds:6.1f} s  "
                    f"{rows[-1]['sentences_per_s']:6.1f} sent/s  x{rows[-1]['vs_baseline']:.2f}  "
                    f"{result['peak_rss_mb']:.0f} MB  same {same:.0%}",
                    flush=True,
                )
    report = {
        "command": "tolk bench " + " ".join(argv) if argv else "tolk bench",
        "machine": {
            "cpu": machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
        },
        "threads": args.threads,
        "model": args.model or "the stand-in (opus-mt-nl-en's shape; stops by itself)",
        "sentences": len(sentences),
        "matmul_gflops": matmul,
        "rows": rows,
        "wall_seconds": time.perf_counter() - wall,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "translate.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render(report)
    (args.out / "translate.md").write_text(table, encoding="utf-8")
    print("\n" + table + f"\n{report['wall_seconds']:.0f} s in all; written to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

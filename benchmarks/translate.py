"""Benchmark translation: a naive transformers loop against tolk's torch and ct2 backends.

Takes the sentences of seeds/ and a Marian model (by default a random-weight one with the real
opus-mt-nl-en shape); gives a table of sentences/s, output tokens/s, the ratio to the baseline,
peak RSS, effective GFLOP/s beside the machine's fp32 matmul GFLOP/s, and agreement with the
baseline's tokens, as benchmarks/results/translate.json and translate.md.

Every sentence of n source tokens decodes exactly L = round(1.1 n) + 2 tokens in every variant,
so all do the same work: random weights would rarely stop by themselves. A batch decodes to its
longest L (min = max length), which is what padded batch decoding costs anyway; each sentence's
output is then cut to its own L. Each variant runs in a fresh process, so its peak RSS is its own.

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


def fixed_length(source_tokens: int) -> int:
    """Return how many tokens a sentence of `source_tokens` tokens decodes in the benchmark."""
    return round(1.1 * source_tokens) + 2


# ---------------------------------------------------------------- the variants (run in a worker)


def _record_generate(model, sink: dict) -> None:
    """Make model.generate decode every batch to its longest fixed length, and keep the ids."""
    generate = model.generate

    def run(input_ids, attention_mask, **kwargs):
        length = max(fixed_length(int(n)) for n in attention_mask.sum(1))
        kwargs.update(max_new_tokens=length, min_new_tokens=length, max_length=None)
        out = generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        for ids, mask, row in zip(input_ids, attention_mask, out, strict=True):
            sink[tuple(ids[mask.bool()].tolist())] = row[1:].tolist()  # row[0]: decoder start
        return out

    model.generate = run


class _RecordingCt2:
    """Wrap a ctranslate2.Translator to keep each source's output tokens."""

    def __init__(self, inner, tokenizer, sink: dict) -> None:
        self.inner, self.tokenizer, self.sink = inner, tokenizer, sink

    def translate_batch(self, source, **kwargs):
        results = self.inner.translate_batch(source, **kwargs)
        if kwargs.get("asynchronous"):
            pairs = zip(source, results, strict=True)
            return [_RecordingResult(self, tokens, r) for tokens, r in pairs]
        for tokens, result in zip(source, results, strict=True):
            self.record(tokens, result)
        return results

    def record(self, tokens, result) -> None:
        key = tuple(self.tokenizer.convert_tokens_to_ids(tokens))
        self.sink[key] = self.tokenizer.convert_tokens_to_ids(result.hypotheses[0])


class _RecordingResult:
    """An asynchronous ctranslate2 result that records its output when it is read."""

    def __init__(self, owner: _RecordingCt2, tokens, pending) -> None:
        self.owner, self.tokens, self.pending = owner, tokens, pending

    def result(self):
        result = self.pending.result()
        self.owner.record(self.tokens, result)
        return result


def _baseline(model_dir: str, sentences: list[str], beams: int, sink: dict):
    """What a user writes first: doc order, 8 per batch, padded to the longest, fp32."""
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(model_dir)
    model = MarianMTModel.from_pretrained(model_dir)
    _record_generate(model, sink)

    def translate(texts: list[str]) -> None:
        for start in range(0, len(texts), BASELINE_BATCH):
            batch = tokenizer(
                texts[start : start + BASELINE_BATCH], return_tensors="pt", padding=True
            )
            out = model.generate(**batch, num_beams=beams)
            tokenizer.batch_decode(out, skip_special_tokens=True)

    return tokenizer, translate


def _tolk(variant: str, model_dir: str, beams: int, threads: int, sink: dict):
    from tolk.models import describe
    from tolk.translate import batch_policy

    info = describe(Path(model_dir))
    policy = batch_policy(info)  # what `tolk run` uses on CPU
    if variant == "torch":
        from tolk.translate.torch import TorchTranslator

        translator = TorchTranslator(info, policy, threads=threads)
        _record_generate(translator.model, sink)
    else:
        from tolk.translate.ct2 import Ct2Translator

        class FixedLength(Ct2Translator):
            def decoding_lengths(self, lengths, width):
                length = max(fixed_length(n) for n in lengths)
                return length, length

        translator = FixedLength(info, policy, threads=threads)
        translator.model = _RecordingCt2(translator.model, translator.tokenizer, sink)
    return translator.tokenizer, lambda texts: translator.translate(texts, beams)


def run_worker(job: dict) -> dict:
    """Run one variant with one decoding in this process; return its timing and tokens."""
    if job["variant"] == "matmul":
        return {"gflops": measure_matmul(job["threads"])}
    if job["variant"] in ("baseline", "torch"):
        import torch

        torch.set_num_threads(job["threads"])
    sentences, beams, sink = job["sentences"], job["beams"], {}
    started = time.perf_counter()
    if job["variant"] == "baseline":
        tokenizer, translate = _baseline(job["model"], sentences, beams, sink)
    else:
        tokenizer, translate = _tolk(job["variant"], job["model"], beams, job["threads"], sink)
    loaded = time.perf_counter() - started
    translate(sentences[:4])  # warm up: first-call allocations and lazy initialisation
    sink.clear()
    started = time.perf_counter()
    translate(sentences)
    seconds = time.perf_counter() - started
    outputs = []
    for ids in tokenizer(sentences)["input_ids"]:
        produced = sink[tuple(ids)]
        outputs.append(produced[: fixed_length(len(ids)) - 1])  # the last of L: EOS
    return {
        "seconds": seconds,
        "load_seconds": loaded,
        "peak_rss_mb": peak_rss_mb(),
        "outputs": outputs,
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
    from tolk.pipeline import segment
    from tolk.read import read_article
    from tolk.translate.base import has_letters

    sentences: dict[str, None] = {}
    for path in sorted(seeds.glob("*.txt")):
        for pair in segment(read_article(path)):
            if has_letters(pair.nl):
                sentences.setdefault(pair.nl, None)
    return list(sentences)


def cpu_model() -> str:
    """Return the CPU's model name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _spawn(job: dict, workdir: Path) -> dict:
    job_file, result_file = workdir / "job.json", workdir / "result.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    result_file.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, __file__, "--worker", str(job_file), str(result_file)], check=True
    )
    return json.loads(result_file.read_text(encoding="utf-8"))


def _agreement(outputs: list[list[int]], reference: list[list[int]]) -> tuple[float, float]:
    same = sum(a == b for a, b in zip(outputs, reference, strict=True))
    tokens = sum(len(b) for b in reference)
    matched = 0
    for a, b in zip(outputs, reference, strict=True):
        for x, y in zip(a, b, strict=False):
            if x != y:
                break  # later tokens depend on this one: count only the shared prefix
            matched += 1
    return same / len(reference), matched / max(tokens, 1)


def prepare_models(args, workdir: Path) -> tuple[Path, dict[str, Path], dict]:
    """Build or take the transformers model and convert it to ct2 float32 and int8."""
    from tolk.convert import convert
    from tolk.models import describe, resolve
    from tolk.random_model import OPUS_MT, build_random_marian

    if args.model:
        source = resolve(args.model)
        if source.format != "transformers":
            raise SystemExit(f"--model {args.model}: give the transformers model, not a ct2 one")
        model_dir = source.path
    else:
        started = time.perf_counter()
        texts = [p.read_text(encoding="utf-8") for p in sorted(args.seeds.glob("*.txt"))]
        model_dir = build_random_marian(workdir / "opus-mt-shape", texts, OPUS_MT, seed=0)
        print(
            f"built a random-weight model of opus-mt-nl-en's shape in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        source = describe(model_dir)
    converted = {}
    for quantization in ("float32", "int8"):
        out = workdir / f"ct2-{quantization}"
        converted[f"ct2-{quantization}"] = convert(source, quantization, out).path
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return model_dir, converted, config


def render(report: dict) -> str:
    """Return the report as a Markdown table with its context."""
    lines = [
        f"`{report['command']}` — {report['machine']['cpu']}, {report['machine']['cores']} "
        f"cores, {report['threads']} threads; {report['model']}; {report['sentences']} "
        f"sentences, {report['output_tokens']} output tokens per variant; fp32 matmul "
        f"{report['matmul_gflops']:.0f} GFLOP/s.",
        "",
        "| variant | decoding | sentences/s | output tokens/s | x baseline | peak RSS MB "
        "| GFLOP/s | x matmul | same as baseline | token agreement |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['variant']} | {row['decoding']} | {row['sentences_per_s']:.1f} "
            f"| {row['tokens_per_s']:.0f} | {row['vs_baseline']:.2f} | {row['peak_rss_mb']:.0f} "
            f"| {row['gflops']:.0f} | {row['vs_matmul']:.2f} | {row['same_sentences']:.0%} "
            f"| {row['token_agreement']:.0%} |"
        )
    lines += ["", "Targets:"]
    lines += [f"- [{'x' if ok else ' '}] {name}" for name, ok in report["targets"]]
    return "\n".join(lines) + "\n"


def check_targets(rows: list[dict]) -> list[tuple[str, bool]]:
    """Say which of the issue's targets this run meets."""
    get = {(r["variant"], r["decoding"]): r for r in rows}

    def value(variant: str, decoding: str, key: str) -> float:
        row = get.get((variant, decoding))
        return row[key] if row else float("nan")

    return [
        ("ct2 int8 beam 4 >= 5x baseline", value("ct2-int8", "beam 4", "vs_baseline") >= 5),
        ("ct2 int8 greedy >= 3.5x baseline", value("ct2-int8", "greedy", "vs_baseline") >= 3.5),
        (
            "torch backend >= 1.5x baseline (beam 4 and greedy)",
            min(value("torch", d, "vs_baseline") for d, _ in DECODINGS) >= 1.5,
        ),
        (
            "ct2 int8 greedy >= 1.2x fp32 matmul GFLOP/s",
            value("ct2-int8", "greedy", "vs_matmul") >= 1.2,
        ),
        (
            "ct2 int8 peak RSS <= 700 MB",
            max(value("ct2-int8", d, "peak_rss_mb") for d, _ in DECODINGS) <= 700,
        ),
    ]


def parse_args(argv: list[str]) -> argparse.Namespace:
    from tolk.translate.base import default_threads

    parser = argparse.ArgumentParser(
        prog="tolk bench",
        description=__doc__.split("\n\n")[0],
        epilog="Example: tolk bench --sentences 120 --threads 2",
    )
    parser.add_argument(
        "--model", help="transformers Marian model (default: random weights, opus-mt-nl-en's shape)"
    )
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
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    wall = time.perf_counter()
    sentences = read_sentences(args.seeds)
    if 0 < args.sentences < len(sentences):
        step = len(sentences) / args.sentences
        sentences = [sentences[int(i * step)] for i in range(args.sentences)]
    variants = [v for v in args.variants.split(",") if v]
    with tempfile.TemporaryDirectory(prefix="tolk-bench-") as tmp:
        workdir = Path(tmp)
        model_dir, converted, config = prepare_models(args, workdir)
        from transformers import MarianTokenizer

        tokenizer = MarianTokenizer.from_pretrained(model_dir)
        lengths = [len(ids) for ids in tokenizer(sentences)["input_ids"]]
        targets = [fixed_length(n) for n in lengths]
        matmul = _spawn({"variant": "matmul", "threads": args.threads}, workdir)["gflops"]
        print(
            f"{len(sentences)} sentences, {sum(lengths)} source and {sum(targets)} output "
            f"tokens; fp32 matmul {matmul:.0f} GFLOP/s on {args.threads} threads",
            flush=True,
        )
        rows, reference = [], {}
        for decoding, beams in DECODINGS:
            flops = sum(
                model_flops(config, n, t, beams) for n, t in zip(lengths, targets, strict=True)
            )
            for variant in variants:
                path = converted.get(variant, model_dir)
                job = {
                    "variant": variant,
                    "model": str(path),
                    "sentences": sentences,
                    "beams": beams,
                    "threads": args.threads,
                }
                result = _spawn(job, workdir)
                reference.setdefault(decoding, result["outputs"])
                same, agreement = _agreement(result["outputs"], reference[decoding])
                seconds = result["seconds"]
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
                        "token_agreement": agreement,
                    }
                )
                base = next(r for r in rows if r["decoding"] == decoding)
                rows[-1]["vs_baseline"] = base["seconds"] / seconds
                print(
                    f"{variant:12} {decoding:7} {seconds:6.1f} s  "
                    f"{rows[-1]['tokens_per_s']:6.0f} tok/s  x{rows[-1]['vs_baseline']:.2f}  "
                    f"{result['peak_rss_mb']:.0f} MB  same {same:.0%}",
                    flush=True,
                )
    report = {
        "command": "tolk bench " + " ".join(argv) if argv else "tolk bench",
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
        },
        "threads": args.threads,
        "model": args.model
        or "random weights, opus-mt-nl-en shape (d 512, 6+6 layers, vocab 67028)",
        "sentences": len(sentences),
        "output_tokens": sum(targets),
        "matmul_gflops": matmul,
        "rows": rows,
        "wall_seconds": time.perf_counter() - wall,
    }
    report["targets"] = check_targets(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "translate.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render(report)
    (args.out / "translate.md").write_text(table, encoding="utf-8")
    print("\n" + table + f"\n{report['wall_seconds']:.0f} s in all; written to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Should the torch backend run in bfloat16 (AMX / AVX-512 BF16) on a CPU that has it?

Translates the distinct sentences of seeds/ with tolk's torch backend on the model under test
(default: the stand-in, `tolk.testing.standin`), beam 4: in float32 (what tolk does), with the
weights cast to bfloat16, and in float32 under `torch.autocast("cpu", torch.bfloat16)`. Reports each
one's time (after a warm-up, one timed pass each, in this process) and how many sentences come
out exactly as in float32. tolk would adopt a bfloat16 mode only if every sentence stayed the
same. Writes benchmarks/results/torch_bf16.{json,md}.

Usage: python benchmarks/torch_bf16.py [--model DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BEAMS = 4


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a transformers Marian model (default: the stand-in)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    import torch
    from _models import machine
    from shortlist import corpus_sentences

    from tolk.models.store import describe, resolve
    from tolk.translate.torch import TorchTranslator

    if args.model:
        info = resolve(args.model)
    else:
        from tolk.testing.standin import standin_model

        info = describe(standin_model())
    sentences = corpus_sentences()
    translator = TorchTranslator(info)
    fp32 = translator.model
    modes = {
        "float32 (tolk)": (fp32, contextlib.nullcontext),
        "bfloat16 weights": (None, contextlib.nullcontext),
        "float32 + autocast bfloat16": (fp32, lambda: torch.autocast("cpu", torch.bfloat16)),
    }
    rows, reference = [], None
    for name, (model, context) in modes.items():
        translator.model = model if model is not None else _bf16_copy(fp32)
        with context():
            translator.translate(sentences[:8], BEAMS, repair=False)  # warm up
            started = time.perf_counter()
            texts = [t.text for t in translator.translate(sentences, BEAMS, repair=False)]
            seconds = time.perf_counter() - started
        reference = reference or texts
        same = sum(a == b for a, b in zip(texts, reference, strict=True))
        rows.append({"mode": name, "seconds": seconds, "identical": same})
        print(f"{name:28} {seconds:6.1f} s  identical {same}/{len(sentences)}", flush=True)
    report = {
        "machine": machine(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "model": args.model or "stand-in (tolk.testing.standin)",
        "sentences": len(sentences),
        "beams": BEAMS,
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "torch_bf16.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "torch_bf16.md").write_text(render(report), encoding="utf-8")
    print("\n" + render(report))


def _bf16_copy(model):
    import copy

    import torch

    return copy.deepcopy(model).to(torch.bfloat16)


def render(report: dict) -> str:
    base = report["rows"][0]["seconds"]
    lines = [
        f"`python benchmarks/torch_bf16.py`: {report['machine']}, {report['cores']} cores; torch "
        f"{report['torch']}; {report['model']}; {report['sentences']} seed sentences, beam "
        f"{report['beams']}; one timed pass each.",
        "",
        "| mode | seconds | x float32 speed | identical to float32 |",
        "|---|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['mode']} | {row['seconds']:.1f} | {base / row['seconds']:.2f} "
            f"| {row['identical'] / report['sentences']:.1%} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Measure the stand-in model: its build, how it stops, and how tolk's backends compare on it.

Builds the stand-in for opus-mt-nl-en (tolk.testing.standin; or takes it from the cache), converts
it to CTranslate2 float32 and int8, and translates the distinct sentences of seeds/ (held out: the
model learned from Alpino sentences) with tolk's torch backend and its ct2 backend on both
conversions, greedy and beam 4. Gives, per variant: sentences/s; the share of outputs that stop by
themselves (</s> before tolk's length cap); output over source length; token accuracy against the
mapping the model was taught; and exact agreement with the torch backend. Writes
benchmarks/results/standin.json and standin.md.

Run: python benchmarks/standin.py [--threads 2] [--rebuild] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _models import machine
from translate import read_sentences

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
VARIANTS = ("torch", "ct2-float32", "ct2-int8")
DECODINGS = (("greedy", 1), ("beam 4", 4))


class Recorder:
    """Keep each source's output ids from a backend, and whether it stopped before the cap."""

    def __init__(self, tokenizer, max_input_tokens: int = 512) -> None:
        self.tokenizer, self.outputs = tokenizer, {}
        self.max_input_tokens = max_input_tokens

    def wrap_generate(self, model) -> None:
        """Record what `model.generate` (the torch backend) produces."""
        generate = model.generate

        def run(input_ids, attention_mask, **kwargs):
            from tolk.translate.batching import length_cap

            out = generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            rows = getattr(out, "sequences", out).tolist()  # a dict with return_dict_in_generate
            for ids, mask, row in zip(input_ids, attention_mask, rows, strict=True):
                cap = length_cap(int(mask.sum()), self.max_input_tokens)  # this row's cap
                row = row[1:]  # the decoder start token
                end = row.index(0) if 0 in row else len(row)  # tolk forces </s> at the cap
                self.outputs[tuple(ids[mask.bool()].tolist())] = (row[:end], end < cap - 1)
            return out

        model.generate = run

    def wrap_ct2(self, translator) -> None:
        """Record what a ctranslate2.Translator (the ct2 backend) produces."""
        inner, recorder = translator.model, self

        class Pending:
            def __init__(self, tokens, pending, cap) -> None:
                self.tokens, self.pending, self.cap = tokens, pending, cap

            def result(self):
                result = self.pending.result()
                ids = recorder.tokenizer.convert_tokens_to_ids(result.hypotheses[0])
                key = tuple(recorder.tokenizer.convert_tokens_to_ids(self.tokens))
                recorder.outputs[key] = (ids, len(ids) < self.cap)
                return result

        class Wrapped:
            def __getattr__(self, name):  # score_batch and the rest: the model's own
                return getattr(inner, name)

            def translate_batch(self, source, **kwargs):
                pending = inner.translate_batch(source, **kwargs)
                cap = kwargs["max_decoding_length"]
                return [Pending(s, p, cap) for s, p in zip(source, pending, strict=True)]

        translator.model = Wrapped()


def load(variant: str, path: Path, threads: int):
    """Load tolk's translator for a variant, recording its outputs."""
    from tolk.models.store import describe

    info = describe(path)
    if variant == "torch":
        from tolk.translate.torch import TorchTranslator

        translator = TorchTranslator(info, TorchTranslator.batch_policy(), threads=threads)
        recorder = Recorder(translator.tokenizer, translator.max_input_tokens)
        recorder.wrap_generate(translator.model)
    else:
        from tolk.translate.ct2 import Ct2Translator

        translator = Ct2Translator(info, Ct2Translator.batch_policy(), threads=threads)
        recorder = Recorder(translator.tokenizer)
        recorder.wrap_ct2(translator)
    return translator, recorder


def measure(translator, recorder, sentences, sources, expected, beams) -> dict:
    """Translate `sentences` once warm; return speed, stops, lengths and accuracy."""
    from tolk.checks.flags import flag_pair

    translator.translate(sentences[:4], beams, judge=flag_pair)
    recorder.outputs.clear()
    started = time.perf_counter()
    translator.translate(sentences, beams, judge=flag_pair)
    seconds = time.perf_counter() - started
    outputs = [recorder.outputs[tuple(ids)] for ids in sources]
    right = sum(
        a == b
        for (out, _), want in zip(outputs, expected, strict=True)
        for a, b in zip(out, want, strict=False)
    )
    return {
        "seconds": seconds,
        "sentences_per_s": len(sentences) / seconds,
        "tokens_per_s": sum(len(out) for out, _ in outputs) / seconds,
        "stopped": sum(stopped for _, stopped in outputs) / len(outputs),
        "length_ratio": sum(len(o) / len(w) for (o, _), w in zip(outputs, expected, strict=True))
        / len(outputs),
        "token_accuracy": right / sum(map(len, expected)),
        "exact": sum(o == w for (o, _), w in zip(outputs, expected, strict=True)) / len(outputs),
        "outputs": [out for out, _ in outputs],
    }


def render(report: dict) -> str:
    """Return the report as a Markdown table with its context."""
    build = report["build"]
    lines = [
        f"`{report['command']}` — {report['cpu']}, {report['threads']} threads; "
        f"{report['model']}; {report['sentences']} held-out sentences (seeds/), "
        f"{report['source_tokens']} source tokens. Build: {build['seconds']:.0f} s "
        f"({'measured in this run' if build['fresh'] else 'from the cache'}; "
        f"held-out teacher-forced token accuracy {build['held_out_accuracy']:.1%}).",
        "",
        "| variant | decoding | sentences/s | output tokens/s | stopped by </s> "
        "| output/source length | token accuracy | exact | same as torch |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['variant']} | {row['decoding']} | {row['sentences_per_s']:.1f} "
            f"| {row['tokens_per_s']:.0f} | {row['stopped']:.1%} | {row['length_ratio']:.3f} "
            f"| {row['token_accuracy']:.1%} | {row['exact']:.1%} | {row['same_as_torch']:.1%} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build or take the stand-in, measure it, and write the table; return an exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for every variant")
    parser.add_argument("--cache-dir", type=Path, help="where the stand-in is kept")
    parser.add_argument("--rebuild", action="store_true", help="build afresh, to time it")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)

    import torch
    from transformers import MarianTokenizer

    from tolk.models.convert import convert
    from tolk.models.store import MANIFEST, describe
    from tolk.testing.standin import standin_model, used_pieces
    from tolk.testing.standin_training import piece_mapping

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="tolk-standin-") as tmp:
        work = Path(tmp)
        cache = work / "cache" if args.rebuild else args.cache_dir
        messages: list[str] = []  # standin_model says nothing when it takes the cache
        path = standin_model(cache, lambda m: print(m, flush=True) or messages.append(m))
        built = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["standin"]
        revision = describe(path).revision  # the same on every build of a recipe, on one CPU
        paths = {"torch": path}
        for quantization in ("float32", "int8"):
            out = work / f"ct2-{quantization}"
            paths[f"ct2-{quantization}"] = convert(describe(path), quantization, out=out).path

        sentences = read_sentences(ROOT / "seeds")
        tokenizer = MarianTokenizer.from_pretrained(path)
        sources = tokenizer(sentences)["input_ids"]
        mapping = piece_mapping(used_pieces(tokenizer.get_vocab()))
        expected = [[mapping[i] for i in ids[:-1]] for ids in sources]  # without </s>
        rows, reference = [], {}
        for variant in VARIANTS:
            translator, recorder = load(variant, paths[variant], args.threads)
            for decoding, beams in DECODINGS:
                row = {"variant": variant, "decoding": decoding}
                row |= measure(translator, recorder, sentences, sources, expected, beams)
                outputs = row.pop("outputs")
                reference.setdefault(decoding, outputs)
                same = zip(outputs, reference[decoding], strict=True)
                row["same_as_torch"] = sum(a == b for a, b in same) / len(outputs)
                rows.append(row)
                print(
                    f"{variant:12} {decoding:7} {row['sentences_per_s']:6.1f} sent/s  stopped "
                    f"{row['stopped']:.1%}  length {row['length_ratio']:.3f}  accuracy "
                    f"{row['token_accuracy']:.1%}  same as torch {row['same_as_torch']:.1%}",
                    flush=True,
                )
    report = {
        "command": " ".join(["python benchmarks/standin.py", *(argv or sys.argv[1:])]),
        "cpu": machine(),
        "threads": args.threads,
        "model": path.name,
        "revision": revision,
        "sentences": len(sentences),
        "source_tokens": sum(map(len, sources)),
        "build": {
            "seconds": built["seconds"],
            "fresh": bool(messages),
            "steps": len(built["losses"]),
            "held_out_accuracy": built["held_out"]["after"][1],
        },
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "standin.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render(report)
    (args.out / "standin.md").write_text(table, encoding="utf-8")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

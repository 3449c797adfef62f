"""End to end on held-out news: tolk beside a first script and its peers' strategies.

Articles: the 20 newspaper articles of the UD Dutch Alpino test set that tolk ships in
benchmarks/data/ud-dutch-alpino-test (CC BY-SA 4.0; tolk's rules were never tuned on them),
rebuilt as `.txt` files: sentences joined per paragraph (`.p.N` in their ids), paragraphs apart by
a blank line. Model: the stand-in (`tolk.testing.standin`: opus-mt-nl-en's shape, trained to copy
through a word mapping, so it stops at natural lengths) or `--model`. Beam 4 everywhere. Each
variant runs once, in a fresh process; its time is the wall time of that process, from reading the
files to writing the English (imports and model loading included, as a user waits for them); its
memory is that process's peak RSS.

- first: what one writes first: per file, paragraphs, sentences by a regex, then
  `MarianMTModel.generate` in document order, batches of 8, fp32.
- easynmt: EasyNMT's strategy (UKPLab/EasyNMT, `easynmt/EasyNMT.py` `translate` and
  `translate_sentences`, `models/OpusMT.py`): paragraphs split at "\\n", sentences by NLTK's
  Punkt (here untrained: its trained data needs a download), all sentences sorted longest
  first by characters, batches of 16, `generate(num_beams=4)` under `no_grad`.
- argos: argos-translate's strategy (argosopentech/argos-translate, `argostranslate/translate.py`
  `apply_packaged_translation`): one CTranslate2 call per paragraph on its SentencePiece
  pieces, `translate_batch(replace_unknowns=True, max_batch_size=32, batch_type="tokens",
  beam_size=4, length_penalty=0.2, return_scores=True)` with ctranslate2's default threads,
  on the same int8 conversion tolk uses. Argos splits sentences with stanza, whose Dutch model
  needs a download; here tolk's splitter stands in for it. (The real argostranslate package
  needs stanza's models too, so it cannot run here.)
- tolk-torch, tolk-ct2: `tolk run SOURCE --out DIR --backend torch|ct2`, the whole command
  (Prefect and its temporary server, the store, the pages, the HTML reader).

Usage: python benchmarks/peers.py [--model DIR] [--variants first,easynmt,...] [--articles N]
Writes benchmarks/results/peers.json and peers.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ALPINO_TEST = ROOT / "benchmarks" / "data" / "ud-dutch-alpino-test" / "nl_alpino-ud-test.conllu"
VARIANTS = ("first", "easynmt", "argos", "tolk-torch", "tolk-ct2")
BEAMS = 4
_SENT_ID = re.compile(r"^# sent_id = .*\\(?P<doc>WR-P-P-H-\d+)\.p\.(?P<par>\d+)\.s\.\d+$")


def alpino_articles(limit: int = 0) -> dict[str, list[list[str]]]:
    """Return the test set's newspaper articles: doc id -> paragraphs -> sentences."""
    articles: dict[str, dict[int, list[str]]] = {}
    doc = par = None
    for line in ALPINO_TEST.read_text(encoding="utf-8").splitlines():
        match = _SENT_ID.match(line)
        if line.startswith("# sent_id"):
            doc, par = (match["doc"], int(match["par"])) if match else (None, None)
        elif line.startswith("# text = ") and doc:
            articles.setdefault(doc, {}).setdefault(par, []).append(line[len("# text = ") :])
    docs = sorted(articles)[: limit or None]
    return {d: [articles[d][p] for p in sorted(articles[d])] for d in docs}


def write_articles(folder: Path, limit: int = 0) -> int:
    """Write the articles as .txt files; return how many sentences they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    sentences = 0
    for doc, paragraphs in alpino_articles(limit).items():
        text = "\n\n".join(" ".join(p) for p in paragraphs)
        (folder / f"{doc}.txt").write_text(text + "\n", encoding="utf-8")
        sentences += sum(len(p) for p in paragraphs)
    return sentences


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------- the variants (in a child)


def paragraphs_of(path: Path) -> list[str]:
    return [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def run_first(source: Path, out: Path, model: str) -> None:
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(model)
    marian = MarianMTModel.from_pretrained(model)
    for path in sorted(source.glob("*.txt")):
        sentences = [
            s for p in paragraphs_of(path) for s in re.split(r"(?<=[.!?])\s+", p) if s.strip()
        ]
        english = []
        for start in range(0, len(sentences), 8):
            batch = tokenizer(sentences[start : start + 8], return_tensors="pt", padding=True)
            english += tokenizer.batch_decode(
                marian.generate(**batch, num_beams=BEAMS), skip_special_tokens=True
            )
        (out / path.name).write_text("\n".join(english) + "\n", encoding="utf-8")


def run_easynmt(source: Path, out: Path, model: str) -> None:
    import numpy as np
    import torch
    from nltk.tokenize.punkt import PunktSentenceTokenizer
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(model)
    marian = MarianMTModel.from_pretrained(model).eval()
    splitter = PunktSentenceTokenizer()
    documents = [path.read_text(encoding="utf-8") for path in sorted(source.glob("*.txt"))]
    sentences, sent2doc = [], []
    for doc in documents:
        for para in doc.split("\n"):
            sentences += [s.strip() for s in splitter.tokenize(para.strip()) if s.strip()]
        sent2doc.append(len(sentences))
    order = np.argsort([-len(s) for s in sentences])
    ordered = [sentences[i] for i in order]
    output: list[str] = []
    for start in range(0, len(ordered), 16):
        inputs = tokenizer(ordered[start : start + 16], return_tensors="pt", padding=True)
        with torch.no_grad():
            generated = marian.generate(**inputs, num_beams=BEAMS)
        output += [tokenizer.decode(t, skip_special_tokens=True) for t in generated]
    output = [output[i] for i in np.argsort(order)]
    for n, path in enumerate(sorted(source.glob("*.txt"))):
        start = sent2doc[n - 1] if n else 0
        (out / path.name).write_text("\n".join(output[start : sent2doc[n]]) + "\n")


def run_argos(source: Path, out: Path, model: str, max_length: int = 256) -> None:
    import ctranslate2
    from transformers import MarianTokenizer

    from tolk.segment import split_sentences

    tokenizer = MarianTokenizer.from_pretrained(model)
    translator = ctranslate2.Translator(model, device="cpu")
    for path in sorted(source.glob("*.txt")):
        english = []
        for paragraph in path.read_text(encoding="utf-8").split("\n"):
            sentences = split_sentences(paragraph)
            if not sentences:
                continue
            pieces = [
                tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(sentences)["input_ids"]
            ]
            results = translator.translate_batch(
                pieces,
                replace_unknowns=True,
                max_batch_size=32,
                batch_type="tokens",
                beam_size=BEAMS,
                length_penalty=0.2,
                return_scores=True,
                max_decoding_length=max_length,  # 256: ctranslate2's default, which argos keeps
            )
            ids = [tokenizer.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
            english.append(" ".join(tokenizer.batch_decode(ids, skip_special_tokens=True)))
        (out / path.name).write_text("\n\n".join(english) + "\n", encoding="utf-8")


def run_tolk(source: Path, out: Path, model: str, backend: str) -> None:
    from tolk.cli import main

    sys.argv = ["tolk", "run", str(source), "--out", str(out), "--model", model]
    sys.argv += ["--backend", backend, "--beams", str(BEAMS)]
    try:
        main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise


def child(variant: str, source: Path, out: Path, model: str, ct2_model: str) -> None:
    started = time.perf_counter()
    if variant == "first":
        run_first(source, out, model)
    elif variant == "easynmt":
        run_easynmt(source, out, model)
    elif variant == "argos":
        run_argos(source, out, ct2_model)
    else:
        run_tolk(source, out, model, variant.split("-", 1)[1])
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


# ---------------------------------------------------------------- the parent


def measure(variant: str, source: Path, work: Path, model: Path, ct2: Path, store: Path) -> dict:
    """Run one variant in a fresh process; return its wall time and peak RSS."""
    out = Path(tempfile.mkdtemp(dir=work, prefix=f"{variant}-"))
    env = {**os.environ, "TOLK_MODELS_DIR": str(store), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, __file__, "--child", variant, str(source), str(out)]
    command += [str(model), str(ct2)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{variant} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"variant": variant, "wall_seconds": wall, **result}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a transformers Marian model (default: the stand-in)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--articles", type=int, default=0, help="use only the first N articles")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.child:
        variant, source, out, model, ct2 = args.child
        return child(variant, Path(source), Path(out), model, ct2)

    sys.path.insert(0, str(Path(__file__).parent))
    from _models import machine, prepare

    with tempfile.TemporaryDirectory(prefix="tolk-peers-") as tmp:
        work = Path(tmp)
        store = work / "models"
        model, converted = prepare(store, args.model)
        source = work / "articles"
        sentences = write_articles(source, args.articles)
        articles = len(list(source.glob("*.txt")))
        print(f"{articles} articles, {sentences} sentences; {machine()}", flush=True)
        rows = []
        for variant in args.variants.split(","):
            row = measure(variant, source, work, model, converted["int8"], store)
            rows.append(row)
            print(
                f"{variant:11} {row['wall_seconds']:6.1f} s  {row['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    report = {
        "machine": machine(),
        "cores": os.cpu_count(),
        "model": args.model
        or "stand-in (tolk.testing.standin): opus-mt-nl-en's shape, stops by itself",
        "articles": articles,
        "sentences": sentences,
        "beams": BEAMS,
        "rows": rows,
    }
    first = next((r for r in rows if r["variant"] == "first"), rows[0])
    for row in rows:
        row["sentences_per_s"] = sentences / row["wall_seconds"]
        row["vs_first"] = first["wall_seconds"] / row["wall_seconds"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render(report)
    (args.out / "peers.md").write_text(table, encoding="utf-8")
    print("\n" + table)


def render(report: dict) -> str:
    """Return the report as a Markdown table with its context."""
    lines = [
        f"{report['articles']} held-out newspaper articles (UD Dutch Alpino test), "
        f"{report['sentences']} sentences, beam {report['beams']}; {report['model']}; "
        f"{report['machine']}, {report['cores']} cores; one run, each variant in a fresh process.",
        "",
        "| variant | wall s | sentences/s | x first script | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['variant']} | {row['wall_seconds']:.1f} | {row['sentences_per_s']:.1f} "
            f"| {row['vs_first']:.2f} | {row['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

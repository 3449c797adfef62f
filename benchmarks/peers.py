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
  (the store, the pages, the HTML reader), in its own process as `tolk run` runs without a
  Prefect API of the user's own;
- tolk-torch-prefect, tolk-ct2-prefect: the same with `--prefect`: the Prefect flow, on
  Prefect's temporary server.

Three scenarios, one run each:
- first: every variant translates the articles from nothing.
- update: then each article gains a new paragraph (two FLORES-200 devtest sentences no article
  holds) and has one sentence corrected, as a live article or a correction does; each variant
  runs again: tolk on its output folder from the first scenario (its translation memory decodes
  only what is new), the peers, which keep nothing, on the whole articles.
- noop: tolk once more on the same articles, nothing changed: the wall time of `tolk run`, and
  the same work split into its parts in a process of its own (imports, the store's opening,
  the run).

Usage: python benchmarks/peers.py [--model DIR] [--variants first,easynmt,...] [--articles N]
       [--scenarios first,update,noop] [--update-variants easynmt,tolk-ct2,...]
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
VARIANTS = ("first", "easynmt", "argos", "tolk-torch", "tolk-ct2", "tolk-ct2-prefect")
SCENARIOS = ("first", "update", "noop")
BEAMS = 4
FLORES_NL = ROOT / "tolk" / "data" / "flores200-devtest" / "nld_Latn.devtest"
_DECODED = re.compile(r"^sentences: ([\d,]+) decoded, ([\d,]+) from the translation memory")
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


def sentences_in(folder: Path) -> set[str]:
    """Return the distinct sentences of the articles, as tolk splits them."""
    from tolk.segment import split_sentences

    return {
        s for path in folder.glob("*.txt") for p in paragraphs_of(path) for s in split_sentences(p)
    }


def update_articles(folder: Path) -> int:
    """Give each article a new paragraph and correct one of its sentences, in place; return
    how many distinct sentences, as tolk splits them, that adds or changes."""
    fresh = FLORES_NL.read_text(encoding="utf-8").splitlines()
    before = sentences_in(folder)
    for n, path in enumerate(sorted(folder.glob("*.txt"))):
        paragraphs = paragraphs_of(path)
        # The correction: the first sentence of the last paragraph gains an attribution.
        sentences = re.split(r"(?<=[.!?])\s+", paragraphs[-1])
        sentences[0] = re.sub(r"([.!?]?)$", r", meldt de politie\1", sentences[0], count=1)
        paragraphs[-1] = " ".join(sentences)
        paragraphs.append(" ".join(fresh[2 * n : 2 * n + 2]))
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return len(sentences_in(folder) - before)


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


def run_tolk(source: Path, out: Path, model: str, variant: str) -> None:
    from tolk.cli import main

    backend = variant.removeprefix("tolk-").removesuffix("-prefect")
    sys.argv = ["tolk", "run", str(source), "--out", str(out), "--model", model]
    sys.argv += ["--backend", backend, "--beams", str(BEAMS)]
    sys.argv += ["--prefect"] if variant.endswith("-prefect") else []
    try:
        main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise


def run_split(source: Path, out: Path, model: str, backend: str) -> dict:
    """Do a no-op `tolk run`'s work step by step, timing each; return the times."""
    started = time.perf_counter()
    import tolk.cli  # noqa: F401 - the command's own imports
    from tolk.run import digest
    from tolk.settings import Settings
    from tolk.store import OutputStore

    imported = time.perf_counter()
    settings = Settings(model=model, backend=backend, beams=BEAMS)
    with OutputStore(out):
        pass
    opened = time.perf_counter()
    report = digest([str(source)], out, settings)
    done = time.perf_counter()
    return {
        "imports_s": imported - started,
        "store_open_s": opened - imported,
        "run_s": done - opened,
        "decoded": report.decoded,
    }


def child(variant: str, source: Path, out: Path, model: str, ct2_model: str) -> None:
    started = time.perf_counter()
    extra: dict = {}
    if variant.startswith("split-"):
        extra = run_split(source, out, model, variant.split("-", 1)[1])
    elif variant == "first":
        run_first(source, out, model)
    elif variant == "easynmt":
        run_easynmt(source, out, model)
    elif variant == "argos":
        run_argos(source, out, ct2_model)
    else:
        run_tolk(source, out, model, variant)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), **extra}))


# ---------------------------------------------------------------- the parent


def measure(variant: str, source: Path, out: Path, model: Path, ct2: Path, store: Path) -> dict:
    """Run one variant in a fresh process, writing to `out`; return its wall time, peak RSS
    and, for tolk, the sentences it decoded and took from its translation memory."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TOLK_MODELS_DIR": str(store), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, __file__, "--child", variant, str(source), str(out)]
    command += [str(model), str(ct2)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{variant} failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    for line in lines:
        if match := _DECODED.match(line):
            result["decoded"] = int(match[1].replace(",", ""))
            result["remembered"] = int(match[2].replace(",", ""))
    return {"variant": variant, "wall_seconds": wall, **result}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a transformers Marian model (default: the stand-in)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--articles", type=int, default=0, help="use only the first N articles")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--update-variants", help="the variants to run again in the update (default: all run)"
    )
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
        variants = args.variants.split(",")
        scenarios = args.scenarios.split(",")
        outs = {v: work / f"out-{v}" for v in variants}

        def run(scenario: str, variant: str, out: Path) -> dict:
            row = measure(variant, source, out, model, converted["int8"], store)
            row["scenario"] = scenario
            decoded = f"  {row['decoded']} decoded" if "decoded" in row else ""
            print(
                f"{scenario:6} {variant:11} {row['wall_seconds']:6.1f} s  "
                f"{row['peak_rss_mb']:.0f} MB{decoded}",
                flush=True,
            )
            return row

        rows = [run("first", v, outs[v]) for v in variants]
        updates, noops, changed = [], [], 0
        if "update" in scenarios:
            changed = update_articles(source)
            again = args.update_variants.split(",") if args.update_variants else variants
            for variant in (v for v in variants if v in again):
                keeps = variant.startswith("tolk-")  # a peer keeps nothing between runs
                out = outs[variant] if keeps else work / f"update-{variant}"
                updates.append(run("update", variant, out))
        if "noop" in scenarios:
            for variant in (v for v in variants if v.startswith("tolk-")):
                noops.append(run("noop", variant, outs[variant]))
                if not variant.endswith("-prefect"):
                    backend = variant.removeprefix("tolk-")
                    noops[-1]["split"] = run("noop", "split-" + backend, outs[variant])
    report = {
        "machine": machine(),
        "cores": os.cpu_count(),
        "model": args.model
        or "stand-in (tolk.testing.standin): opus-mt-nl-en's shape, stops by itself",
        "articles": articles,
        "sentences": sentences,
        "beams": BEAMS,
        "rows": rows,
        "update": {"sentences_added_or_changed": changed, "rows": updates},
        "noop": noops,
    }
    first = next((r for r in rows if r["variant"] == "first"), rows[0])
    for row in rows:
        row["sentences_per_s"] = sentences / row["wall_seconds"]
        row["vs_first"] = first["wall_seconds"] / row["wall_seconds"]
    own_first = {r["variant"]: r for r in rows}
    for row in updates:
        before = own_first[row["variant"]]
        row["vs_own_first"] = before["wall_seconds"] / row["wall_seconds"]
        row["rss_vs_own_first"] = row["peak_rss_mb"] / before["peak_rss_mb"]
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
    update = report.get("update") or {}
    if update.get("rows"):
        lines += [
            "",
            "Update: each article gains a paragraph (2 FLORES-200 sentences) and has 1 sentence "
            f"corrected ({update['sentences_added_or_changed']} distinct sentences added or "
            "changed, as tolk splits them); tolk runs on its output folder of the first run, "
            "the peers on the whole articles again.",
            "",
            "| variant | wall s | x its own first run | sentences decoded | from tolk's memory "
            "| peak RSS MB | RSS / its first run's |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in update["rows"]:
            decoded = row.get("decoded", "all")
            remembered = row.get("remembered", "—")
            lines.append(
                f"| {row['variant']} | {row['wall_seconds']:.1f} | {row['vs_own_first']:.2f} "
                f"| {decoded} | {remembered} | {row['peak_rss_mb']:.0f} "
                f"| {row['rss_vs_own_first']:.2f} |"
            )
    if report.get("noop"):
        lines += [
            "",
            "No-op: `tolk run` once more, nothing changed. The split is the same work step by "
            "step in a process of its own (none for a run through Prefect).",
            "",
            "| variant | wall s | decoded | Python start and exit s | imports s "
            "| store open s | run s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in report["noop"]:
            split = row.get("split")
            if not split:
                lines.append(
                    f"| {row['variant']} | {row['wall_seconds']:.2f} | {row.get('decoded', 0)} "
                    "| — | — | — | — |"
                )
                continue
            parts = ("imports_s", "store_open_s", "run_s")
            python = split["wall_seconds"] - sum(split[p] for p in parts)
            lines.append(
                f"| {row['variant']} | {row['wall_seconds']:.2f} | {row.get('decoded', 0)} "
                f"| {python:.2f} | " + " | ".join(f"{split[p]:.2f}" for p in parts) + " |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

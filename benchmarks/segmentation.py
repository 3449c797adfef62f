"""Benchmark Dutch sentence splitters on UD Dutch gold data: the dev set and held-out sets.

Takes the gold sentences of each CoNLL-U file under benchmarks/data/, rebuilds each paragraph
by joining its sentences with single spaces, and gives boundary precision, recall and F1
(micro-averaged over paragraphs) plus sentences per second for tolk and its peers, as one
Markdown table per data set. The dev set is the one tolk's rules were tuned on; every other
data set is held out.

    python benchmarks/segmentation.py [--data PATH] [--errors N] [--json PATH] [--repeats N]
"""

import argparse
import json
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(__file__).resolve().parent / "data"
DEV_SET = DATA_DIR / "ud-dutch-alpino" / "nl_alpino-ud-dev.conllu"

# A sent_id reads DOC\DOC.p.N.s.M (or .s.M.K for a sentence split in two); the paragraph is
# DOC plus N.
SENT_ID = re.compile(r"^(?P<doc>[^\\]+)\\.*\.p\.(?P<par>\d+)\.s\.\d+(?:\.\d+)*$")
NAIVE_BOUNDARY = re.compile(r"(?<=[.!?])\s+")

Splitter = Callable[[str], list[str]]


def load_paragraphs(path: Path = DEV_SET) -> list[list[str]]:
    """Read a CoNLL-U file into paragraphs, each a list of its gold sentences in file order."""
    paragraphs: dict[tuple[str, str], list[str]] = {}
    key: tuple[str, str] | None = None
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("# sent_id = "):
                match = SENT_ID.match(line[len("# sent_id = ") :].strip())
                if match is None:
                    raise ValueError(f"{path}: unexpected sent_id {line.strip()!r}")
                key = (match["doc"], match["par"])
            elif line.startswith("# text = "):
                if key is None:
                    raise ValueError(f"{path}: '# text' before '# sent_id' in {line.strip()!r}")
                paragraphs.setdefault(key, []).append(line[len("# text = ") :].strip())
                key = None
    return list(paragraphs.values())


def boundaries(sentences: Sequence[str]) -> set[int]:
    """Return the internal boundaries of a split, each as the count of non-space chars before it."""
    offsets: set[int] = set()
    position = 0
    for sentence in sentences[:-1]:
        position += len("".join(sentence.split()))
        offsets.add(position)
    offsets.discard(0)
    return offsets


def score(pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> dict[str, float]:
    """Score (gold, predicted) splits by micro-averaged boundary precision, recall and F1."""
    hits = predicted = expected = 0
    for gold, guess in pairs:
        gold_set, guess_set = boundaries(gold), boundaries(guess)
        hits += len(gold_set & guess_set)
        predicted += len(guess_set)
        expected += len(gold_set)
    precision = hits / predicted if predicted else 1.0
    recall = hits / expected if expected else 1.0
    total = precision + recall
    f1 = 2 * precision * recall / total if total else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def regex_split(text: str) -> list[str]:
    """Split after every '.', '!' or '?' that is followed by whitespace."""
    return [part for part in NAIVE_BOUNDARY.split(text.strip()) if part]


def make_splitters() -> dict[str, Splitter | str]:
    """Build each splitter by name, or the reason it is unavailable."""
    splitters: dict[str, Splitter | str] = {}
    if str(ROOT) not in sys.path:  # so the script also runs from a checkout, uninstalled
        sys.path.insert(0, str(ROOT))
    from tolk.segment import split_sentences

    splitters["tolk"] = split_sentences
    try:
        import pysbd
    except ImportError:
        splitters["pysbd"] = "not installed"
    else:
        segmenter = pysbd.Segmenter(language="nl", clean=False)
        splitters["pysbd"] = lambda text: [s.strip() for s in segmenter.segment(text) if s.strip()]
    try:
        import spacy
    except ImportError:
        splitters["spaCy sentencizer"] = "not installed"
    else:
        nlp = spacy.blank("nl")
        nlp.add_pipe("sentencizer")
        splitters["spaCy sentencizer"] = lambda text: [s.text.strip() for s in nlp(text).sents]
    splitters["regex .!? + space"] = regex_split
    return splitters


def measure(split: Splitter, paragraphs: list[list[str]], repeats: int) -> dict[str, float]:
    """Score one splitter and time it over the whole set, keeping the fastest repetition."""
    texts = [" ".join(sentences) for sentences in paragraphs]
    result = score((gold, split(text)) for gold, text in zip(paragraphs, texts, strict=True))
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            split(text)
        fastest = min(fastest, time.perf_counter() - start)
    result["sentences_per_second"] = sum(map(len, paragraphs)) / fastest
    return result


def describe_run(data: Path, paragraphs: int, sentences: int, repeats: int) -> dict[str, str]:
    """Say what produced the numbers: data, Python and peer versions, timing method."""
    versions = {"python": platform.python_version()}
    for package in ("pysbd", "spacy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "data": f"{data.name}|paragraphs:{paragraphs}|sentences:{sentences}",
        "timing": f"single process|fastest of {repeats} passes",
        **versions,
    }


def data_sets(data: Path | None = None) -> list[tuple[str, Path]]:
    """List (role, path) for each gold CoNLL-U file: the dev set first, then the held-out sets."""
    if data is not None:
        return [("dev, the tuning set" if data.resolve() == DEV_SET else "held-out", data)]
    held_out = sorted(path for path in DATA_DIR.glob("*/*.conllu") if path != DEV_SET)
    return [("dev, the tuning set", DEV_SET)] + [("held-out", path) for path in held_out]


def print_errors(split: Splitter, paragraphs: list[list[str]], limit: int) -> None:
    """Print the first paragraphs where the splitter disagrees with gold."""
    shown = 0
    for gold in paragraphs:
        guess = split(" ".join(gold))
        if boundaries(guess) == boundaries(gold):
            continue
        print("GOLD:", *(f"  | {s}" for s in gold), "TOLK:", *(f"  | {s}" for s in guess), sep="\n")
        print()
        shown += 1
        if shown >= limit:
            break


def print_table(results: dict[str, dict[str, float] | str]) -> None:
    """Print one Markdown table row per splitter."""
    print("| splitter | precision | recall | F1 | sentences/s |")
    print("|---|---:|---:|---:|---:|")
    for name, result in results.items():
        if isinstance(result, str):
            print(f"| {name} | {result} | | | |")
        else:
            print(
                f"| {name} | {result['precision']:.3f} | {result['recall']:.3f} "
                f"| {result['f1']:.3f} | {result['sentences_per_second']:,.0f} |"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table per data set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="score only this CoNLL-U file (default: every set in data/)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per splitter")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="show N tolk errors")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    args = parser.parse_args(argv)

    splitters = make_splitters()
    report = []
    for index, (role, path) in enumerate(data_sets(args.data)):
        paragraphs = load_paragraphs(path)
        count = sum(map(len, paragraphs))
        name = f"{path.parent.name}/{path.name}"
        print(("\n" if index else "") + f"{name} ({role}): {len(paragraphs)} paragraphs, ", end="")
        print(f"{count} sentences\n")
        if args.errors:
            print_errors(splitters["tolk"], paragraphs, args.errors)
        results: dict[str, dict[str, float] | str] = {
            name: split if isinstance(split, str) else measure(split, paragraphs, args.repeats)
            for name, split in splitters.items()
        }
        signature = describe_run(path, len(paragraphs), count, args.repeats)
        print_table(results)
        print("\n" + "|".join(f"{key}:{value}" for key, value in signature.items()))
        report.append({"role": role, "signature": signature, "results": results})
    if args.json:
        args.json.write_text(json.dumps({"data_sets": report}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure tolk's text flags on FLORES-200 devtest: false flags, recall on broken English, speed.

Takes the 1,012 Dutch sentences of FLORES-200 devtest shipped in tolk/data/ with their human
English translations standing in for tolk's output. Gives, for each text flag of tolk.checks.flags,
how often it fires on those good translations (false flags), then how often it catches the
English once broken the ways machine translation fails (recall on the pairs each corruption
applies to), and the time flag_pair takes per pair. Every corruption draws from its own
random.Random, seeded from a fixed seed and its name, so every run gives the same numbers:

- drop a number (numbers): delete one number written in digits, with one space beside it, from
  the English; only numbers whose value the English states once (else nothing is lost).
- change a digit (numbers): replace one digit of the English by a different digit.
- copy the source (copy): the English becomes the Dutch sentence, unchanged.
- append a loop (repetition): strip the English's final punctuation and append its last 1 to 3
  words 4 to 6 more times ("... in his garage garage garage garage garage").
- cut to a third (length): keep the first third of the English's words (rounded, at least 1).

Writes benchmarks/results/quality.json and quality.md (the tables, ready for the README) and
prints the tables.

    python benchmarks/quality.py [--json PATH] [--examples N] [--repeats N]
"""

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
if str(ROOT) not in sys.path:  # so the script also runs from a checkout, uninstalled
    sys.path.insert(0, str(ROOT))

from tolk import __version__  # noqa: E402
from tolk.checks.flags import CHECKS, TEXT_FLAGS, flag_pair  # noqa: E402
from tolk.testing.corruptions import (  # noqa: E402
    CORRUPTIONS,
    SEED,
    false_flags,
    flores_pairs,
    measure,
    misses,
)


def time_check(
    check: Callable[[str, str], object], pairs: list[tuple[str, str]], repeats: int
) -> float:
    """Return the CPU seconds a check takes per pair, the fastest of some passes."""
    fastest = float("inf")
    for _ in range(repeats):
        # CPU time, not wall time: the machine may be shared, and waiting is not the check's cost.
        start = time.process_time()
        for nl, en in pairs:
            check(nl, en)
        fastest = min(fastest, time.process_time() - start)
    return fastest / len(pairs)


def tables(result: dict, pairs: int) -> str:
    """Render the false-flag and recall tables as Markdown."""
    lines = [
        f"False flags on the {pairs:,} human translations:",
        "",
        "| flag | flagged | false-flag rate | target |",
        "|---|---:|---:|---:|",
    ]
    for flag, row in result["false_flags"].items():
        lines.append(f"| {flag} | {row['flagged']} | {row['rate']:.1%} | ≤ {row['target']:.0%} |")
    lines += [
        "",
        "Recall on the same translations, broken:",
        "",
        "| corruption | flag | pairs it applies to | caught | recall | target |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, row in result["recall"].items():
        lines.append(
            f"| {name} | {row['flag']} | {row['applies']:,} | {row['caught']:,} "
            f"| {row['recall']:.1%} | ≥ {row['target']:.0%} |"
        )
    return "\n".join(lines)


def print_examples(pairs: list[tuple[str, str]], limit: int) -> None:
    """Print up to N false flags per flag and N missed corruptions per corruption."""
    for flag, indexes in false_flags(pairs).items():
        for i in indexes[:limit]:
            print(f"FALSE {flag}:\n  NL | {pairs[i][0]}\n  EN | {pairs[i][1]}\n")
    for name in CORRUPTIONS:
        for _, nl, broken in misses(pairs, name)[1][:limit]:
            print(f"MISSED {name}:\n  NL | {nl}\n  EN | {broken}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the measurement, print the tables and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", type=Path, metavar="PATH", default=RESULTS / "quality.json", help="JSON output"
    )
    parser.add_argument("--examples", type=int, default=0, metavar="N", help="show N examples")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes over the pairs")
    args = parser.parse_args(argv)

    pairs = flores_pairs()
    if args.examples:
        print_examples(pairs, args.examples)
    result = measure(pairs)
    seconds = time_check(flag_pair, pairs, args.repeats)
    per_check = {flag: time_check(check, pairs, args.repeats) for flag, check in CHECKS.items()}
    signature = {
        "data": f"flores200-devtest|nld_Latn-eng_Latn|pairs:{len(pairs)}|seed:{SEED}",
        "timing": f"CPU time, single process, fastest of {args.repeats} passes",
        "python": platform.python_version(),
        "tolk": __version__,
    }
    table = tables(result, len(pairs))
    average = sum(len(nl) for nl, _ in pairs) / len(pairs)
    footer = (
        f"flag_pair: {seconds * 1e6:.1f} µs per pair, Dutch lines of {average:.0f} characters on "
        "average ("
        + ", ".join(f"{flag} {t * 1e6:.1f}" for flag, t in per_check.items())
        + "). "
        + "|".join(f"{key}:{value}" for key, value in signature.items())
    )
    print(table + "\n\n" + footer)
    report = {
        "signature": signature,
        **result,
        "seconds_per_pair": seconds,
        "seconds_per_pair_by_check": per_check,
        "text_flags": list(TEXT_FLAGS),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.json.with_suffix(".md")).write_text(table + "\n\n" + footer + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

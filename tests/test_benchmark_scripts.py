"""Every benchmark script starts: its imports resolve and it answers --help.

The benchmarks run for minutes on a full-size model and so never in the suite; without this a
script can lose a name it imports from another (benchmarks/standin.py once imported a
`cpu_model` that benchmarks/translate.py no longer had) and nobody sees it until the next
measurement.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from support import HANG_SECONDS

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def test_the_benchmarks_are_all_here():
    assert {p.stem for p in SCRIPTS} >= {"peers", "quality", "glossary", "standin", "translate"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_benchmark_script_answers_help(script):
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=BENCHMARKS.parent,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "usage:" in done.stdout

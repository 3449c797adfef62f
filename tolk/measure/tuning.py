"""Tune the ct2 backend to this CPU: measure a few settings, keep the fastest that changes nothing.

A speed ratio measured on one CPU does not carry to another (an AMD EPYC and an Intel Xeon with
AMX disagreed by 2x on what was fastest), so instead of constants tolk measures, once per CPU
and model, on a fixed probe set (the first FLORES-200 devtest sentences):

- how many batches decode at once and with how many threads each (`inter`/`intra` threads);
- how many rows (sentences x beams) go into one decoding call;
- the compute type, where the CPU offers more than one for the stored weights (int8 with
  bfloat16 activations on AVX-512 BF16 / AMX, say).

A candidate is kept only if it translates the probe set exactly as the defaults do: tuning
may change the speed, never the translation. The choice is stored in the user's cache
(`tuning.json`, keyed by CPU, model revision, quantization and threads), logged when used,
and confirmed by `tolk models convert`, which tunes after converting.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from tolk.errors import TolkError
from tolk.models.store import ModelInfo
from tolk.models.tuned import Ct2Settings, default_settings

PROBE_SENTENCES = 48
PROBE_BEAMS = 4
SAME_TYPE_MARGIN = 0.05  # how much faster a candidate must be to replace the best so far
TYPE_MARGIN = 0.15  # ... when it also changes the compute type
# A thread layout whose first candidate takes this many times the best so far is not measured
# further (splitting a Marian step across cores took 3x as long on an Intel Xeon): rows per
# call and compute type never made up such a gap, and each candidate costs a probe run.
LAYOUT_CUTOFF = 1.5
_log = logging.getLogger("tolk")


def candidates(
    threads: int, compute_types: Sequence[str], default: Ct2Settings
) -> list[Ct2Settings]:
    """Return the settings worth measuring on this machine, the default first."""
    found = [default]
    layouts = [(threads, 1)] + ([(1, threads)] if threads > 1 else [])
    for inter, intra in layouts:
        for rows in (16, 32, 64):
            for compute in compute_types:
                candidate = Ct2Settings(inter, intra, rows, compute)
                if candidate not in found:
                    found.append(candidate)
    return found


def probe_sentences(count: int = PROBE_SENTENCES) -> list[str]:
    """Return the probe set: the first FLORES-200 devtest Dutch sentences (shipped with tolk)."""
    from tolk.measure.evaluate import load_test_set

    return load_test_set(limit=count).sources


def tune(
    info: ModelInfo,
    threads: int,
    measure: Callable[[Ct2Settings], tuple[float, list[str]]],
    compute_types: Sequence[str],
    log: logging.Logger | None = None,
) -> tuple[Ct2Settings, dict]:
    """Measure each candidate with `measure` (seconds, outputs); keep the fastest identical one."""
    log = log or _log
    default = default_settings(threads, info.compute_type)
    default = replace(default, compute_type=compute_types[0])
    timings: dict[str, float | str] = {}
    best, best_seconds, reference = default, float("inf"), None
    layouts: dict[tuple[int, int], float] = {}  # each thread layout's first time
    for candidate in candidates(threads, compute_types, default):
        layout = (candidate.inter_threads, candidate.intra_threads)
        if layouts.get(layout, 0) > best_seconds * LAYOUT_CUTOFF:
            timings[candidate.describe()] = (
                f"not measured: this thread layout took {layouts[layout] / best_seconds:.1f}x "
                "the best"
            )
            continue
        try:
            seconds, outputs = measure(candidate)
        except TolkError as error:  # a compute type this CPU cannot run after all
            timings[candidate.describe()] = f"cannot run here: {error}"
            continue
        if reference is None:
            reference = outputs
        if outputs != reference:
            timings[candidate.describe()] = "changes the translation: never used"
            log.info(f"tuning: {candidate.describe()} changes the translation; skipped")
            continue
        timings[candidate.describe()] = round(seconds, 3)
        layouts.setdefault(layout, seconds)
        log.info(f"tuning: {candidate.describe()}: {seconds:.2f} s")
        # A clear win only: timing noise must not decide, and another compute type (which
        # the signature names, so cached articles would be translated again) must win by more.
        margin = SAME_TYPE_MARGIN if candidate.compute_type == best.compute_type else TYPE_MARGIN
        if seconds < best_seconds * (1 - margin):
            best, best_seconds = candidate, seconds
    return best, timings


def measure_with(info: ModelInfo, sentences: Sequence[str], beams: int = PROBE_BEAMS):
    """Return a `measure` function that translates `sentences` with tolk's ct2 backend."""
    from tolk.translate.ct2 import Ct2Translator

    def measure(settings: Ct2Settings) -> tuple[float, list[str]]:
        translator = Ct2Translator(info, settings=settings)
        translator.translate(sentences[:4], beams, repair=False)  # warm up
        best = float("inf")
        for _ in range(2):  # the faster of two: one busy moment must not decide
            started = time.perf_counter()
            outputs = translator.translate(sentences, beams, repair=False)
            best = min(best, time.perf_counter() - started)
        return best, [t.text for t in outputs]

    return measure

"""What the benchmarks share: the model under test in a model store, and the machine's name."""

from __future__ import annotations

import logging
from pathlib import Path

from tolk.models.convert import convert
from tolk.models.store import describe, resolve
from tolk.models.tuned import cpu_signature


def prepare(
    store: Path, model: str | None, quantizations=("int8",)
) -> tuple[Path, dict[str, Path]]:
    """Put the model (default: the stand-in, built once and cached) and its ct2 conversions
    into a model store; return the transformers folder and the conversions by quantization."""
    if model:
        source = resolve(model)
        if source.backend != "torch":
            raise SystemExit(f"--model {model}: give the transformers model, not a ct2 one")
    else:
        from tolk.testing.standin import standin_model

        logging.basicConfig(level=logging.INFO, format="%(message)s")
        source = describe(standin_model())
    converted = {q: convert(source, q, store=store).path for q in quantizations}
    return source.path, converted


def machine() -> str:
    """Name the CPU and its kernel-relevant features, e.g. `Intel Xeon|avx512_vnni|amx_int8`."""
    return cpu_signature()

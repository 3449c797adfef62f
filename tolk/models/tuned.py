"""The ct2 settings tuned per CPU and model, kept in the user's cache (`tolk models tune`).

What `tolk.measure.tuning` chose, read back by the ct2 backend when it loads: a tuned setting may
change the speed, never the translation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tolk.fileio import write_text
from tolk.models.cache import cache_root
from tolk.models.store import ModelInfo

# The CPU features that decide which kernels ctranslate2 and torch use.
FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


@dataclass(frozen=True)
class Ct2Settings:
    """How the ct2 backend runs on a CPU; none of it may change the translation."""

    inter_threads: int
    intra_threads: int
    rows_per_call: int
    compute_type: str

    def describe(self) -> str:
        return (
            f"{self.inter_threads} batches x {self.intra_threads} threads, "
            f"{self.rows_per_call} rows per call, {self.compute_type}"
        )


def default_settings(threads: int, compute_type: str) -> Ct2Settings:
    """Return the settings used before any tuning: one batch per core, 32 rows per call."""
    return Ct2Settings(max(1, threads), 1, 32, compute_type)


def cpu_signature() -> str:
    """Name this CPU and the features that choose its kernels: `name|avx512_vnni|amx_int8`."""
    name, flags = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not name:
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        import platform

        name = platform.processor() or platform.machine()
    return "|".join([name or "unknown CPU", *[f for f in FEATURES if f in flags]])


def cache_file() -> Path:
    """Return where tuned settings are kept: the user's cache folder."""
    return cache_root() / "tuning.json"


def tuning_key(info: ModelInfo, threads: int) -> str:
    return (
        f"{cpu_signature()}|{info.model_id}@{info.revision}|{info.compute_type}|threads={threads}"
    )


def load_tuned(info: ModelInfo, threads: int) -> Ct2Settings | None:
    """Return the settings tuned for this CPU, model and thread count, if any."""
    try:
        stored = json.loads(cache_file().read_text(encoding="utf-8"))
        return Ct2Settings(**stored[tuning_key(info, threads)]["settings"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_tuned(info: ModelInfo, threads: int, settings: Ct2Settings, timings: dict) -> Path:
    """Keep tuned settings in the user's cache (atomically, beside other models' and CPUs')."""
    path = cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    stored[tuning_key(info, threads)] = {"settings": asdict(settings), "timings": timings}
    write_text(path, json.dumps(stored, indent=2) + "\n")
    return path

"""Translation: Dutch sentences in, English sentences out, through a pluggable backend.

`TranslatorSpec` is the small, picklable description of what to load; `load_translator` loads it
once per process and keeps it, so a model is never pickled into task results or cache keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tolk.models import DEFAULT_MODEL, ModelInfo, resolve
from tolk.translate.base import BatchPolicy, Translation, Translator

__all__ = [
    "BatchPolicy",
    "Translation",
    "Translator",
    "TranslatorSpec",
    "BACKENDS",
    "load_translator",
    "select_model",
]

BACKENDS = ("auto", "torch", "ct2")


@dataclass(frozen=True)
class TranslatorSpec:
    """What to translate with: small and hashable, safe to send to any worker."""

    model: str = DEFAULT_MODEL
    backend: str = "auto"
    device: str = "auto"
    threads: int = 0  # 0: use every core this process may use
    max_batch_tokens: int = 4096
    models_dir: str | None = None


def select_model(spec: TranslatorSpec) -> ModelInfo:
    """Pick the model directory and format that `spec` asks for, without loading weights."""
    info = resolve(spec.model, Path(spec.models_dir) if spec.models_dir else None)
    return info


_LOADED: dict[TranslatorSpec, Translator] = {}


def load_translator(spec: TranslatorSpec) -> Translator:
    """Load the translator `spec` describes, once per process."""
    if spec not in _LOADED:
        info = select_model(spec)
        policy = BatchPolicy(max_batch_tokens=spec.max_batch_tokens)
        from tolk.translate.torch import TorchTranslator

        _LOADED[spec] = TorchTranslator(info, policy, device=spec.device, threads=spec.threads)
    return _LOADED[spec]

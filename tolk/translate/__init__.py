"""Translation: Dutch sentences in, English sentences out, through a pluggable backend.

`TranslatorSpec` is the small, picklable description of what to load; `load_translator` loads it
once per process and keeps it, so a model is never pickled into task results or cache keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tolk.errors import ModelNotFound, StaleModel
from tolk.models import DEFAULT_MODEL, ModelInfo, resolve
from tolk.translate.base import BatchPolicy, Translation, Translator

__all__ = [
    "BatchPolicy",
    "Translation",
    "Translator",
    "TranslatorSpec",
    "BACKENDS",
    "batch_policy",
    "load_translator",
    "select_model",
]

BACKENDS = ("auto", "torch", "ct2")
_log = logging.getLogger(__name__)


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
    """Pick the model directory and format that `spec` asks for, without loading weights.

    `auto` takes a fresh CTranslate2 conversion of the model from the store when there is one
    (`tolk models convert`), else the transformers model; a stale conversion is never used.
    """
    from tolk.convert import find_converted, find_converted_by_id, stale_reason

    store = Path(spec.models_dir) if spec.models_dir else None
    try:
        info = resolve(spec.model, store)
    except ModelNotFound:
        # Only the conversion may be here (its source deleted after converting).
        converted = [] if spec.backend == "torch" else find_converted_by_id(spec.model, store)
        if not converted:
            raise
        info = converted[0]

    if info.format == "ctranslate2":
        reason = stale_reason(info)
        if spec.backend == "torch" or reason:
            source = info.source if info.source and info.source.exists() else None
            if spec.backend == "ct2" or source is None:
                if reason:
                    raise StaleModel(reason)
                raise ModelNotFound(
                    f"{info.path} is a CTranslate2 model and its transformers source is gone; "
                    "use --backend ct2 or auto, or pass --model to the transformers model"
                )
            if reason and spec.backend == "auto":
                _log.warning("%s; translating with the torch backend meanwhile", reason)
            return resolve(source)
        return info

    if spec.backend == "torch":
        return info
    converted = find_converted(info, store)
    reasons = [stale_reason(c, info) for c in converted]
    for candidate, reason in zip(converted, reasons, strict=True):
        if reason is None:
            return candidate
    if converted and spec.backend == "ct2":
        raise StaleModel(reasons[0])
    if converted:
        _log.warning("%s; translating with the torch backend meanwhile", reasons[0])
    elif spec.backend == "ct2":
        raise ModelNotFound(
            f"no CTranslate2 conversion of {info.model_id} in the model store: run "
            f"`tolk models convert {spec.model}` first, or use --backend torch"
        )
    return info


# On CPU, decoding is bound by the 67k-word output layer: its logits for many rows at once
# (sentences x beams) leave the cache, and beam search reorders a larger cache every step.
# About 32 rows per step is fastest on both backends (see the README, Performance).
CPU_MAX_BATCH_SENTENCES = {"transformers": 16, "ctranslate2": 32}


def batch_policy(info: ModelInfo, max_batch_tokens: int = 4096, device: str = "cpu") -> BatchPolicy:
    """Return the batching policy for a model's backend on `device`."""
    if device != "cpu":
        return BatchPolicy(max_batch_tokens=max_batch_tokens)
    most = CPU_MAX_BATCH_SENTENCES.get(info.format, BatchPolicy.max_batch_sentences)
    return BatchPolicy(max_batch_tokens=max_batch_tokens, max_batch_sentences=most)


_LOADED: dict[TranslatorSpec, Translator] = {}


def load_translator(spec: TranslatorSpec) -> Translator:
    """Load the translator `spec` describes, once per process."""
    if spec not in _LOADED:
        from tolk.translate.base import default_threads

        info = select_model(spec)
        threads = spec.threads or default_threads()
        if info.format == "ctranslate2":
            from tolk.translate.ct2 import Ct2Translator

            translator: Translator = Ct2Translator(info, None, spec.device, threads)
        else:
            from tolk.translate.torch import TorchTranslator

            translator = TorchTranslator(info, None, device=spec.device, threads=threads)
        translator.policy = batch_policy(info, spec.max_batch_tokens, translator.device)
        _LOADED[spec] = translator
    return _LOADED[spec]

"""Translation: Dutch sentences in, English sentences out, through a backend from a registry.

One vocabulary names backends everywhere (settings, model directories, signatures, records):
`torch` (transformers) and `ct2` (CTranslate2). `TranslatorSpec` is the small, picklable
description of what to load; `load_translator` loads it once per process and keeps it, so a
model is never pickled into task results or cache keys.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from tolk.errors import ModelNotFound, StaleModel
from tolk.models.store import ModelInfo, canonical_name, check_loadable, model_stores, resolve
from tolk.settings import DEFAULTS, Settings
from tolk.translate.base import Translation, Translator
from tolk.translate.batching import BatchPolicy

__all__ = [
    "BACKENDS",
    "BatchPolicy",
    "Translation",
    "Translator",
    "TranslatorSpec",
    "backend_class",
    "load_translator",
    "runtime",
    "select_model",
]

# The registry: backend name -> where its Translator class lives (imported on first use, so
# that naming a backend never imports torch or ctranslate2).
BACKENDS: dict[str, str] = {
    "torch": "tolk.translate.torch:TorchTranslator",
    "ct2": "tolk.translate.ct2:Ct2Translator",
}
_log = logging.getLogger(__name__)


def backend_class(name: str) -> type[Translator]:
    """Return the Translator class registered under `name`."""
    try:
        module, _, cls = BACKENDS[name].partition(":")
    except KeyError:
        raise ValueError(f"no backend {name!r}; the backends are {', '.join(BACKENDS)}") from None
    return getattr(importlib.import_module(module), cls)


@dataclass(frozen=True)
class TranslatorSpec:
    """What to translate with: small and hashable, safe to send to any worker."""

    model: str = DEFAULTS.model
    backend: str = DEFAULTS.backend
    device: str = "auto"
    threads: int = DEFAULTS.threads  # 0: use every core this process may use
    max_batch_tokens: int = DEFAULTS.max_batch_tokens
    models_dir: str | None = DEFAULTS.models_dir
    torch_dtype: str = DEFAULTS.torch_dtype  # the torch backend's weights; ct2 has its own

    @classmethod
    def from_settings(cls, settings: Settings) -> TranslatorSpec:
        """Describe the translator that `settings` ask for."""
        models_dir = settings.models_dir
        return cls(
            model=canonical_name(settings.model),
            backend=settings.backend,
            threads=settings.threads,
            max_batch_tokens=settings.max_batch_tokens,
            models_dir=str(Path(models_dir).expanduser().resolve()) if models_dir else None,
            torch_dtype=settings.torch_dtype,
        )


def select_model(spec: TranslatorSpec) -> ModelInfo:
    """Pick the model directory and backend that `spec` asks for, without loading weights.

    `auto` takes a fresh CTranslate2 conversion of the model from the store when there is one
    (`tolk models convert`), else the transformers model; a stale conversion is never used.
    """
    info = _select(spec)
    check_loadable(info.path, info.backend)
    return info


def _select(spec: TranslatorSpec) -> ModelInfo:
    from tolk.models.convert import find_converted, find_converted_by_id, stale_reason

    store = Path(spec.models_dir) if spec.models_dir else None
    try:
        info = resolve(spec.model, store)
    except ModelNotFound:
        # Only the conversion may be here (its source deleted after converting).
        converted = [] if spec.backend == "torch" else find_converted_by_id(spec.model, store)
        if not converted:
            raise
        info = converted[0]

    if info.backend == "ct2":
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
    converted = [c for s in model_stores(info, store) for c in find_converted(info, s)]
    converted = sorted(dict.fromkeys(converted), key=lambda c: _rank(c.compute_type))
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


def _rank(compute_type: str) -> int:
    from tolk.models.convert import default_quantization

    preferred = (default_quantization(), "int8", "int8_float32", "float32")
    return preferred.index(compute_type) if compute_type in preferred else len(preferred)


def runtime(info: ModelInfo, spec: TranslatorSpec) -> tuple[str, str]:
    """Predict the device and compute type that loading `info` will run on, without loading it."""
    return backend_class(info.backend).runtime(info, spec.device, spec.threads, spec.torch_dtype)


_LOADED: dict[TranslatorSpec, tuple[tuple, Translator]] = {}
_LOADING = threading.Lock()


def load_translator(spec: TranslatorSpec) -> Translator:
    """Load the translator `spec` describes, once per process while its model stays the same.

    The model is selected again each time (small files only): a conversion made since, or a
    changed model, loads anew instead of running what the signature no longer describes.
    """
    with _LOADING:
        info = select_model(spec)
        key = (info.path, info.revision, info.backend)
        loaded = _LOADED.get(spec)
        if loaded is None or loaded[0] != key:
            from tolk.translate.base import default_threads

            cls = backend_class(info.backend)
            threads = spec.threads or default_threads()
            translator = cls(
                info, device=spec.device, threads=threads, torch_dtype=spec.torch_dtype
            )
            # What it runs on is checked once, against the run's signature (which `runtime`
            # predicted): tolk.compose.check_signature.
            translator.policy = cls.batch_policy(spec.max_batch_tokens, translator.device)
            _LOADED[spec] = (key, translator)  # the one before it, if any, is let go
        return _LOADED[spec][1]

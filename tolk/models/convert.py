"""Convert a transformers Marian model to CTranslate2, and tell when a conversion is stale.

Takes a transformers model directory; gives `models/<name>-ct2-<quantization>/` (for example
`models/opus-mt-nl-en-ct2-int8/`): the CTranslate2 weights, the tokenizer files, and a
`tolk-model.json` manifest naming the source model, its revision and the quantization. A
conversion is stale when its source's revision (hub commit, or hash of its files) has changed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tolk import __version__
from tolk.errors import ConvertRefused, ModelLoadError
from tolk.models.store import MANIFEST, ModelInfo, describe, is_model_dir, models_dir, read_manifest

QUANTIZATIONS = ("int8", "int8_float16", "int8_float32", "int8_bfloat16", "float16", "float32")
# What the CTranslate2 directory needs besides its weights to tokenize and decode alone.
_TOKENIZER_FILES = (
    "source.spm",
    "target.spm",
    "vocab.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
)
_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


def default_quantization() -> str:
    """Return the quantization for this machine: int8_float16 with CUDA, else int8."""
    import ctranslate2

    return "int8_float16" if ctranslate2.get_cuda_device_count() > 0 else "int8"


def converted_path(source: ModelInfo, quantization: str, store: Path | None = None) -> Path:
    """Return where the store keeps `source` converted to `quantization`."""
    name = source.model_id.rstrip("/").rsplit("/", 1)[-1] or source.path.name
    return (store or models_dir()) / f"{name}-ct2-{quantization}"


def _forced_eos(path: Path) -> bool:
    # transformers forces EOS as the last token at the length cap when this is set; the ct2
    # backend then stops one token earlier so that both give the same tokens.
    for name in ("generation_config.json", "config.json"):
        file = path / name
        if file.exists():
            value = json.loads(file.read_text(encoding="utf-8")).get("forced_eos_token_id")
            if value is not None:
                return True
    return False


def convert(
    source: ModelInfo,
    quantization: str | None = None,
    out: Path | None = None,
    store: Path | None = None,
) -> ModelInfo:
    """Convert a transformers Marian model to CTranslate2 and write its manifest.

    The target is replaced only when it is an earlier conversion (or empty): never a folder
    that holds anything else.
    """
    if source.backend != "torch":
        raise ModelLoadError(
            f"{source.path} is already a CTranslate2 model; convert the transformers model it "
            "came from"
        )
    if not (source.path / "model.safetensors").exists():  # the converter would unpickle .bin
        raise ModelLoadError(
            f"{source.path} holds no model.safetensors: its pytorch_model.bin is a pickle, which "
            "can run code when loaded, so tolk converts safetensors weights only; get them with "
            "`tolk models pull`"
        )
    quantization = quantization or default_quantization()
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}; use one of {QUANTIZATIONS}")
    from ctranslate2 import __version__ as ct2_version
    from ctranslate2.converters import TransformersConverter

    out = (out or converted_path(source, quantization, store)).absolute()
    if out.exists() and not _replaceable(out):
        raise ConvertRefused(
            f"{out} exists and is not an earlier tolk conversion (no {MANIFEST} naming a "
            "CTranslate2 model): choose another --out, or move that folder away yourself"
        )
    # The converter resolves files against the working directory: give it absolute paths.
    model_dir = source.path.absolute()
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    files = [str(model_dir / f) for f in _TOKENIZER_FILES if (model_dir / f).exists()]
    try:
        TransformersConverter(str(model_dir), copy_files=files, low_cpu_mem_usage=True).convert(
            str(partial), quantization=quantization, force=True
        )
    except (OSError, ValueError, RuntimeError, NotImplementedError) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelLoadError(
            f"{source.path}: CTranslate2 cannot convert this model ({type(error).__name__}: "
            f"{error}); check that it is a Marian (opus-mt) model"
        ) from error
    manifest = {
        "model_id": source.model_id,
        "backend": "ct2",
        "source_path": str(model_dir.resolve()),
        "source_revision": source.revision,
        "quantization": quantization,
        "max_input_tokens": source.max_input_tokens,
        "default_beams": source.default_beams,
        "forced_eos": _forced_eos(source.path),
        "ctranslate2_version": ct2_version,
        "tolk_version": __version__,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return describe(out)


def _replaceable(path: Path) -> bool:
    """Say whether `path` may be replaced by a conversion: an earlier one, or an empty folder."""
    if path.is_dir() and not any(path.iterdir()):
        return True
    if not (path.is_dir() and (path / MANIFEST).exists()):
        return False
    manifest = read_manifest(path)
    return manifest.get("backend") == "ct2" or manifest.get("format") == "ctranslate2"


def _source_matches(manifest: dict, source: ModelInfo) -> bool:
    path = manifest.get("source_path")
    if path and Path(path).resolve() == source.path.resolve():
        return True
    # A hub model may move (a new snapshot folder): match it by id, so a new revision is stale.
    return bool(_HUB_ID.fullmatch(source.model_id)) and manifest.get("model_id") == source.model_id


def _conversions(store: Path | None) -> list[tuple[Path, dict]]:
    """List the store's CTranslate2 models with their manifests."""
    store = store or models_dir()
    if not store.is_dir():
        return []
    return [
        (path, read_manifest(path))
        for path in sorted(store.iterdir())
        if (path / "model.bin").exists() and is_model_dir(path)
    ]


def find_converted(source: ModelInfo, store: Path | None = None) -> list[ModelInfo]:
    """List the store's CTranslate2 conversions of `source`, preferred quantization first."""
    found = [describe(path) for path, m in _conversions(store) if _source_matches(m, source)]
    preferred = (default_quantization(), "int8", "int8_float32", "float32")
    rank = {q: i for i, q in enumerate(preferred)}
    return sorted(found, key=lambda info: rank.get(info.compute_type, len(rank)))


def find_converted_by_id(model_id: str, store: Path | None = None) -> list[ModelInfo]:
    """List the store's CTranslate2 models converted from the model named `model_id`."""
    return [describe(path) for path, m in _conversions(store) if m.get("model_id") == model_id]


def stale_reason(converted: ModelInfo, source: ModelInfo | None = None) -> str | None:
    """Say why a converted model no longer matches its source, or None when it still does."""
    manifest = read_manifest(converted.path)
    if source is None:
        path = Path(manifest["source_path"]) if manifest.get("source_path") else None
        if path is None or not is_model_dir(path):
            return None  # the source is gone: nothing to compare against, the conversion stands
        source = describe(path)
    recorded = manifest.get("source_revision")
    if recorded == source.revision:
        return None
    return (
        f"{converted.path} was converted from {source.model_id} at revision {recorded}, but "
        f"{source.path} is now at revision {source.revision}: run `tolk models convert "
        f"{source.path}` to convert it again"
    )

"""Find, pull and describe translation models, without loading them.

A model is named by a local directory, by a folder under the model store (`models/<name>/`),
or by a Hugging Face id found in the local Hugging Face cache. Resolution reads only small JSON
files, so the signature of a run (and so its cache key) is known before any weights are loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tolk.errors import ModelLoadError, ModelNotFound
from tolk.fileio import write_text
from tolk.settings import DEFAULT_MODEL

MANIFEST = "tolk-model.json"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.bin")
# What MarianTokenizer needs beside the weights.
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")
# The beams a model gets when its config names none (Marian's usual setting).
FALLBACK_BEAMS = 4
PULL_PATTERNS = [
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
    "source.spm",
    "target.spm",
    "model.safetensors",
    "README.md",
    "LICENSE*",
]


def models_dir() -> Path:
    """Return the local model store: $TOLK_MODELS_DIR, else ./models."""
    # Absolute, so that a converter or loader that changes directory still finds the files.
    return Path(os.environ.get("TOLK_MODELS_DIR", "models")).absolute()


@dataclass(frozen=True)
class ModelInfo:
    """A model on disk: where it is, what it is, and which exact weights."""

    path: Path
    model_id: str
    revision: str
    backend: str  # the backend that runs this directory: "torch" (transformers) or "ct2"
    default_beams: int
    max_input_tokens: int
    compute_type: str = "float32"
    source: Path | None = None  # for a converted model, the transformers directory it came from


def read_json(file: Path) -> dict:
    """Read a model's JSON file; a corrupt one is a `ModelLoadError` naming it."""
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelLoadError(
            f"{file}: cannot read this model file ({error}); restore it, or pull or convert "
            "the model again"
        ) from None
    if not isinstance(value, dict):
        raise ModelLoadError(f"{file}: expected a JSON object; restore the file")
    return value


def read_manifest(path: Path) -> dict:
    """Return a model directory's tolk manifest, or {} when it has none."""
    manifest = path / MANIFEST
    return read_json(manifest) if manifest.exists() else {}


@cache
def _content_hash(path: Path, stamp: tuple) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file() and p.name != MANIFEST):
        digest.update(file.name.encode())
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def content_revision(path: Path) -> str:
    """Hash a model directory's files (once per process while they are unchanged)."""
    stamp = tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(path.iterdir())
        if p.is_file()
    )
    return "sha256:" + _content_hash(path.resolve(), stamp)


def is_model_dir(path: Path) -> bool:
    """Say whether a directory holds a transformers or CTranslate2 model."""
    return (
        path.is_dir()
        and (path / "config.json").exists()
        and any((path / w).exists() for w in _WEIGHT_FILES)
    )


def check_loadable(path: Path, backend: str) -> None:
    """Refuse a model directory that could not load safely, naming what is wrong."""
    if backend == "torch" and not (path / "model.safetensors").exists():
        raise ModelLoadError(
            f"{path} holds pytorch_model.bin but no model.safetensors: a .bin file is a pickle, "
            "which can run code when loaded, so tolk loads safetensors only. Get the "
            "safetensors weights (`tolk models pull`), or convert the model to safetensors "
            "yourself if you trust it"
        )
    tokenizer_dir = path
    if backend == "ct2" and not (path / "source.spm").exists():
        source = read_manifest(path).get("source_path")
        tokenizer_dir = Path(source) if source else path
    missing = [f for f in TOKENIZER_FILES if not (tokenizer_dir / f).exists()]
    if missing:
        raise ModelLoadError(
            f"{tokenizer_dir} lacks the tokenizer files {', '.join(missing)}: a Marian model "
            "needs source.spm, target.spm and vocab.json beside its weights; copy them from "
            "the model's origin, or pull the model again"
        )


def describe(path: Path, model_id: str | None = None, revision: str | None = None) -> ModelInfo:
    """Describe a model directory from its small files."""
    manifest = read_manifest(path)
    config = read_json(path / "config.json")
    backend = "ct2" if (path / "model.bin").exists() else "torch"
    if backend == "ct2":
        source = Path(manifest["source_path"]) if manifest.get("source_path") else None
        # `tolk models convert` records these; only older manifests need the source read.
        base = None
        if "default_beams" not in manifest and source and is_model_dir(source):
            base = describe(source)
        return ModelInfo(
            path=path,
            model_id=manifest.get("model_id") or model_id or path.name,
            revision=manifest.get("source_revision") or revision or content_revision(path),
            backend=backend,
            default_beams=int(
                manifest.get("default_beams") or (base.default_beams if base else FALLBACK_BEAMS)
            ),
            max_input_tokens=int(
                manifest.get("max_input_tokens") or (base.max_input_tokens if base else 512)
            ),
            compute_type=manifest.get("quantization", "float32"),
            source=source,
        )
    generation = path / "generation_config.json"
    gen = read_json(generation) if generation.exists() else {}
    return ModelInfo(
        path=path,
        model_id=manifest.get("model_id") or model_id or config.get("_name_or_path") or path.name,
        revision=manifest.get("revision") or revision or content_revision(path),
        backend=backend,
        default_beams=int(gen.get("num_beams") or config.get("num_beams") or FALLBACK_BEAMS),
        max_input_tokens=int(config.get("max_position_embeddings") or 512),
    )


def canonical_name(name: str) -> str:
    """Return a model named by a path as its absolute, canonical path; other names unchanged.

    Resolved once, where a run is planned, so that every later step (workers included) sees the
    same model whichever folder the run was started from.
    """
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def model_stores(info: ModelInfo, store: Path | None = None) -> list[Path]:
    """List the folders that may hold a model's conversions and calibration.

    The model store (`store`, else $TOLK_MODELS_DIR or ./models) and the folder the model itself
    is in, so that a model named by its path finds what was made beside it from any folder.
    """
    stores = [(store or models_dir()).resolve()]
    stores += [where.resolve().parent for where in (info.path, info.source) if where is not None]
    return list(dict.fromkeys(stores))


def store_path(name: str, store: Path | None = None) -> Path:
    """Return where `tolk models pull NAME` keeps a model in the store."""
    return (store or models_dir()) / name.rsplit("/", 1)[-1]


def _from_hf_cache(name: str) -> Path | None:
    if "/" not in name:
        return None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError):  # not cached, or not a hub id
        return None


def resolve(name: str | Path = DEFAULT_MODEL, store: Path | None = None) -> ModelInfo:
    """Find a transformers model by path, in the store, or in the Hugging Face cache."""
    name = str(name)
    path = Path(name).expanduser().resolve()  # canonical: the same id and files from any folder
    if path.exists():
        if not is_model_dir(path):
            raise ModelNotFound(
                f"{path} holds no model (no config.json with model.safetensors, pytorch_model.bin "
                "or model.bin); point --model at a Marian model directory"
            )
        return describe(path)
    local = store_path(name, store)
    if is_model_dir(local):
        return describe(local, model_id=name if "/" in name else None)
    cached = _from_hf_cache(name)
    if cached and is_model_dir(cached):
        return describe(cached, model_id=name, revision=cached.name)
    raise ModelNotFound(
        f"no model {name!r}: not a directory, not in {local}, not in the Hugging Face cache. "
        f"Run `tolk models pull {name}` where a network exists, or pass --model PATH to a "
        "Marian model directory"
    )


def pull(name: str = DEFAULT_MODEL, store: Path | None = None) -> ModelInfo:
    """Download a model from the Hugging Face hub into the store, pinned to its revision."""
    from huggingface_hub import HfApi, snapshot_download

    target = store_path(name, store)
    try:
        revision = HfApi().model_info(name).sha
        snapshot_download(name, revision=revision, local_dir=target, allow_patterns=PULL_PATTERNS)
    except Exception as error:  # noqa: BLE001 - the hub client raises many kinds; all mean the same
        raise ModelNotFound(
            f"could not download {name!r} from the Hugging Face hub ({type(error).__name__}: "
            f"{error}); check the network, or copy the model directory to {target}"
        ) from error
    (target / MANIFEST).write_text(
        json.dumps({"model_id": name, "revision": revision, "backend": "torch"}, indent=2),
        encoding="utf-8",
    )
    return describe(target)


def list_models(store: Path | None = None) -> list[ModelInfo]:
    """List the models in the store."""
    store = store or models_dir()
    if not store.is_dir():
        return []
    return [describe(p) for p in sorted(store.iterdir()) if is_model_dir(p)]


def calibration_path(
    info: ModelInfo, backend: str, compute_type: str, beams: int, store: Path | None = None
) -> Path:
    """Return where the store keeps a model's confidence calibration for one way of running it."""
    name = info.model_id.rstrip("/").rsplit("/", 1)[-1] or info.path.name
    revision = info.revision.rsplit(":", 1)[-1][:12]
    slug = f"{name}@{revision}-{backend}-{compute_type}-beams{beams}"
    return (store or models_dir()) / "calibration" / f"{slug}.json"


def read_calibration(path: Path) -> float | None:
    """Return a stored calibration's confidence floor, or None when there is none."""
    if not path.exists():
        return None
    floor = read_json(path).get("confidence_floor")
    return float(floor) if floor is not None else None


def write_calibration(path: Path, record: dict) -> None:
    """Store a calibration (the floor, the test set and the distribution it came from)."""
    write_text(path, json.dumps(record, indent=2) + "\n")


SHORTLIST = "vmap.txt"


def shortlist_id(info: ModelInfo) -> str:
    """Name a ct2 model's vocabulary shortlist when it is there and fresh ("" otherwise).

    Fresh: built for this very conversion (its source revision and quantization), and its file
    unchanged since. The id goes into the signature, so a new shortlist means new cache keys.
    """
    if info.backend != "ct2" or not (info.path / SHORTLIST).exists():
        return ""
    manifest = read_manifest(info.path)
    record = manifest.get("shortlist") or {}
    built_for = (manifest.get("source_revision"), manifest.get("quantization"))
    if (record.get("source_revision"), record.get("quantization")) != built_for:
        return ""
    digest = hashlib.sha256((info.path / SHORTLIST).read_bytes()).hexdigest()
    return f"vmap:{digest[:12]}" if digest == record.get("sha256") else ""


def write_shortlist(info: ModelInfo, text: str, record: dict) -> Path:
    """Store a vocabulary shortlist in a ct2 model's folder and record it in its manifest."""
    path = info.path / SHORTLIST
    write_text(path, text)
    manifest = read_manifest(info.path)
    manifest["shortlist"] = {
        **record,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "source_revision": manifest.get("source_revision"),
        "quantization": manifest.get("quantization"),
    }
    write_text(info.path / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return path

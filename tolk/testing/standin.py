"""A stand-in for opus-mt-nl-en that stops like a trained model: for benchmarks without a hub.

Takes real Dutch sentences (the UD Dutch Alpino treebank in benchmarks/data/; the tokenizer also
reads the articles in seeds/); gives a transformers Marian model directory of opus-mt-nl-en's
shape, trained for a minute or two to copy its source through a fixed mapping of word pieces and
then emit `</s>` (see tolk.testing.standin_training). So it stops by itself at natural lengths, its
output is as long as its input, and beam search, float32 and int8 can be compared on it. It is
built once per recipe and kept in the user's cache folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tolk import __version__
from tolk.errors import ModelNotFound
from tolk.models.cache import cache_root
from tolk.models.store import MANIFEST
from tolk.testing.random_model import OPUS_MT, Shape, marian_config, set_generation, write_tokenizer

# Bump when the code changes what a recipe builds (2: its alignment head named; 3: the head
# moved to the last layer's first, opus-mt's, which CTranslate2's attention output also is).
RECIPE_VERSION = 3
ROOT = Path(__file__).resolve().parents[2]
FILLER_BIAS = -1e4  # the output bias of the `<extra_N>` words and <pad>
HELD_OUT_EVERY = 20  # every 20th sentence is kept out of training, to measure on
_log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a stand-in model's weights."""

    shape: Shape = OPUS_MT
    steps: int = 120
    batch_tokens: int = 1024  # source tokens per step, padding included
    learning_rate: float = 3e-4
    warmup: int = 10
    label_smoothing: float = 0.1  # as opus-mt was trained: soft, realistic output scores
    max_tokens: int = 128  # the longest training example
    sp_vocab: int = 8000  # asked of SentencePiece; the corpus gives about 4,500 pieces
    attention_scale: float = 4.0  # how sharply the wired cross-attention matches positions
    copy_gain: float = 3.0  # how strongly the copied piece outweighs the previous one
    seed: int = 0
    num_beams: int = 6  # opus-mt-nl-en's generation_config
    precision: str = "auto"  # "bfloat16", "float32", or "auto": bfloat16 where the CPU has it


STANDIN = Recipe()


def read_conllu_texts(path: Path) -> list[str]:
    """Return the sentences (`# text = ` lines) of a CoNLL-U file."""
    prefix = "# text = "
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line[len(prefix) :].strip() for line in lines if line.startswith(prefix)]


def corpus(root: Path = ROOT) -> tuple[list[str], list[str]]:
    """Return the Alpino sentences to learn from and the sample articles, from a tolk checkout."""
    files = sorted((root / "benchmarks" / "data").glob("ud-dutch-alpino*/*.conllu"))
    if not files:
        raise ModelNotFound(
            f"cannot build the stand-in model: no UD Dutch Alpino .conllu files under "
            f"{root / 'benchmarks' / 'data'}; build it from a tolk source checkout"
        )
    sentences = [text for path in files for text in read_conllu_texts(path)]
    articles = [p.read_text(encoding="utf-8") for p in sorted((root / "seeds").glob("*.txt"))]
    return sentences, articles


def used_pieces(vocab: dict[str, int]) -> list[str]:
    """Return the pieces a model can emit, by id: all but the `<extra_N>` fillers and <pad>."""
    return [p for p in sorted(vocab, key=vocab.get) if not p.startswith("<extra_")][:-1]


def resolve_precision(precision: str) -> str:
    """Return "bfloat16" or "float32" for a recipe's precision on this machine."""
    if precision != "auto":
        return precision
    import torch

    native = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return "bfloat16" if native is not None and native() else "float32"


def recipe_key(recipe: Recipe, sentences: Sequence[str], articles: Sequence[str]) -> str:
    """Hash what decides the weights: the recipe, its data and the recipe version."""
    data = hashlib.sha256()
    for text in [*sentences, "\0", *articles]:
        data.update(text.encode("utf-8") + b"\n")
    described = {
        **asdict(recipe),
        "precision": resolve_precision(recipe.precision),
        "data": data.hexdigest(),
        "version": RECIPE_VERSION,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:12]


def model_name(recipe: Recipe, key: str) -> str:
    """Return the cache folder's name for a recipe with `key`."""
    shape = recipe.shape
    size = "opus-mt-nl-en" if shape == OPUS_MT else f"d{shape.d_model}x{shape.layers}"
    return f"standin-{size}-{key}"


def standin_model(
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    recipe: Recipe = STANDIN,
    root: Path = ROOT,
) -> Path:
    """Return the stand-in model's directory, building it first if the cache lacks it.

    `cache_dir` holds the models (default: `cache_root()/models`); `progress` gets a line per
    stage and every 10 training steps (default: this module's logger, at INFO); `root` is the
    tolk checkout whose benchmarks/data/ and seeds/ it learns from.
    """
    say = progress or _log.info
    sentences, articles = corpus(root)
    key = recipe_key(recipe, sentences, articles)
    cache = cache_dir or cache_root() / "models"
    target = cache / model_name(recipe, key)
    if (target / MANIFEST).exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    say(f"building the stand-in model {target.name} (once per recipe)")
    started = time.perf_counter()
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache))
    partial.chmod(0o755)  # mkdtemp's 0700 would stay on the finished model
    try:
        report = build(partial, recipe, sentences, articles, say)
        report["seconds"] = round(time.perf_counter() - started, 1)
        manifest = {"model_id": target.name, "backend": "torch", "standin": report}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        try:
            partial.rename(target)
        except OSError:  # another process built it meanwhile: keep theirs
            if not (target / MANIFEST).exists():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    say(f"stand-in model ready in {report['seconds']:.0f} s: {target}")
    return target


def build(
    out_dir: Path, recipe: Recipe, sentences: list[str], articles: list[str], say: Progress
) -> dict:
    """Write a trained stand-in model into `out_dir`; return what its training measured."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    from tolk.testing.standin_training import (
        evaluate,
        init_embeddings,
        piece_mapping,
        train,
        wire_copy,
    )

    shape = recipe.shape
    vocab = write_tokenizer(out_dir, [*sentences, *articles], shape.vocab, recipe.sp_vocab)
    mapping = piece_mapping(used_pieces(vocab))
    tokenizer = MarianTokenizer.from_pretrained(out_dir)
    ids = tokenizer(sentences)["input_ids"]
    held_out = ids[::HELD_OUT_EVERY]
    learn = [row for i, row in enumerate(ids) if i % HELD_OUT_EVERY]

    torch.manual_seed(recipe.seed)
    model = MarianMTModel(marian_config(vocab, shape))
    init_embeddings(model.get_input_embeddings().weight, mapping, vocab["<pad>"], recipe.seed)
    wire_copy(model, recipe.attention_scale, recipe.copy_gain)
    with torch.no_grad():
        # The filler words never win, so the full-size output layer costs what the real one
        # does and changes nothing. So low that their probabilities are exactly 0 in float32,
        # not denormal numbers, which are slow on x86.
        model.final_logits_bias[:, len(mapping) :] = FILLER_BIAS
    before = evaluate(model, held_out, mapping)
    precision = resolve_precision(recipe.precision)
    say(
        f"training on {len(learn)} sentences over {len(mapping)} pieces ({precision}); "
        f"held-out loss {before[0]:.3f}, token accuracy {before[1]:.1%}"
    )
    losses = train(model, learn, mapping, recipe, precision == "bfloat16", say)
    after = evaluate(model, held_out, mapping)
    say(f"held-out loss {after[0]:.3f}, token accuracy {after[1]:.1%}")
    set_generation(model, recipe.num_beams)
    # Its last decoder layer's cross-attention matches output and source positions by wiring
    # (`wire_copy`), so that layer's first head aligns, as opus-mt's does: the config names no
    # head, as opus-mt's does not, and both backends read that one.
    model.save_pretrained(out_dir)
    return {
        "recipe": {**asdict(recipe), "precision": precision, "version": RECIPE_VERSION},
        "losses": [round(loss, 4) for loss in losses],
        "held_out": {"sentences": len(held_out), "before": before, "after": after},
        "tolk_version": __version__,
        "torch_version": torch.__version__,
    }

"""Build a real Marian model with random weights: for tests and benchmarks where no hub exists.

The result is an ordinary transformers model directory (SentencePiece `source.spm`/`target.spm`,
`vocab.json`, `config.json`, safetensors weights) that loads through the normal path. Its output
is gibberish, but every line of tolk's code runs on it exactly as on opus-mt-nl-en.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shape:
    """The size of a Marian model."""

    d_model: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # target vocabulary size; SentencePiece pieces are padded up to it


TINY = Shape(d_model=32, layers=2, heads=2, ffn=64, vocab=0)  # vocab 0: SentencePiece's own
# Helsinki-NLP/opus-mt-nl-en: d_model 512, 6+6 layers, 8 heads, FFN 2048, 67,028 tokens.
OPUS_MT = Shape(d_model=512, layers=6, heads=8, ffn=2048, vocab=67028)


def train_sentencepiece(texts: Iterable[str], prefix: Path, vocab_size: int) -> Path:
    """Train a unigram SentencePiece model on texts; return the .model path."""
    import sentencepiece as spm

    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    model = io.BytesIO()
    # From memory, not a temporary file: the model would record the file's random name, and
    # the same texts would give different bytes each time.
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        bos_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    path = prefix.with_suffix(".model")
    path.write_bytes(model.getvalue())
    return path


def write_tokenizer(out_dir: Path, texts: Iterable[str], vocab_size: int, sp_vocab: int) -> dict:
    """Train SentencePiece on texts, save a MarianTokenizer into `out_dir`; return its vocab.

    The vocabulary is "</s>", "<unk>", the SentencePiece pieces, `<extra_N>` fillers up to
    `vocab_size` (0: none) and "<pad>" last, as in opus-mt models.
    """
    import sentencepiece as spm
    from transformers import MarianTokenizer

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sp_path = train_sentencepiece(texts, Path(tmp) / "spm", sp_vocab)
        processor = spm.SentencePieceProcessor(model_file=str(sp_path))
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in pieces:
            vocab.setdefault(piece, len(vocab))
        for n in range(len(vocab), vocab_size - 1):
            vocab[f"<extra_{n}>"] = n  # pad to the real vocabulary's size, for realistic cost
        vocab["<pad>"] = len(vocab)
        (Path(tmp) / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        for name in ("source.spm", "target.spm"):
            (Path(tmp) / name).write_bytes(sp_path.read_bytes())
        tokenizer = MarianTokenizer(
            source_spm=str(Path(tmp) / "source.spm"),
            target_spm=str(Path(tmp) / "target.spm"),
            vocab=str(Path(tmp) / "vocab.json"),
            source_lang="nl",
            target_lang="en",
        )
        tokenizer.save_pretrained(out_dir)
    return vocab


def marian_config(vocab: dict, shape: Shape, **overrides):
    """Return the MarianConfig of an opus-mt-like model of `shape` over `vocab`."""
    from transformers import MarianConfig

    pad = vocab["<pad>"]
    settings = dict(
        vocab_size=len(vocab),
        d_model=shape.d_model,
        encoder_layers=shape.layers,
        decoder_layers=shape.layers,
        encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn,
        max_position_embeddings=512,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        forced_eos_token_id=0,
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
    )
    return MarianConfig(**{**settings, **overrides})


def set_generation(model, num_beams: int) -> None:
    """Give a model opus-mt's generation settings: `num_beams`, length 512, never <pad>."""
    generation = model.generation_config
    generation.num_beams = num_beams
    generation.max_length = 512
    generation.bad_words_ids = [[model.config.pad_token_id]]


def build_random_marian(
    out_dir: Path,
    texts: Iterable[str],
    shape: Shape = TINY,
    seed: int = 0,
    sp_vocab: int = 800,
    num_beams: int = 6,
) -> Path:
    """Write a random-weight Marian model and tokenizer trained on `texts` into `out_dir`."""
    import torch
    from transformers import MarianMTModel

    vocab = write_tokenizer(out_dir, texts, shape.vocab, sp_vocab)
    # Wider than the usual 0.02, so that a random model's output depends on its input.
    config = marian_config(vocab, shape, init_std=0.5)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    set_generation(model, num_beams)
    model.save_pretrained(out_dir)
    return out_dir

"""The CTranslate2 backend: a converted Marian model, int8 on CPU, CUDA when present.

It tokenizes with the same MarianTokenizer as the torch backend (SentencePiece pieces plus
"</s>"), decodes with the same length cap, and detokenizes the same way, so a float32
conversion gives the torch backend's tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tolk.errors import ModelLoadError
from tolk.models import ModelInfo, read_manifest
from tolk.translate.base import BatchPolicy, Translator, default_threads


def runtime_compute_type(stored: str, device: str, supported: set[str]) -> str:
    """Pick the compute type to load a model stored as `stored` with, on `device`."""
    if stored in supported:
        return stored
    if stored.startswith("int8") and device == "cuda" and "int8_float16" in supported:
        return "int8_float16"
    if stored.startswith("int8") and "int8" in supported:
        return "int8"
    return "float32" if device == "cpu" else "auto"


class Ct2Translator(Translator):
    """Translate with a CTranslate2 conversion of a Marian model."""

    backend = "ct2"
    cpu_max_batch_sentences = 32

    @classmethod
    def runtime(cls, info: ModelInfo, device: str = "auto") -> tuple[str, str]:
        import ctranslate2

        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        supported = set(ctranslate2.get_supported_compute_types(device))
        return device, runtime_compute_type(info.compute_type, device, supported)

    def __init__(
        self,
        info: ModelInfo,
        policy: BatchPolicy | None = None,
        device: str = "auto",
        threads: int = 0,
    ) -> None:
        super().__init__(policy)
        import ctranslate2
        from transformers import MarianTokenizer

        self.device, self.compute_type = self.runtime(info, device)
        device = self.device
        # Older conversions may lack the tokenizer files: take them from the source model.
        tokenizer_dir = info.path if (info.path / "source.spm").exists() else info.source
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(tokenizer_dir)
            self.model = ctranslate2.Translator(
                str(info.path),
                device=device,
                compute_type=self.compute_type,
                # On CPU, one core per batch and batches in parallel: a Marian step's matrices
                # are too small to split across cores well (measured 1.9x with 2 cores).
                intra_threads=1 if device == "cpu" else threads or default_threads(),
                inter_threads=(threads or default_threads()) if device == "cpu" else 1,
            )
        except (OSError, ValueError, RuntimeError, TypeError) as error:
            raise ModelLoadError(
                f"{info.path}: cannot load the CTranslate2 model ({error}); convert it again "
                "with `tolk models convert`"
            ) from None
        self.max_input_tokens = info.max_input_tokens
        self.default_beams = info.default_beams
        self.forced_eos = bool(read_manifest(info.path).get("forced_eos", True))
        # Rows (sentences x beams) per decoding call; 0: no limit. 32 is fastest on CPU.
        self.max_decoding_rows = 32 if device == "cpu" else 0

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def decoding_lengths(self, lengths: Sequence[int], width: int) -> tuple[int, int]:
        """Return the fewest and most tokens to decode for sources of `lengths` in a batch."""
        # The torch backend's cap, from the padded width of the whole batch:
        # max_new_tokens=min(limit, 2*width+16). transformers then forces EOS as the last of
        # those tokens; CTranslate2 stops without one, so it stops a token earlier.
        cap = min(self.max_input_tokens, 2 * width + 16)
        return 1, cap - 1 if self.forced_eos else cap

    def _submit(self, texts: Sequence[str], beams: int) -> list:
        """Queue one batch for decoding; return its pending results."""
        beams = beams or self.default_beams
        ids = self.tokenizer(list(texts))["input_ids"]
        source = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        # Beam search decodes sentences x beams rows: keep that near the fastest row count.
        step = max(1, self.max_decoding_rows // beams) if self.max_decoding_rows else len(ids)
        jobs = []
        for start in range(0, len(ids), step):
            chunk = slice(start, start + step)
            lengths = [len(row) for row in ids[chunk]]
            shortest, longest = self.decoding_lengths(lengths, max(map(len, ids)))
            jobs += self.model.translate_batch(
                source[chunk],
                beam_size=beams,
                max_input_length=0,  # the base class has already split over-long sentences
                min_decoding_length=shortest,
                max_decoding_length=longest,
                asynchronous=True,
            )
        return jobs

    def _collect(self, jobs: list) -> list[str]:
        targets = [self.tokenizer.convert_tokens_to_ids(j.result().hypotheses[0]) for j in jobs]
        return self.tokenizer.batch_decode(targets, skip_special_tokens=True)

    def decode_batch(self, texts: Sequence[str], beams: int) -> list[str]:
        return self._collect(self._submit(texts, beams))

    def decode_batches(self, batches: Sequence[Sequence[str]], beams: int) -> Iterator[list[str]]:
        """Queue every batch at once, so each CPU core decodes one; yield them in order."""
        pending = [self._submit(texts, beams) for texts in batches]
        for jobs in pending:
            yield self._collect(jobs)

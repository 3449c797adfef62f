"""The CTranslate2 backend: a converted Marian model, int8 on CPU, CUDA when present.

It tokenizes with the same MarianTokenizer as the torch backend (SentencePiece pieces plus
"</s>"), decodes with the same per-sentence length caps (one cap per decoding call), scores
each output with `score_batch` for its confidence, and detokenizes the same way, so a float32
conversion gives the torch backend's tokens and confidences.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from tolk.errors import ModelLoadError
from tolk.models.store import ModelInfo, read_json, read_manifest, shortlist_id
from tolk.models.tuned import Ct2Settings, load_tuned
from tolk.settings import DEFAULTS
from tolk.translate.align import links
from tolk.translate.base import Translator, default_threads
from tolk.translate.batching import BatchPolicy, length_cap
from tolk.translate.repair import REPAIR, Decoded

_log = logging.getLogger("tolk")


# score_batch holds the logits of all its outputs' positions at once (~430 MB for 32 sentences
# of 50 pieces, 67,028 words); calls of 64 target tokens keep it near 17 MB on CPU. seeds/, int8
# stand-in: peak RSS 645 -> 384 MB, the same time and confidences (docs/performance.md).
CPU_SCORE_BATCH_TOKENS = 64


def runtime_compute_type(stored: str, device: str, supported: set[str]) -> str:
    """Pick the compute type to load a model stored as `stored` with, on `device`."""
    if stored in supported:
        return stored
    if stored.startswith("int8") and device == "cuda" and "int8_float16" in supported:
        return "int8_float16"
    if stored.startswith("int8") and "int8" in supported:
        return "int8"
    return "float32" if device == "cpu" else "auto"


def aligns_as_converted(source: Path | None) -> bool:
    """Say whether CTranslate2's attention output is the model's alignment head.

    CTranslate2's converter keeps the first head of the last decoder layer for
    `return_attention` (opus-mt's trained alignment head). A model whose config (in `source`,
    the transformers directory it came from) names another layer or head gets no alignment on
    this backend, rather than a wrong one.
    """
    config = source / "config.json" if source else None
    if config is None or not config.exists():
        return True
    values = read_json(config)
    layer, head = values.get("alignment_layer"), values.get("alignment_head")
    last = int(values.get("decoder_layers", 0)) - 1
    return layer in (None, -1, last) and head in (None, 0)


class Ct2Translator(Translator):
    """Translate with a CTranslate2 conversion of a Marian model."""

    backend = "ct2"
    cpu_max_batch_sentences = 32

    @classmethod
    def runtime(
        cls,
        info: ModelInfo,
        device: str = "auto",
        threads: int = DEFAULTS.threads,
        torch_dtype: str = DEFAULTS.torch_dtype,
    ) -> tuple[str, str]:
        import ctranslate2

        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        tuned = load_tuned(info, threads or default_threads()) if device == "cpu" else None
        if tuned is not None:
            return device, tuned.compute_type
        supported = set(ctranslate2.get_supported_compute_types(device))
        return device, runtime_compute_type(info.compute_type, device, supported)

    def __init__(
        self,
        info: ModelInfo,
        policy: BatchPolicy | None = None,
        device: str = "auto",
        threads: int = DEFAULTS.threads,
        settings: Ct2Settings | None = None,
        torch_dtype: str = DEFAULTS.torch_dtype,  # the torch backend's; a conversion has its own
    ) -> None:
        super().__init__(policy)
        import ctranslate2
        from transformers import MarianTokenizer

        threads = threads or default_threads()
        self.device, self.compute_type = self.runtime(info, device, threads)
        if settings is None and self.device == "cpu":
            settings = load_tuned(info, threads)
            if settings is not None:
                _log.info(f"ct2: tuned for this CPU: {settings.describe()}")
        if settings is None:
            # On CPU, one core per batch and batches in parallel: a Marian step's matrices are
            # too small to split across cores well; on a GPU one batch at a time.
            cpu = self.device == "cpu"
            settings = Ct2Settings(
                threads if cpu else 1, 1 if cpu else threads, 32 if cpu else 0, self.compute_type
            )
        self.settings = settings
        self.compute_type = settings.compute_type
        cpu_scoring = {"max_batch_size": CPU_SCORE_BATCH_TOKENS, "batch_type": "tokens"}
        self._scoring = cpu_scoring if self.device == "cpu" else {}  # a GPU scores whole batches
        # Older conversions may lack the tokenizer files: take them from the source model.
        tokenizer_dir = info.path if (info.path / "source.spm").exists() else info.source
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(tokenizer_dir)
            self.model = ctranslate2.Translator(
                str(info.path),
                device=self.device,
                compute_type=self.compute_type,
                intra_threads=settings.intra_threads,
                inter_threads=settings.inter_threads,
            )
        except (OSError, ValueError, RuntimeError, TypeError) as error:
            raise ModelLoadError(
                f"{info.path}: cannot load the CTranslate2 model ({error}); convert it again "
                "with `tolk models convert`"
            ) from None
        self.max_input_tokens = info.max_input_tokens
        self.default_beams = info.default_beams
        self.aligns = aligns_as_converted(info.source)
        self.forced_eos = bool(read_manifest(info.path).get("forced_eos", True))
        # Rows (sentences x beams) per decoding call; 0: no limit.
        self.max_decoding_rows = settings.rows_per_call
        # A vocabulary shortlist (`tolk models shortlist`) limits the output layer per batch.
        self.shortlist = shortlist_id(info)
        self.recorder: list | None = None  # (source, output) pieces, when a shortlist is built
        self.vocabulary_size = self.tokenizer.vocab_size
        if self.shortlist:
            _log.info(f"ct2: using the vocabulary shortlist {self.shortlist}")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def max_decoding_length(self, cap: int) -> int:
        """Return CTranslate2's length limit for an output cap (see `length_cap`).

        transformers forces the end of sentence as the cap's last token; CTranslate2 stops at
        its limit without one, so it stops a token earlier and both give the same tokens.
        """
        return cap - 1 if self.forced_eos else cap

    def _source(self, texts: Sequence[str]) -> tuple[list[list[str]], list[int]]:
        """Return the texts' source pieces and their length caps (`length_cap`)."""
        ids = self.tokenizer(list(texts))["input_ids"]
        pieces = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        return pieces, [length_cap(len(row), self.max_input_tokens) for row in ids]

    def _submit(
        self,
        texts: Sequence[str],
        beams: int,
        repair: bool = False,
        hypotheses: int = 1,
        attention: bool = False,
    ) -> list:
        """Queue one batch for decoding, in calls of one length cap each; return them."""
        beams = beams or self.default_beams
        source, caps = self._source(texts)
        # Beam search decodes sentences x beams rows: keep that near the fastest row count.
        step = max(1, self.max_decoding_rows // beams) if self.max_decoding_rows else len(texts)
        steer = REPAIR if repair else {}
        jobs, start = [], 0
        while start < len(texts):
            end = start + 1
            while end < len(texts) and end - start < step and caps[end] == caps[start]:
                end += 1
            limit = self.max_decoding_length(caps[start])
            pending = self.model.translate_batch(
                source[start:end],
                beam_size=beams,
                use_vmap=bool(self.shortlist),
                max_input_length=0,  # the base class has already split over-long sentences
                min_decoding_length=1,
                max_decoding_length=limit,
                asynchronous=True,
                **steer,
                **({"num_hypotheses": hypotheses} if hypotheses > 1 else {}),
                **({"return_attention": True} if attention else {}),
            )
            jobs.append((source[start:end], limit, pending))
            start = end
        return jobs

    def _score(self, jobs: list) -> list:
        """Wait for a batch's calls, then queue the scoring of their outputs; return it all.

        Scoring is queued rather than awaited, so both cores keep working: awaited, it ran on
        one core while the other had nothing left to decode (`tolk run` spent ~10% longer).
        """
        scoring = []
        for source, limit, pending in jobs:
            hypotheses = [job.result().hypotheses[0] for job in pending]
            scores = self.model.score_batch(source, hypotheses, asynchronous=True, **self._scoring)
            scoring.append((source, hypotheses, limit, scores))
        return scoring

    def _finish(self, scoring: list) -> list[Decoded]:
        """Turn a batch's outputs and their scores into Decoded rows (the confidence)."""
        decoded = []
        for source, hypotheses, limit, pending in scoring:
            scores = [job.result() for job in pending]
            for source_row, hypothesis, scored in zip(source, hypotheses, scores, strict=True):
                capped = len(hypothesis) >= limit
                if self.recorder is not None:
                    self.recorder.append((source_row, hypothesis))
                # score_batch scores an end of sentence after the output; one cut at its cap
                # never chose it.
                log_probs = scored.log_probs[:-1] if capped else scored.log_probs
                decoded.append(
                    Decoded(
                        self._detokenized(hypothesis),
                        sum(log_probs) / len(log_probs) if log_probs else None,
                        capped,
                        len(log_probs),
                        pieces=tuple(hypothesis),
                    )
                )
        return decoded

    @staticmethod
    def _scored(scoring: list) -> bool:
        return all(job.done() for *_, pending in scoring for job in pending)

    def decode_candidates(self, texts: Sequence[str], beams: int, n: int) -> list[list[Decoded]]:
        return next(self.candidate_batches([texts], beams, n))

    def candidate_batches(
        self, batches: Sequence[Sequence[str]], beams: int, n: int
    ) -> Iterator[list[list[Decoded]]]:
        """Queue every batch at once, so each CPU core decodes one; yield them in order."""
        width = max(beams or self.default_beams, n)
        pending = [
            self._submit(texts, width, hypotheses=n, attention=self.aligns) for texts in batches
        ]
        for texts, jobs in zip(batches, pending, strict=True):
            yield self._candidates(texts, jobs)

    def _candidates(self, texts: Sequence[str], jobs: list) -> list[list[Decoded]]:
        """Turn a batch's n-best searches into candidates, the best scored and aligned."""
        results = [[job.result() for job in pending] for _, _, pending in jobs]
        # Only the best of each is scored now, as `decode_batch` scores it: the others are
        # scored if a glossary picks one (`scored`), which few are.
        scoring = self._score(jobs)
        found: list[list[Decoded]] = []
        plain = iter(texts)
        for (source, limit, _), batch, scored in zip(jobs, results, scoring, strict=True):
            for source_row, result, best in zip(source, batch, self._finish([scored]), strict=True):
                best = replace(best, text=best.text.strip())
                text = next(plain)
                if self.aligns:
                    # The alignment head's weights (CTranslate2 keeps the first head of the
                    # last layer, the one opus-mt was trained to align with): a row a token.
                    aligned = links(
                        source_row, text, result.hypotheses[0], best.text, result.attention[0]
                    )
                    best = replace(best, links=aligned)
                others = [  # their confidence None until chosen (`scored`)
                    Decoded(
                        self._detokenized(hypothesis),
                        capped=len(hypothesis) >= limit,
                        pieces=tuple(hypothesis),
                    )
                    for hypothesis in result.hypotheses[1:]
                ]
                found.append([best, *others])
        return found

    def scored(self, text: str, decoded: Decoded) -> Decoded:
        if decoded.confidence is not None or not decoded.pieces:
            return decoded
        [source], [cap] = self._source([text])
        rows, outputs = [source], [list(decoded.pieces)]
        pending = self.model.score_batch(rows, outputs, asynchronous=True)
        [done] = self._finish([(rows, outputs, self.max_decoding_length(cap), pending)])
        return replace(decoded, confidence=done.confidence, tokens=done.tokens)

    def aligned(self, text: str, decoded: Decoded) -> Decoded:
        if decoded.links or not decoded.text or not self.aligns:
            return decoded
        [source], _ = self._source([text])
        target = list(decoded.pieces)  # as decoded; else as the tokenizer splits the text
        if not target:
            output = self.tokenizer(text_target=decoded.text)["input_ids"][:-1]  # no </s>
            target = self.tokenizer.convert_ids_to_tokens(output)
        # The output forced as a prefix: CTranslate2 gives the attention of its tokens too.
        [result] = self.model.translate_batch(
            [source],
            target_prefix=[target],
            beam_size=1,
            max_decoding_length=len(target) + 1,
            return_attention=True,
        )
        attention = result.attention[0][: len(target)]
        return replace(decoded, links=links(source, text, target, decoded.text, attention))

    def _detokenized(self, hypothesis: Sequence[str]) -> str:
        ids = self.tokenizer.convert_tokens_to_ids(list(hypothesis))
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        return self._finish(self._score(self._submit(texts, beams, repair)))

    def decode_batches(
        self, batches: Sequence[Sequence[str]], beams: int, repair: bool = False
    ) -> Iterator[list[Decoded]]:
        """Queue every batch at once, so each CPU core decodes one; yield them in order."""
        pending = [self._submit(texts, beams, repair) for texts in batches]
        scoring: deque[list] = deque()
        for jobs in pending:
            scoring.append(self._score(jobs))
            while scoring and self._scored(scoring[0]):
                yield self._finish(scoring.popleft())
        while scoring:
            yield self._finish(scoring.popleft())

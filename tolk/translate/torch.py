"""The transformers backend: the reference implementation, fp32 on CPU, CUDA when present.

Each sentence gets its own length cap (`length_cap`), applied per row by a logits processor
that forces the end of sentence there, so a sentence decodes the same whatever shares its
batch. Confidence is the mean log-probability of the output's tokens under the model, read off
the beam search (`tolk.translate.torch_search`), or from one teacher-forced pass where the
search's numbers are not the model's (a repair, greedy search): the same quantity the ct2
backend computes with `score_batch`, and untouched by the repair settings that steered the
search. For a glossary, the n-best carry the alignment head's links
(`tolk.translate.torch_align`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

from tolk.errors import ModelLoadError
from tolk.models.store import ModelInfo
from tolk.settings import DEFAULTS, TORCH_DTYPES
from tolk.translate.align import links
from tolk.translate.base import Translator
from tolk.translate.batching import BatchPolicy, length_cap
from tolk.translate.repair import REPAIR, Decoded
from tolk.translate.torch_align import StepAlignment, forced_alignment
from tolk.translate.torch_search import StepScores, row_caps_processor

SCORE_POSITIONS = 16  # output positions projected onto the 67k-word vocabulary at once


def check_tied_embeddings(model) -> None:
    """Fail loudly when a model's config ties the output projection but loading did not."""
    if not getattr(model.config, "tie_word_embeddings", True):
        return
    import torch

    out = model.get_output_embeddings().weight
    inp = model.get_decoder().get_input_embeddings().weight
    if out.data_ptr() == inp.data_ptr() or (out.shape == inp.shape and torch.equal(out, inp)):
        return
    raise ModelLoadError(
        f"{model.config.name_or_path}: the config ties the output projection to the input "
        "embeddings, but after loading they differ; this transformers version mis-loads the "
        "model (see transformers#45005): install another transformers release"
    )


def cpu_only_torch() -> bool:
    """Say whether the installed torch is a CPU-only build ("2.13.0+cpu"), without importing
    it: the import alone takes seconds, which a run with nothing to translate need not pay."""
    try:
        return version("torch").endswith("+cpu")
    except PackageNotFoundError:
        return False


def _cuda_or_cpu() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class TorchTranslator(Translator):
    """Translate with `transformers` MarianMTModel."""

    backend = "torch"
    cpu_max_batch_sentences = 16

    @classmethod
    def runtime(
        cls,
        info: ModelInfo,
        device: str = "auto",
        threads: int = DEFAULTS.threads,
        torch_dtype: str = DEFAULTS.torch_dtype,
    ) -> tuple[str, str]:
        if torch_dtype not in TORCH_DTYPES:
            raise ValueError(f"torch_dtype {torch_dtype!r}: give one of {', '.join(TORCH_DTYPES)}")
        if device == "auto":
            device = "cpu" if cpu_only_torch() else _cuda_or_cpu()
        return device, torch_dtype

    def __init__(
        self,
        info: ModelInfo,
        policy: BatchPolicy | None = None,
        device: str = "auto",
        threads: int = DEFAULTS.threads,
        torch_dtype: str = DEFAULTS.torch_dtype,
    ) -> None:
        super().__init__(policy)
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        self.threads = threads
        self._pin_threads(torch)
        self.device, self.compute_type = self.runtime(info, device, threads, torch_dtype)
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(info.path)
            # safetensors only: a pickled .bin can run code when loaded.
            model = MarianMTModel.from_pretrained(info.path, use_safetensors=True)
        except (OSError, ValueError, RuntimeError, TypeError) as error:
            raise ModelLoadError(
                f"{info.path}: cannot load the Marian model ({type(error).__name__}: {error}); "
                "pull the model again, or point --model at a complete Marian directory"
            ) from None
        check_tied_embeddings(model)
        # bfloat16 weights run on AMX / AVX-512 BF16 where the CPU has them (the scores are
        # still taken in float32, see _score).
        self.model = model.to(self.device, dtype=getattr(torch, self.compute_type)).eval()
        self.max_input_tokens = info.max_input_tokens
        self.pad = model.config.pad_token_id
        self.eos = model.config.eos_token_id
        self.start = model.config.decoder_start_token_id
        # The cross-attention head that aligns: opus-mt's is the first of the last layer (a
        # `transformer-align` model); a model may name another in its config.
        layer = getattr(model.config, "alignment_layer", None)
        head = getattr(model.config, "alignment_head", None)
        self.alignment = (-1 if layer is None else int(layer), 0 if head is None else int(head))
        self._torch = torch

    def _pin_threads(self, torch) -> None:
        """Decode with this translator's thread count in whichever thread calls it.

        torch keeps the count per thread once a thread has used it: `set_num_threads` in the
        thread that loaded the model leaves the others (the main thread, a Prefect task
        runner's pool threads) on whatever they had, so the flow and the library could split
        the same matrix products differently, and MKL's sums need not agree across counts.
        """
        if self.threads > 0 and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        return [found[0] for found in self._search(texts, beams, 1, repair)]

    def decode_candidates(self, texts: Sequence[str], beams: int, n: int) -> list[list[Decoded]]:
        return self._search(texts, max(beams, n), n, align=True)

    def _search(
        self, texts: Sequence[str], width: int, n: int, repair: bool = False, align: bool = False
    ) -> list[list[Decoded]]:
        """Decode a batch in one beam search of `width` beams; give each text's `n` best, best
        first. With `align`, the best carries its links (the alignment head, read during the
        search); a repaired or aligned output keeps its pieces, to be aligned later."""
        self._pin_threads(self._torch)
        batch = self.tokenizer(list(texts), return_tensors="pt", padding=True).to(self.device)
        caps = [length_cap(int(m), self.max_input_tokens) for m in batch["attention_mask"].sum(1)]
        from transformers import LogitsProcessorList

        # The search's own log-probabilities give the confidence, without a second pass, where
        # they are the model's: a repair's are bent by its penalties, greedy search has none.
        steps = StepScores(2 * width) if width > 1 and not repair else None
        processors = [row_caps_processor(caps, width, self.eos)]
        aligning = (
            StepAlignment(self.model, self.alignment, batch["attention_mask"], width)
            if align
            else None
        )
        with self._torch.inference_mode():
            with aligning.hook if aligning else nullcontext():  # the search's steps only
                generated = self.model.generate(
                    **batch,
                    num_beams=width,
                    num_return_sequences=n,
                    do_sample=False,
                    max_length=None,
                    max_new_tokens=max(caps),
                    logits_processor=LogitsProcessorList(
                        [steps, *processors] if steps else processors
                    ),
                    return_dict_in_generate=True,
                    **(REPAIR if repair else {}),
                )
            outputs = generated.sequences[:, 1:]  # after the decoder start token
            beam_indices = getattr(generated, "beam_indices", None)
            del generated  # it holds the search's key/value cache
            row_caps = [cap for cap in caps for _ in range(n)]
            lengths = (outputs != self.pad).sum(1).tolist()
            capped = [m >= cap for m, cap in zip(lengths, row_caps, strict=True)]
            counted = self._counted(outputs, capped)
            scored = steps.confidence(beam_indices, outputs, counted) if steps else None
            if scored is None:  # a token outside the kept log-probabilities: score them all
                rows = batch if n == 1 else {k: v.repeat_interleave(n, 0) for k, v in batch.items()}
                scored = self._score(rows, outputs, capped)
            confidence, counted = scored
            if aligning:
                attention = aligning.weights(beam_indices, slice(None, None, n))
                if attention is None:  # greedy: no beams to follow back
                    attention = forced_alignment(
                        self.model, self.alignment, batch, outputs[::n], self.start
                    )
                attention = attention.tolist()
        texts_out = self.tokenizer.batch_decode(outputs, skip_special_tokens=True)
        keep = repair or align
        decoded = [
            Decoded(text.strip(), conf, cap, m, pieces=tuple(self._pieces(row)) if keep else ())
            for text, conf, cap, m, row in zip(
                texts_out, confidence, capped, counted, outputs, strict=True
            )
        ]
        found = [decoded[i * n : (i + 1) * n] for i in range(len(texts))]
        if aligning:
            for i, (text, row) in enumerate(zip(texts, found, strict=True)):
                source = self._pieces(batch["input_ids"][i])
                best = row[0]
                row[0] = replace(
                    best, links=links(source, text, list(best.pieces), best.text, attention[i])
                )
        return found

    def aligned(self, text: str, decoded: Decoded) -> Decoded:
        if decoded.links or not decoded.text:
            return decoded
        self._pin_threads(self._torch)
        batch = self.tokenizer([text], return_tensors="pt").to(self.device)
        if decoded.pieces:  # as decoded; else as the tokenizer splits the text
            ids = [self.tokenizer.convert_tokens_to_ids(list(decoded.pieces))]
            outputs = self._torch.tensor(ids)
        else:
            outputs = self.tokenizer(text_target=[decoded.text], return_tensors="pt")["input_ids"]
        with self._torch.inference_mode():
            attention = forced_alignment(
                self.model, self.alignment, batch, outputs.to(self.device), self.start
            )
        source, target = self._pieces(batch["input_ids"][0]), self._pieces(outputs[0])
        return replace(
            decoded, links=links(source, text, target, decoded.text, attention[0].tolist())
        )

    def _pieces(self, ids) -> list[str]:
        """Return the pieces of a row of token ids, padding left out."""
        return self.tokenizer.convert_ids_to_tokens([t for t in ids.tolist() if t != self.pad])

    def _counted(self, outputs, capped: list[bool]):
        """Mark the output tokens a confidence averages over: all but padding and, for an
        output cut at its cap, the end-of-sentence the cap forced (not the model's choice; the
        ct2 backend leaves it out too)."""
        counted = outputs != self.pad
        last = counted.sum(1) - 1
        for row, cut in enumerate(capped):
            if cut and int(last[row]) >= 0 and int(outputs[row, last[row]]) == self.eos:
                counted[row, last[row]] = False
        return counted

    def _score(self, batch, outputs, capped: list[bool]) -> tuple[list[float], list[int]]:
        """Mean log-probability of each output's tokens under the model (one forced pass)."""
        torch = self._torch
        counted = self._counted(outputs, capped)
        start = torch.full_like(outputs[:, :1], self.start)
        decoder_input = torch.cat([start, outputs[:, :-1]], dim=1)
        hidden = self.model.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=decoder_input,
        ).last_hidden_state
        total = torch.zeros(outputs.shape[0], device=outputs.device)
        for at in range(0, outputs.shape[1], SCORE_POSITIONS):
            window = slice(at, at + SCORE_POSITIONS)
            logits = self.model.lm_head(hidden[:, window]) + self.model.final_logits_bias
            chosen = torch.log_softmax(logits.float(), dim=-1).gather(
                -1, outputs[:, window].unsqueeze(-1)
            )
            total += (chosen.squeeze(-1) * counted[:, window]).sum(1)
        tokens = counted.sum(1)
        means = (total / tokens.clamp(min=1)).tolist()
        return means, tokens.tolist()

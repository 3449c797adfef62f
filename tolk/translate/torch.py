"""The transformers backend: the reference implementation, fp32 on CPU, CUDA when present."""

from __future__ import annotations

from collections.abc import Sequence

from tolk.errors import ModelLoadError
from tolk.models import ModelInfo
from tolk.translate.base import BatchPolicy, Translator


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


class TorchTranslator(Translator):
    """Translate with `transformers` MarianMTModel."""

    backend = "torch"
    cpu_max_batch_sentences = 16

    @classmethod
    def runtime(cls, info: ModelInfo, device: str = "auto") -> tuple[str, str]:
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        return device, "float32"

    def __init__(
        self,
        info: ModelInfo,
        policy: BatchPolicy | None = None,
        device: str = "auto",
        threads: int = 0,
    ) -> None:
        super().__init__(policy)
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        if threads > 0:
            torch.set_num_threads(threads)
        self.device, self.compute_type = self.runtime(info, device)
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
        self.model = model.to(self.device).eval()
        self.max_input_tokens = info.max_input_tokens
        self._torch = torch

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def decode_batch(self, texts: Sequence[str], beams: int) -> list[str]:
        batch = self.tokenizer(list(texts), return_tensors="pt", padding=True)
        batch = batch.to(self.device)
        width = batch["input_ids"].shape[1]
        with self._torch.inference_mode():
            generated = self.model.generate(
                **batch,
                num_beams=beams,
                do_sample=False,
                # Room for an English sentence a bit longer than its Dutch source, no runaway loops.
                max_length=None,
                max_new_tokens=min(self.max_input_tokens, 2 * width + 16),
            )
        return self.tokenizer.batch_decode(generated, skip_special_tokens=True)

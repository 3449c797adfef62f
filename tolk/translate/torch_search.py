"""What the torch backend adds to transformers' beam search: a length cap per sentence, and the
log-probabilities the search saw, for the confidence.

Takes the sentences' caps, or a beam width; gives logits processors for `generate`.
`row_caps_processor` forces the end of sentence at each sentence's own cap, so a sentence
decodes the same whatever shares its batch; `StepScores` keeps each step's best
log-probabilities and reads each output's confidence off them (`TorchTranslator._score`'s
forced pass is the fallback). The alignment head is read the same way, in
`tolk.translate.torch_align`.
"""

from __future__ import annotations

from collections.abc import Sequence


def row_caps_processor(caps: Sequence[int], beams: int, eos: int):
    """Return a logits processor that ends each sentence's beams at that sentence's cap."""
    import torch
    from transformers import LogitsProcessor

    class RowCaps(LogitsProcessor):
        def __init__(self) -> None:
            self.caps = torch.tensor(caps).repeat_interleave(beams)

        def __call__(self, input_ids, scores):
            generated = input_ids.shape[1] - 1  # after the decoder start token
            due = (generated >= self.caps.to(scores.device) - 1).nonzero().flatten()
            if len(due):
                scores[due] = float("-inf")
                scores[due, eos] = 0.0
            return scores

    return RowCaps()


class StepScores:
    """A logits processor that keeps, at each step of a beam search, every row's best `keep`
    log-probabilities, before any processor bends them.

    Beam search keeps the best 2 x beams continuations of a sentence over all its rows, so a
    token it chooses is always among its own row's best 2 x beams: following the beams back
    (`beam_indices`) gives each output token's log-probability, the same quantity the forced
    pass of `TorchTranslator._score` computes, for the cost of a top-k per step.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.values: list = []
        self.indices: list = []

    def __call__(self, input_ids, scores):
        values, indices = scores.topk(self.keep, dim=-1)
        self.values.append(values)
        self.indices.append(indices)
        return scores

    def confidence(self, beam_indices, outputs, counted) -> tuple[list[float], list[int]] | None:
        """Return each output's mean log-probability per counted token and the count, or None
        when a token is not among those kept (then the forced pass must score them)."""
        import torch

        steps = outputs.shape[1]
        if beam_indices is None or len(self.values) < steps or beam_indices.shape[1] < steps:
            return None
        rows = beam_indices[:, :steps].clamp(min=0)
        at = torch.arange(steps)
        values = torch.stack(self.values[:steps], dim=1)[rows, at]  # outputs x steps x keep
        chosen = torch.stack(self.indices[:steps], dim=1)[rows, at] == outputs.unsqueeze(-1)
        if bool((counted & ~chosen.any(-1)).any()):
            return None
        scores = torch.where(chosen, values, torch.zeros_like(values)).sum(-1)
        total = torch.where(counted, scores, torch.zeros_like(scores)).sum(1)
        tokens = counted.sum(1)
        return (total / tokens.clamp(min=1)).tolist(), tokens.tolist()

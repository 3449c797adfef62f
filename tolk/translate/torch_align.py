"""Read a Marian model's alignment head in transformers: during its beam search, or forced.

Takes a loaded MarianMTModel and the (layer, head) that aligns (opus-mt: the first head of the
last decoder layer, a `transformer-align` model); gives, for each output token, that head's
attention over the source tokens. `StepAlignment` keeps the head's weights at every step of a
beam search, for the cost of one small product per step, and follows the beams back
(`beam_indices`) as `tolk.translate.torch_search.StepScores` does for the scores; `forced_alignment`
reads them in one forced pass where the search gave no beams to follow (greedy). Both compute
the head from its own projections, whatever attention implementation the model decodes with.
"""

from __future__ import annotations

import threading


def _project(projection, head: int, head_dim: int, states):
    """Return one head's slice of a projection of `states` (that slice alone is computed)."""
    from torch.nn.functional import linear

    columns = slice(head * head_dim, (head + 1) * head_dim)
    bias = None if projection.bias is None else projection.bias[columns]
    return linear(states, projection.weight[columns], bias)


def _keys(attention, head: int, memory):
    """Return one head's keys over the encoder's output."""
    return _project(attention.k_proj, head, attention.head_dim, memory)


def _head(attention, head: int, query, keys, mask):
    """Return one head's attention weights, rows x queries x source, padding left out."""
    q = _project(attention.q_proj, head, attention.head_dim, query) * attention.scaling
    scores = (q @ keys.transpose(-1, -2)).float()
    return scores.masked_fill(mask[:, None, :] == 0, float("-inf")).softmax(-1)


class _Hook:
    """Call `keep(query, memory)` for the cross-attention of one decoder layer, from this
    thread only (another thread may decode on the same model), while in a `with` block."""

    def __init__(self, model, layer: int, keep) -> None:
        self.attention = model.model.decoder.layers[layer].encoder_attn
        self.keep = keep
        self.caller = threading.get_ident()

    def _seen(self, module, args, kwargs, result) -> None:
        if threading.get_ident() == self.caller:
            self.keep(args[0] if args else kwargs["hidden_states"], kwargs["key_value_states"])

    def __enter__(self) -> _Hook:
        self.handle = self.attention.register_forward_hook(self._seen, with_kwargs=True)
        return self

    def __exit__(self, *exc) -> None:
        self.handle.remove()


class StepAlignment:
    """Keep the alignment head's weights at each step of a beam search over `mask`'s source
    (`mask`: the batch's attention mask; the search has `width` rows a sentence)."""

    def __init__(self, model, alignment: tuple[int, int], mask, width: int) -> None:
        self.head = alignment[1]
        self.mask = mask.repeat_interleave(width, dim=0)
        self.steps: list = []
        self.memory = self.keys = None
        self.hook = _Hook(model, alignment[0], self._keep)

    def _keep(self, query, memory) -> None:
        rows = query.shape[0]
        if memory is not self.memory:  # the search passes the same encoder output every step
            self.memory, self.keys = memory, _keys(self.hook.attention, self.head, memory)
        weights = _head(self.hook.attention, self.head, query, self.keys, self.mask[:rows])
        self.steps.append(weights[:, -1])  # the step's one new token, rows x source

    def weights(self, beam_indices, rows):
        """Return the weights for the outputs `rows` of the search (`beam_indices` as
        `generate` gives them), outputs x steps x source; None without beams to follow."""
        import torch

        if beam_indices is None or not self.steps:
            return None
        steps = min(len(self.steps), beam_indices.shape[1])
        at = torch.arange(steps)
        followed = beam_indices[rows, :steps].clamp(min=0)
        return torch.stack(self.steps[:steps], dim=1)[followed, at]


def forced_alignment(model, alignment: tuple[int, int], batch, outputs, start: int):
    """Return the alignment head's weights for given outputs, read in one forced pass:
    outputs x tokens x source."""
    import torch

    seen: dict = {}
    hook = _Hook(model, alignment[0], lambda query, memory: seen.update(q=query, m=memory))
    with hook:
        first = torch.full_like(outputs[:, :1], start)
        model.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=torch.cat([first, outputs[:, :-1]], dim=1),
        )
    keys = _keys(hook.attention, alignment[1], seen["m"])
    return _head(hook.attention, alignment[1], seen["q"], keys, batch["attention_mask"])

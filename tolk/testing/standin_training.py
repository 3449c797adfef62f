"""Teach a Marian model to copy its source through a fixed mapping of word pieces, then stop.

Takes a freshly initialised MarianMTModel and tokenized Dutch sentences; leaves the model
trained in place. Training from random weights does not find the alignment between source and
target positions in the few hundred steps two CPU cores allow (the loss stays at the pieces'
unigram entropy), so the model starts from a wiring that already copies: the embeddings keep
tokens and positions apart, the last decoder layer's cross-attention attends by position (its
first head is then the alignment head, where opus-mt's trained one is), and every other
residual branch starts at zero. Training then fixes what the wiring gets wrong (the first
positions), and label smoothing leaves the output distributions as soft as a real model's.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator

_LETTER = re.compile(r"[^\W\d_]")


def piece_mapping(pieces: list[str]) -> list[int]:
    """Map each piece's id to its "English" id: letter pieces swap in pairs, others stay.

    Pairs are neighbours in the vocabulary (so of similar frequency) of the same kind, word start
    or not, so the English has as many words as the Dutch; numbers, punctuation and special
    tokens are copied, as a translation would.
    """
    mapping = list(range(len(pieces)))
    waiting: dict[bool, int] = {}
    for i, piece in enumerate(pieces):
        if piece.startswith("<") or not _LETTER.search(piece):
            continue
        kind = piece.startswith("\u2581")
        if kind in waiting:
            j = waiting.pop(kind)
            mapping[i], mapping[j] = j, i
        else:
            waiting[kind] = i
    return mapping


def subspaces(d_model: int) -> tuple[list[int], list[int]]:
    """Split the model's dimensions: the fastest half of the sinusoids, and the rest for tokens."""
    quarter = d_model // 4
    half = d_model // 2
    position = [*range(quarter), *range(half, half + quarter)]
    token = [*range(quarter, half), *range(half + quarter, d_model)]
    return position, token


def init_embeddings(weight, mapping: list[int], pad: int, seed: int) -> None:
    """Fill the shared embeddings with unit vectors in the token dimensions, English turned.

    The English piece of a Dutch piece [a, b] is [b, a] (pieces copied are [a, a]), so copying
    through the mapping is one linear map, right for pieces never seen in training too. Equal
    norms keep any token from pulling attention towards its position.
    """
    import torch

    _, token = subspaces(weight.shape[1])
    half = len(token) // 2
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.randn(weight.shape[0], len(token), generator=generator)
    source = torch.tensor([i for i, j in enumerate(mapping) if j > i], dtype=torch.long)
    target = torch.tensor([mapping[i] for i in source.tolist()], dtype=torch.long)
    vectors[target] = torch.cat([vectors[source, half:], vectors[source, :half]], dim=1)
    same = torch.tensor([i for i, j in enumerate(mapping) if j == i], dtype=torch.long)
    vectors[same, half:] = vectors[same, :half]
    with torch.no_grad():
        weight.zero_()
        weight[:, token] = vectors / vectors.norm(dim=1, keepdim=True)
        weight[pad] = 0


def wire_copy(model, attention_scale: float, copy_gain: float) -> None:
    """Make the model copy at the start: position-matching cross-attention, identity elsewhere."""
    import torch

    config = model.config
    d, heads = config.d_model, config.decoder_attention_heads
    size = d // heads
    position, token = subspaces(d)
    with torch.no_grad():
        for layer in [*model.model.encoder.layers, *model.model.decoder.layers]:
            blocks = [layer.self_attn.out_proj, layer.fc2]
            blocks += [layer.encoder_attn.out_proj] if hasattr(layer, "encoder_attn") else []
            for block in blocks:  # a zero residual branch: the layer passes its input on
                block.weight.zero_()
                block.bias.zero_()
        # The last layer's: the layers before it pass their input on (zero branches, and a
        # LayerNorm of a LayerNorm's output changes nothing), so it sees what the first would.
        attention = model.model.decoder.layers[-1].encoder_attn
        for projection in (attention.q_proj, attention.k_proj, attention.v_proj):
            projection.weight.zero_()
            projection.bias.zero_()
        # Half the heads each match one band of sinusoid frequencies between decoder step t and
        # source position t, centred so that LayerNorm's shift of the mean cancels out.
        bands = heads // 2
        centred = attention_scale * (torch.eye(size) - 1.0 / size)
        for head in range(bands):
            frequencies = [j for j in range(d // 4) if j % bands == head]
            columns = frequencies + [d // 2 + j for j in frequencies]
            rows = slice(head * size, (head + 1) * size)
            attention.q_proj.weight[rows, columns] = centred
            attention.k_proj.weight[rows, columns] = centred
        # Their values carry the source token; the output turns it into its English piece.
        half = len(token) // 2
        for i, dim in enumerate(token):
            attention.v_proj.weight[i, dim] = 1.0
            attention.out_proj.weight[token[(i + half) % len(token)], i] = copy_gain


def epoch_examples(sentences: list[list[int]], rng: random.Random, longest: int) -> list[list[int]]:
    """Return one epoch's sources: each sentence, a quarter of them joined to another."""
    examples = []
    for ids in sentences:
        if rng.random() < 0.25:
            ids = ids[:-1] + rng.choice(sentences)  # a long source, still one </s>
        examples.append(ids[: longest - 1] + ids[-1:])
    return examples


def batches(
    sentences: list[list[int]], batch_tokens: int, longest: int, rng: random.Random
) -> Iterator[list[list[int]]]:
    """Yield batches of examples of similar length, in random order, epoch after epoch."""
    while True:
        examples = epoch_examples(sentences, rng, longest)
        order = sorted(range(len(examples)), key=lambda i: (len(examples[i]), rng.random()))
        groups: list[list[int]] = [[]]
        for i in order:
            if groups[-1] and (len(groups[-1]) + 1) * len(examples[i]) > batch_tokens:
                groups.append([])
            groups[-1].append(i)
        rng.shuffle(groups)
        for group in groups:
            yield [examples[i] for i in group]


def tensors(batch: list[list[int]], mapping: list[int], pad: int):
    """Return the source ids, decoder inputs and labels (-100 on padding) of a batch."""
    import torch

    width = max(map(len, batch))
    source = torch.full((len(batch), width), pad)
    labels = torch.full((len(batch), width), -100)
    table = torch.tensor(mapping)
    for row, ids in enumerate(batch):
        source[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(ids)] = table[torch.tensor(ids)]
    decoder = torch.cat([torch.full((len(batch), 1), pad), labels[:, :-1]], dim=1)
    decoder[decoder < 0] = pad
    return source, decoder, labels


def piece_logits(model, batch, mapping: list[int]):
    """Return the logits over the used pieces only, and the labels, for a batch."""
    pad = model.config.pad_token_id
    source, decoder, labels = tensors(batch, mapping, pad)
    hidden = model.model(
        input_ids=source, attention_mask=source != pad, decoder_input_ids=decoder
    ).last_hidden_state
    # The other 60k words of the output layer never win (their bias is very low): leaving them
    # out saves most of a step and changes nothing.
    return hidden @ model.get_input_embeddings().weight[: len(mapping)].T, labels


def evaluate(model, sentences: list[list[int]], mapping: list[int]) -> tuple[float, float]:
    """Return the loss and token accuracy, teacher-forced, on held-out sentences."""
    import torch

    with torch.inference_mode():
        logits, labels = piece_logits(model, sentences, mapping)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten())
        kept = labels != -100
        right = (logits.argmax(-1) == labels) & kept
    return loss.item(), (right.sum() / kept.sum()).item()


def train(
    model,
    sentences: list[list[int]],
    mapping: list[int],
    recipe,
    bfloat16: bool,
    say: Callable[[str], None],
) -> list[float]:
    """Train `model` to copy its sources through `mapping` and stop; return each step's loss."""
    import torch

    rng = random.Random(recipe.seed)
    torch.manual_seed(recipe.seed)
    model.get_input_embeddings().weight.requires_grad_(False)  # keeps the turn exact
    for part in (model.model.encoder, model.model.decoder):
        part.embed_positions.weight.requires_grad_(False)  # sinusoids: never saved
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=recipe.learning_rate, betas=(0.9, 0.98), eps=1e-9)
    steps, warmup = recipe.steps, recipe.warmup
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, (steps - s) / max(1, steps - warmup))
    )
    model.eval()  # no dropout: a few hundred steps of copying are far from overfitting
    stream = batches(sentences, recipe.batch_tokens, recipe.max_tokens, rng)
    losses: list[float] = []
    started = time.perf_counter()
    for step in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits, labels = piece_logits(model, next(stream), mapping)
        loss = torch.nn.functional.cross_entropy(
            logits.float().flatten(0, 1), labels.flatten(), label_smoothing=recipe.label_smoothing
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        schedule.step()
        losses.append(loss.item())
        if (step + 1) % 10 == 0 or step + 1 == steps:
            elapsed = time.perf_counter() - started
            say(f"step {step + 1}/{steps}: loss {loss.item():.3f}, {elapsed:.0f} s")
    return losses

"""The translator base class: batching by a token budget, splitting, dedupe and order."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from tolk.checks.flags import flag_pair
from tolk.translate.base import Translator
from tolk.translate.batching import (
    CAP_STEP,
    BatchPolicy,
    has_letters,
    length_cap,
    plan_batches,
    split_long,
)
from tolk.translate.repair import Decoded


class UpperTranslator(Translator):
    """A backend that counts words as tokens and 'translates' to upper case."""

    backend = "upper"
    compute_type = "none"
    device = "cpu"

    def __init__(self, limit: int = 50, policy: BatchPolicy | None = None) -> None:
        super().__init__(policy)
        self.max_input_tokens = limit
        self.batches: list[list[str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]  # + end of sentence

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        assert all(n <= self.max_input_tokens for n in self.count_tokens(texts))
        self.batches.append(list(texts))
        return [Decoded(text.upper(), -0.5, False, len(text.split()) + 1) for text in texts]


PLAN_CASES = [
    # lengths, budget, most sentences
    ([5, 3, 9, 1, 7, 7, 2], 20, 64),
    ([10] * 10, 35, 64),
    ([40, 1, 1, 1], 30, 64),  # one item over the budget still gets its own batch
    ([3] * 100, 4096, 16),
    ([], 100, 8),
    ([12, 30, 4, 4, 4, 18, 25, 9, 1, 60, 2], 64, 3),
]


@pytest.mark.parametrize(("lengths", "budget", "most"), PLAN_CASES)
def test_plan_batches_covers_every_index_once_within_budget(lengths, budget, most):
    policy = BatchPolicy(max_batch_tokens=budget, max_batch_sentences=most)
    batches = plan_batches(lengths, policy)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        width = max(lengths[i] for i in batch)
        assert len(batch) == 1 or width * len(batch) <= budget
        assert len(batch) <= most
    # Sorted longest first across the whole input, not per batch.
    flat = [lengths[i] for batch in batches for i in batch]
    assert flat == sorted(flat, reverse=True)


SPLIT_CASES = [
    # text, limit, the first part must end with
    ("een twee drie vier; vijf zes zeven acht negen", 6, ";"),
    ("een twee drie vier: vijf zes, zeven acht negen", 6, ":"),
    ("een twee drie, vier vijf zes, zeven acht negen tien", 6, ","),
    ("een twee drie vier vijf zes zeven acht negen tien elf twaalf", 4, ""),
    ("eentweedrievierenvijftigzesenzeventigachtennegentig", 1, ""),
]


@pytest.mark.parametrize(("text", "limit", "first_ends"), SPLIT_CASES)
def test_split_long_cuts_at_clauses_and_loses_no_text(text, limit, first_ends):
    def count(s: str) -> int:
        return len(s.split()) if " " in s.strip() else max(1, len(s) // 10)

    parts = split_long(text, count, limit)
    assert all(count(part) <= limit for part in parts)
    assert re.sub(r"\s+", "", "".join(parts)) == re.sub(r"\s+", "", text)
    assert parts[0].endswith(first_ends)


def test_split_long_keeps_short_text_whole():
    assert split_long("kort en goed", lambda s: len(s.split()), 10) == ["kort en goed"]


def test_translate_restores_order_across_batches():
    translator = UpperTranslator(policy=BatchPolicy(max_batch_tokens=12, max_batch_sentences=64))
    sentences = [" ".join(["woord"] * n) + f" {n}" for n in (3, 9, 1, 5, 2, 8, 4)]
    out = translator.translate(sentences, beams=1)
    assert [t.text for t in out] == [s.upper() for s in sentences]
    assert len(translator.batches) > 1
    # Each batch holds neighbours in length order: the longest sentences came first.
    assert translator.batches[0][0] == sentences[1]


def test_translate_copies_sentences_without_letters():
    translator = UpperTranslator()
    out = translator.translate(["12.000", "Ja.", "—", "3-2"], beams=1)
    assert [t.text for t in out] == ["12.000", "JA.", "—", "3-2"]
    assert translator.batches == [["Ja."]]
    assert not has_letters("1.000,50 %")


def test_translate_decodes_each_distinct_sentence_once():
    translator = UpperTranslator()
    out = translator.translate(["Hallo.", "Dag.", "Hallo.", "Hallo."], beams=1)
    assert [t.text for t in out] == ["HALLO.", "DAG.", "HALLO.", "HALLO."]
    decoded = [text for batch in translator.batches for text in batch]
    assert sorted(decoded) == ["Dag.", "Hallo."]
    assert translator.stats["sentences"] == 4 and translator.stats["decoded"] == 2


def test_translate_splits_and_warns_for_over_limit_sentences():
    translator = UpperTranslator(limit=5)
    long = "een twee drie vier; vijf zes zeven acht, negen tien elf"
    out = translator.translate(["Kort.", long], beams=1)
    assert (out[0].text, out[0].warning, out[0].retried) == ("KORT.", None, False)
    assert out[1].text.split() == long.upper().split()
    assert out[1].warning is not None
    assert re.fullmatch(
        r"sentence of 12 tokens is over the model's limit of 5: translated in \d+ parts cut at "
        r"clause boundaries",
        out[1].warning,
    )


def test_translate_reports_progress():
    translator = UpperTranslator(policy=BatchPolicy(max_batch_tokens=8))
    seen: list[tuple[int, int]] = []
    translator.translate(
        ["a b c", "d e f", "g h", "i"], beams=1, progress=lambda *p: seen.append(p)
    )
    assert seen[-1] == (4, 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


class LoopingTranslator(UpperTranslator):
    """Loops on sentences holding "lus" unless repairing; gives "" for "leeg" unless repairing."""

    def __init__(self, repair_helps: bool = True) -> None:
        super().__init__()
        self.repair_helps = repair_helps
        self.repairs: list[list[str]] = []

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        if repair:
            self.repairs.append(list(texts))
        out = []
        for text in texts:
            if "lus" in text and not (repair and self.repair_helps):
                out.append(Decoded("the the the the the the", -3.0, True, 7))
            elif "leeg" in text and not (repair and self.repair_helps):
                out.append(Decoded("", -4.0, False, 1))
            else:
                out.append(Decoded(text.upper(), -0.5, False, 4))
        return out


def test_loops_cuts_and_empty_outputs_are_decoded_again_and_the_better_kept():
    translator = LoopingTranslator()
    out = translator.translate(
        ["Een lus hier.", "Dit is leeg.", "Gewoon goed."], beams=2, judge=flag_pair
    )
    assert translator.repairs == [["Een lus hier.", "Dit is leeg."]]  # one batch, the bad two
    assert [t.text for t in out] == ["EEN LUS HIER.", "DIT IS LEEG.", "GEWOON GOED."]
    assert [t.retried for t in out] == [True, True, False]
    assert [t.capped for t in out] == [False, False, False]
    assert translator.stats["retried"] == 2


def test_the_judge_decides_what_is_repaired_and_each_translation_carries_its_flags():
    sentences = ["Een lus hier.", "Dit is leeg.", "Gewoon goed."]
    # Without a judge only the decoder's own signal counts: the capped loop is decoded again,
    # the empty output is not (only the text checks can tell it is wrong).
    alone = LoopingTranslator(repair_helps=False)
    out = alone.translate(sentences, beams=2)
    assert alone.repairs == [["Een lus hier."]]
    assert [t.flags for t in out] == [("cap",), (), ()]
    judged = LoopingTranslator(repair_helps=False)
    out = judged.translate(sentences, beams=2, judge=flag_pair)
    assert judged.repairs == [["Een lus hier.", "Dit is leeg."]]
    assert [t.flags for t in out] == [
        (*flag_pair("Een lus hier.", "the the the the the the"), "cap"),
        flag_pair("Dit is leeg.", ""),
        flag_pair("Gewoon goed.", "GEWOON GOED."),
    ]
    assert "repetition" in out[0].flags and "empty" in out[1].flags


def test_a_repair_that_does_no_better_keeps_the_first_output_but_says_it_tried():
    translator = LoopingTranslator(repair_helps=False)
    [out] = translator.translate(["Een lus hier."], beams=2, judge=flag_pair)
    assert (out.text, out.capped, out.retried) == ("the the the the the the", True, True)
    assert translator.translate(["Een lus hier."], beams=2, repair=False)[0].retried is False


def test_the_parts_of_a_long_sentence_share_their_confidence_by_tokens():
    translator = UpperTranslator(limit=5)
    [out] = translator.translate(["een twee drie vier; vijf zes zeven acht, negen tien elf"], 1)
    assert out.confidence == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("tokens", "cap"),
    [(1, 32), (CAP_STEP, 32), (CAP_STEP + 1, 48), (30, 80), (300, 512), (512, 512)],
)
def test_each_sentence_is_capped_from_its_own_length(tokens, cap):
    assert length_cap(tokens, limit=512) == cap


def test_a_torch_model_decodes_with_its_thread_count_in_any_thread(tiny_marian):
    """Loaded in one thread, decoded in another: the count is the translator's, not the thread's.

    torch keeps a thread count per thread, so the flow (a task runner's pool thread) and the
    library (the main thread) would otherwise split the same products differently.
    """
    import threading

    import torch

    from tolk.models.store import describe
    from tolk.translate.torch import TorchTranslator

    before = torch.get_num_threads()
    loaded: list[TorchTranslator] = []
    try:
        torch.set_num_threads(2)  # this thread has used torch: it keeps 2 from here on
        loader = threading.Thread(
            target=lambda: loaded.append(TorchTranslator(describe(tiny_marian), threads=1))
        )
        loader.start()
        loader.join()
        assert torch.get_num_threads() == 2  # the loader's count did not reach this thread
        seen = []
        real = loaded[0].model.generate
        loaded[0].model.generate = lambda **kw: seen.append(torch.get_num_threads()) or real(**kw)
        loaded[0].translate(["Het regent in Utrecht."], 1, repair=False)
        assert seen == [1]
    finally:
        torch.set_num_threads(before)


def test_each_thread_counts_its_own_work_on_a_shared_translator():
    # Two chunks in flight on one loaded model each report what they decoded, not the sum.
    import threading

    translator = UpperTranslator()
    counts: dict[str, dict] = {}

    def work(name: str, texts: list[str]) -> None:
        translator.translate(texts, beams=1)
        counts[name] = dict(translator.stats)

    threads = [
        threading.Thread(target=work, args=("a", ["Een.", "Twee."])),
        threading.Thread(target=work, args=("b", ["Drie."])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (counts["a"]["decoded"], counts["b"]["decoded"]) == (2, 1)

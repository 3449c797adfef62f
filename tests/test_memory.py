"""The translation memory: a sentence the store holds under the same signature is not decoded
again, and what it gives back is what decoding gives, byte for byte."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import article
from test_translate import UpperTranslator

from tolk.records import Digest, SentencePair, Signature, as_stored
from tolk.run import digest
from tolk.settings import Settings
from tolk.store.memory import Recent, remembered
from tolk.translate.base import Translation

# Three short articles; each update adds a paragraph and corrects one sentence.
ARTICLES = {
    "brug": "De brug in Zwolle gaat dicht. Het werk duurt drie weken.\n\n"
    "Fietsers moeten omrijden via het centrum. De gemeente vraagt om begrip.",
    "trein": "Er rijden minder treinen tussen Utrecht en Arnhem. Een storing is de oorzaak.\n\n"
    "Reizigers moeten rekening houden met vertraging. De gemeente vraagt om begrip.",
    "markt": "De markt in Deventer trekt veel bezoekers. Het weer zit mee.\n\n"
    "Kramen verkopen kaas en vis. Volgende week is er weer markt.",
}
CORRECTED = {
    "brug": ("Het werk duurt drie weken.", "Het werk duurt vier weken."),
    "trein": ("Een storing is de oorzaak.", "Een kapotte wissel is de oorzaak."),
    "markt": ("Het weer zit mee.", "Het weer zit niet mee."),
}
ADDED = "Meer informatie volgt later vandaag. Dit bericht wordt bijgewerkt."


def write(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def updated() -> dict[str, str]:
    return {
        name: text.replace(*CORRECTED[name]) + "\n\n" + ADDED for name, text in ARTICLES.items()
    }


@pytest.fixture
def decoded_texts(monkeypatch):
    """Record every text the real backends decode (they still decode it)."""
    from tolk.translate.ct2 import Ct2Translator
    from tolk.translate.torch import TorchTranslator

    texts: list[str] = []
    for cls in (TorchTranslator, Ct2Translator):
        real = cls.decode_batches

        def recorded(self, batches, beams, repair=False, *, _real=real):
            for batch in batches:
                if not repair:
                    texts.extend(batch)
            yield from _real(self, batches, beams, repair)

        monkeypatch.setattr(cls, "decode_batches", recorded)
    return texts


def untimed(page: Path) -> str:
    """A page's text without the minute it was translated in."""
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME", page.read_text(encoding="utf-8"))


def sentences(out: Path):
    table = pq.read_table(out / "sentences.parquet")
    return table.sort_by([("article_id", "ascending"), ("sentence_index", "ascending")])


@pytest.mark.slow
def test_an_update_decodes_only_its_new_and_changed_sentences(tmp_path, tiny_marian, decoded_texts):
    source = write(tmp_path / "in", ARTICLES)
    out = tmp_path / "out"
    settings = Settings(model=str(tiny_marian))
    first = digest([str(source)], out, settings)
    assert first.decoded == len(set(decoded_texts)) and first.remembered == 0

    write(source, updated())
    decoded_texts.clear()
    report = digest([str(source)], out, settings)
    new = {after for _, after in CORRECTED.values()} | {
        "Meer informatie volgt later vandaag.",
        "Dit bericht wordt bijgewerkt.",
    }
    assert sorted(decoded_texts) == sorted(new)  # the added paragraph once, for all three
    assert report.translated == 3 and report.decoded == len(new)
    # Every other sentence of the three articles came from the memory.
    stored = sentences(out)
    assert report.remembered == len(set(stored["nl"].to_pylist()) - new)
    assert report.sentence_summary.startswith(
        f"sentences: {len(new)} decoded, {report.remembered} from the translation memory"
    )

    # Byte for byte what a full translation without the memory gives: tables and pages.
    full = tmp_path / "full"
    decoded_texts.clear()
    without = digest([str(source)], full, settings.with_changes(memory=False))
    assert without.remembered == 0
    assert sorted(decoded_texts) == sorted(set(stored["nl"].to_pylist()))  # each once
    assert sentences(full).equals(sentences(out))
    pages = sorted(p.relative_to(full) for p in (full / "articles").iterdir())
    assert pages
    for page in pages:  # the same but for when it was translated
        assert untimed(full / page) == untimed(out / page), page


@pytest.mark.slow
def test_a_sentence_of_another_stored_article_is_not_decoded_again(
    tmp_path, tiny_marian, decoded_texts
):
    out = tmp_path / "out"
    settings = Settings(model=str(tiny_marian))
    digest([str(write(tmp_path / "a", {"brug": ARTICLES["brug"]}))], out, settings)
    # An agency text in a second outlet, under a headline of its own.
    copy = "Zwolle sluit brug voor drie weken\n\n" + ARTICLES["brug"]
    decoded_texts.clear()
    report = digest([str(write(tmp_path / "b", {"bericht": copy}))], out, settings)
    assert decoded_texts == ["Zwolle sluit brug voor drie weken"]
    assert report.remembered == 4

    # --no-memory decodes every sentence of the new article again.
    decoded_texts.clear()
    source = write(tmp_path / "c", {"nog-een": copy})
    report = digest([str(source)], out, settings.with_changes(memory=False))
    assert sorted(decoded_texts) == sorted({"Zwolle sluit brug voor drie weken", *brug()})
    assert report.remembered == 0


def brug() -> list[str]:
    return [
        "De brug in Zwolle gaat dicht.",
        "Het werk duurt drie weken.",
        "Fietsers moeten omrijden via het centrum.",
        "De gemeente vraagt om begrip.",
    ]


@pytest.mark.slow
def test_other_settings_do_not_share_the_memory(tmp_path, tiny_marian, decoded_texts):
    out = tmp_path / "out"
    source = write(tmp_path / "in", {"brug": ARTICLES["brug"]})
    digest([str(source)], out, Settings(model=str(tiny_marian), beams=4))
    decoded_texts.clear()
    report = digest([str(source)], out, Settings(model=str(tiny_marian), beams=2))
    assert sorted(decoded_texts) == sorted(brug()) and report.remembered == 0


@pytest.mark.slow
def test_a_run_decodes_its_own_repeats_once_across_chunks(tmp_path, tiny_marian, decoded_texts):
    texts = {"een": ARTICLES["brug"], "twee": "Nieuws uit Zwolle\n\n" + ARTICLES["brug"]}
    source = write(tmp_path / "in", texts)
    settings = Settings(model=str(tiny_marian), chunk_articles=1)
    report = digest([str(source)], tmp_path / "out", settings)
    assert sorted(decoded_texts) == sorted([*brug(), "Nieuws uit Zwolle"])
    assert report.remembered == 4 and report.translated == 2


PAIR = SentencePair("a", 0, 0, "body", "Het regent.", "It rains.")


@pytest.mark.parametrize(
    ("flags", "kept"),
    [
        ((), ()),
        (("low_confidence",), ()),  # against the article's others: worked out again
        (("glossary", "names"), ("names",)),  # the run's glossary: checked again
        (("cap", "repetition"), ("cap", "repetition")),
    ],
)
def test_a_stored_pair_is_remembered_without_the_flags_set_after_translation(flags, kept):
    translation = remembered(replace(PAIR, flags=flags, confidence=-0.5))
    assert translation is not None
    assert translation.flags == kept and translation.capped == ("cap" in kept)


def test_a_pair_that_was_not_decoded_is_not_remembered():
    assert remembered(PAIR) is None  # no confidence: a credit rendered by rule, an old row


def test_a_confidence_is_the_same_number_from_any_batch_and_from_the_table():
    # The last digits differ between batch shapes; the stored value does not.
    assert as_stored(-1.5696812868) == as_stored(-1.5696816444)
    assert as_stored(as_stored(-1.23456789)) == as_stored(-1.23456789)
    assert as_stored(None) is None


def test_the_translator_decodes_none_of_the_remembered_and_warns_as_before():
    long = "een twee drie vier; vijf zes zeven acht, negen tien elf"
    fresh = UpperTranslator(limit=5).translate(["Kort.", long, "Nieuw."], beams=1)
    memory = {
        "Kort.": Translation("SHORT.", confidence=-0.1),
        long: Translation("LONG.", confidence=-0.2),
    }
    translator = UpperTranslator(limit=5)
    out = translator.translate(["Kort.", long, "Nieuw.", "Kort."], beams=1, memory=memory)
    assert [t.text for t in out] == ["SHORT.", "LONG.", "NIEUW.", "SHORT."]
    assert [text for batch in translator.batches for text in batch] == ["Nieuw."]
    assert out[1].warning == fresh[1].warning is not None  # the warning depends on tokens only
    assert translator.stats["remembered"] == 2 and translator.stats["decoded"] == 1


def digest_of(article_id: str, dutch: list[str], beams: int) -> Digest:
    """A digest whose sentences were decoded, under a signature of `beams` beams."""
    pairs = tuple(
        SentencePair(article_id, 0, i, "body", nl, nl.upper(), confidence=-0.5)
        for i, nl in enumerate(dutch)
    )
    signature = Signature("m", "r", "torch", "float32", beams, 512, (3, 5), "0")
    return Digest(article(article_id, " ".join(dutch) or "Leeg."), pairs, (), "", "", "", signature)


def test_recent_keeps_each_signature_apart_and_stops_at_its_limit():
    recent = Recent(limit=3)
    recent.add([digest_of("x", ["Een.", "Twee."], beams=4), digest_of("y", ["Drie."], beams=2)])
    recent.add([digest_of("z", ["Vier."], beams=4)])  # past the limit: not kept
    four = digest_of("x", [], beams=4).signature
    assert set(recent.recall(four, ["Een.", "Twee.", "Drie.", "Vier."])) == {"Een.", "Twee."}


@pytest.mark.slow
def test_the_memory_keeps_what_an_interrupted_run_had_sealed(
    tmp_path, tiny_marian, decoded_texts, monkeypatch
):
    import tolk.run

    source = write(tmp_path / "in", {"a-brug": ARTICLES["brug"], "b-trein": ARTICLES["trein"]})
    out = tmp_path / "out"
    settings = Settings(model=str(tiny_marian), chunk_articles=1)
    real, calls = tolk.run.read_chunk, []

    def stopped_after_one(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the person stops the run after its first chunk
        return real(*args)

    monkeypatch.setattr(tolk.run, "read_chunk", stopped_after_one)
    with pytest.raises(KeyboardInterrupt):
        digest([str(source)], out, settings)
    monkeypatch.setattr(tolk.run, "read_chunk", real)

    # The next run finds the sealed chunk, commits it, and takes its sentences from the memory.
    write(source, {"a-brug": ARTICLES["brug"].replace(*CORRECTED["brug"])})
    (source / "b-trein.txt").unlink()
    decoded_texts.clear()
    report = digest([str(source)], out, settings)
    assert decoded_texts == [CORRECTED["brug"][1]] and report.remembered == 3

"""The stand-in model's recipe: mapping, cache, build, and loading through the usual paths.

The full-size build takes minutes (benchmarks/standin.py measures it); these tests build a tiny
variant of the same recipe in seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tolk.models.cache import cache_root
from tolk.models.store import MANIFEST, describe
from tolk.testing.random_model import Shape
from tolk.testing.standin import (
    FILLER_BIAS,
    STANDIN,
    Recipe,
    corpus,
    model_name,
    recipe_key,
    standin_model,
    used_pieces,
)
from tolk.testing.standin_training import piece_mapping

# Two layers, so that the last (where the copy is wired, and the aligning head is) is not the
# first.
TINY_RECIPE = Recipe(
    shape=Shape(d_model=32, layers=2, heads=2, ffn=64, vocab=0),
    steps=12,
    batch_tokens=512,
    sp_vocab=500,
    precision="float32",
)

MAPPINGS = [
    # specials, numbers and punctuation are copied; letter pieces swap with the next of their kind
    (["</s>", "<unk>", "\u2581de", "\u2581het", "en"], [0, 1, 3, 2, 4]),
    (["</s>", "\u2581de", "en", ".", "er", "\u2581het", "\u25812019"], [0, 5, 4, 3, 2, 1, 6]),
    (["</s>", "\u2581", ",", "\u2581Een"], [0, 1, 2, 3]),
]


@pytest.fixture(scope="module")
def standin_cache(tmp_path_factory) -> Path:
    """Give a cache folder holding the tiny stand-in model."""
    cache = tmp_path_factory.mktemp("cache")
    standin_model(cache, lambda message: None, TINY_RECIPE)
    return cache


@pytest.fixture(scope="module")
def tiny_standin(standin_cache) -> Path:
    """Give the tiny stand-in model's directory."""
    return standin_model(standin_cache, lambda message: None, TINY_RECIPE)


@pytest.mark.parametrize("pieces, expected", MAPPINGS)
def test_piece_mapping(pieces, expected):
    mapping = piece_mapping(pieces)
    assert mapping == expected
    assert [mapping[j] for j in mapping] == list(range(len(pieces)))  # its own inverse


def test_loads_through_from_pretrained(tiny_standin):
    from transformers import MarianMTModel, MarianTokenizer

    model = MarianMTModel.from_pretrained(tiny_standin)
    tokenizer = MarianTokenizer.from_pretrained(tiny_standin)
    assert model.generation_config.num_beams == 6
    assert model.config.max_position_embeddings == 512
    pieces = len(used_pieces(tokenizer.get_vocab()))
    bias = model.final_logits_bias[0]
    assert bias[:pieces].abs().max() == 0 and bias[pieces:].max() == FILLER_BIAS  # <pad> never wins
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        assert (tiny_standin / name).exists()


def test_second_call_takes_the_cache(standin_cache, tiny_standin):
    weights = tiny_standin / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    messages: list[str] = []
    assert standin_model(standin_cache, messages.append, TINY_RECIPE) == tiny_standin
    assert messages == []
    assert weights.stat().st_mtime_ns == stamp
    assert [p.name for p in standin_cache.iterdir()] == [tiny_standin.name]  # no partial left


def test_a_rebuild_gives_the_same_bytes(tmp_path, tiny_standin):
    again = standin_model(tmp_path, lambda message: None, TINY_RECIPE)
    for name in ("model.safetensors", "source.spm", "vocab.json", "config.json"):
        assert (again / name).read_bytes() == (tiny_standin / name).read_bytes(), name


def test_training_reduces_the_loss(tiny_standin):
    report = json.loads((tiny_standin / MANIFEST).read_text(encoding="utf-8"))["standin"]
    before, after = report["held_out"]["before"], report["held_out"]["after"]
    assert after[0] < before[0]
    assert len(report["losses"]) == TINY_RECIPE.steps
    assert report["recipe"]["version"] >= 1


def test_describe_names_the_recipe(tiny_standin):
    info = describe(tiny_standin)
    assert info.model_id == tiny_standin.name == model_name(TINY_RECIPE, tiny_standin.name[-12:])
    assert (info.backend, info.default_beams) == ("torch", 6)


@pytest.mark.parametrize("change", [{"steps": 13}, {"seed": 1}, {"learning_rate": 1e-3}])
def test_any_recipe_change_changes_the_key(change):
    sentences, articles = corpus()
    assert recipe_key(replace(STANDIN, **change), sentences, articles) != recipe_key(
        STANDIN, sentences, articles
    )


def test_data_change_changes_the_key():
    sentences, articles = corpus()
    assert recipe_key(STANDIN, sentences[1:], articles) != recipe_key(STANDIN, sentences, articles)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"TOLK_CACHE_DIR": "/c/tolk", "XDG_CACHE_HOME": "/x"}, "/c/tolk"),
        ({"XDG_CACHE_HOME": "/x"}, "/x/tolk"),
        ({"HOME": "/home/u"}, "/home/u/.cache/tolk"),
    ],
)
def test_cache_root(monkeypatch, env, expected):
    for name in ("TOLK_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cache_root() == Path(expected)


@pytest.mark.parametrize("backend, quantization", [("torch", None), ("ct2", "int8")])
def test_translates_with_tolk_backends(tmp_path, tiny_standin, backend, quantization):
    from tolk.models.convert import convert
    from tolk.translate import TranslatorSpec, load_translator

    path = tiny_standin
    if quantization:
        path = convert(describe(tiny_standin), quantization, out=tmp_path / "ct2").path
    translator = load_translator(TranslatorSpec(model=str(path), backend=backend, threads=1))
    [result] = translator.translate(["Er is helemaal niets aan de hand."], beams=2)
    assert result.text


def test_names_missing_training_data(tmp_path):
    from tolk.errors import ModelNotFound

    with pytest.raises(ModelNotFound) as error:
        standin_model(tmp_path / "cache", root=tmp_path)
    assert str(error.value) == (
        "cannot build the stand-in model: no UD Dutch Alpino .conllu files under "
        f"{tmp_path / 'benchmarks' / 'data'}; build it from a tolk source checkout"
    )


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_its_alignment_head_puts_a_glossary_term_in_place_of_the_scrambled_name(
    tmp_path, tiny_standin, backend
):
    from tolk.checks.glossary import Glossary
    from tolk.models.convert import convert
    from tolk.translate import TranslatorSpec, load_translator

    path = tiny_standin
    if backend == "ct2":  # its last layer's head 0 is the one CTranslate2 returns
        path = convert(describe(tiny_standin), "float32", out=tmp_path / "ct2").path
    translator = load_translator(TranslatorSpec(model=str(path), backend=backend, threads=1))
    if backend == "torch":  # its config names no head, as opus-mt's does not: the last's first
        assert translator.alignment == (-1, 0)
    else:
        assert translator.aligns
    sentences = ["Toen sprak Rutte in de Kamer.", "Het regent in Amsterdam vandaag."]
    plain = translator.translate(sentences, 2)
    glossary = Glossary.of([("Rutte", "="), ("Kamer", "Chamber")])
    [best] = translator.decode_candidates(sentences[:1], 2, 2)[0][:1]
    # Each output piece is aligned; the wired head matches positions, so in order.
    assert best.links and [link.source_start for link in best.links] == sorted(
        link.source_start for link in best.links
    )
    steered = translator.translate(sentences, 2, glossary=glossary)
    # The stand-in scrambles every word; its alignment shows where the name and the term went.
    assert not glossary.unmet(sentences[0], steered[0].text), steered[0].text
    assert "Rutte" not in plain[0].text and "Chamber" not in plain[0].text
    # A sentence without a term keeps the English it has without a glossary (its confidence
    # may differ in the last float digits, its English not).
    assert steered[1].text == plain[1].text


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_a_forced_pass_aligns_an_output_as_its_search_did(tmp_path, tiny_standin, backend):
    from dataclasses import replace

    from tolk.models.convert import convert
    from tolk.translate import TranslatorSpec, load_translator

    path = tiny_standin
    if backend == "ct2":
        path = convert(describe(tiny_standin), "float32", out=tmp_path / "ct2").path
    translator = load_translator(TranslatorSpec(model=str(path), backend=backend, threads=1))
    sentences = [
        "Toen sprak Rutte in de Kamer.",
        "Het regent in Amsterdam vandaag.",
        "De minister wil meer geld voor de zorg.",
        "Volgens de burgemeester is dat niet genoeg.",
    ]
    for sentence, [best, *_] in zip(
        sentences, translator.decode_candidates(sentences, 2, 2), strict=True
    ):
        # A repaired output has no links; a forced pass over its pieces gives the ones its
        # search would have.
        assert best.links and best.pieces
        assert translator.aligned(sentence, replace(best, links=())).links == best.links
        # Without its pieces, its text as the tokenizer splits it is aligned instead.
        assert translator.aligned(sentence, replace(best, links=(), pieces=())).links
        assert translator.aligned(sentence, best) is best  # one that has them keeps them

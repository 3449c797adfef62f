"""The CTranslate2 backend: conversion, manifest, staleness, backend choice, equivalence."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tolk.cli import cli
from tolk.compose import make_signature, segment
from tolk.errors import ModelNotFound, StaleModel
from tolk.intake.text import read_article
from tolk.models.convert import convert, converted_path, stale_reason
from tolk.models.store import MANIFEST, describe
from tolk.settings import Settings
from tolk.translate import BatchPolicy, TranslatorSpec, load_translator, select_model
from tolk.translate.batching import length_cap
from tolk.translate.ct2 import Ct2Translator, aligns_as_converted


@pytest.fixture(scope="session")
def seed_sentences(seed_dir) -> list[str]:
    """Give every sentence of the sample articles, in order."""
    return [
        pair.nl for path in sorted(seed_dir.glob("*.txt")) for pair in segment(read_article(path))
    ]


@pytest.fixture(scope="session")
def ct2_store(tmp_path_factory, tiny_marian) -> Path:
    """Give a model store holding the tiny model converted to CTranslate2 float32."""
    store = tmp_path_factory.mktemp("store")
    convert(describe(tiny_marian), "float32", store=store)
    return store


@pytest.fixture
def own_tiny(tmp_path, tiny_marian) -> Path:
    """Give a private copy of the tiny model, safe to change."""
    return Path(shutil.copytree(tiny_marian, tmp_path / "tiny-marian"))


def test_convert_writes_model_and_manifest(ct2_store, tiny_marian):
    source = describe(tiny_marian)
    target = converted_path(source, "float32", ct2_store)
    assert target.name == "tiny-marian-ct2-float32"
    assert (target / "model.bin").exists() and (target / "source.spm").exists()
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["model_id"] == source.model_id
    assert manifest["source_path"] == str(tiny_marian.resolve())
    assert manifest["source_revision"] == source.revision
    assert manifest["source_revision"].startswith("sha256:")
    assert manifest["quantization"] == "float32"
    assert manifest["forced_eos"] is True
    info = describe(target)
    assert (info.backend, info.compute_type, info.revision) == (
        "ct2",
        "float32",
        source.revision,
    )
    assert info.max_input_tokens == source.max_input_tokens


def test_models_convert_command_writes_int8_then_tunes(tmp_path, tiny_marian, monkeypatch):
    from tolk.measure import tuning
    from tolk.models import tuned

    # Random weights never stop, so the full probe set would take minutes here: keep four.
    probe = tuning.probe_sentences(4)
    monkeypatch.setattr(tuning, "probe_sentences", lambda count=4: probe)
    # One thread: split across two cores, a tiny model's steps wait on each other (and on the
    # Prefect server other tests left running) for ages; the tuning's logic is tested elsewhere.
    monkeypatch.setattr("tolk.translate.base.default_threads", lambda: 1)
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "tiny-int8"
    result = CliRunner().invoke(
        cli, ["models", "convert", str(tiny_marian), "--quantization", "int8", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert any(line.endswith(f"-> {out} (int8)") for line in lines)
    assert "tuning for " in result.output and "(1 threads)" in result.output
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["quantization"] == "int8"
    assert lines[-1].startswith("tuned: ") and lines[-1].endswith(
        str(tmp_path / "cache" / "tuning.json")
    )
    stored = json.loads((tmp_path / "cache" / "tuning.json").read_text(encoding="utf-8"))
    (entry,) = stored.values()
    assert entry["settings"]["compute_type"].startswith("int8")
    assert Ct2Translator(describe(out), threads=1).settings == tuned.Ct2Settings(
        **entry["settings"]
    )


def test_models_convert_no_tune_leaves_the_cache_alone(tmp_path, tiny_marian, monkeypatch):
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "tiny-int8"
    result = CliRunner().invoke(
        cli,
        [
            "models",
            "convert",
            str(tiny_marian),
            "--quantization",
            "int8",
            "--out",
            str(out),
            "--no-tune",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].endswith(f"-> {out} (int8)")
    assert not (tmp_path / "cache").exists()


def test_models_convert_command_names_a_missing_model(tmp_path):
    result = CliRunner().invoke(cli, ["models", "convert", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: no model ")


@pytest.mark.parametrize("command", [["models", "convert"], ["bench"]])
def test_new_commands_have_help_with_an_example(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: tolk " + command[0] in result.output


def test_auto_picks_a_fresh_conversion(ct2_store, tiny_marian):
    info = select_model(TranslatorSpec(model=str(tiny_marian), models_dir=str(ct2_store)))
    assert info.backend == "ct2"
    assert info.path.parent == ct2_store
    signature = make_signature(info, TranslatorSpec(), Settings(beams=2))
    assert (signature.backend, signature.compute_type, signature.device) == (
        "ct2",
        "float32",
        "cpu",
    )


def test_torch_backend_keeps_the_transformers_model(ct2_store, tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian), backend="torch", models_dir=str(ct2_store))
    assert select_model(spec).backend == "torch"


def test_auto_without_conversion_takes_torch(tmp_path, tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian), models_dir=str(tmp_path))
    assert select_model(spec).backend == "torch"


def test_ct2_backend_without_conversion_says_to_convert(tmp_path, tiny_marian):
    spec = TranslatorSpec(model=str(tiny_marian), backend="ct2", models_dir=str(tmp_path))
    with pytest.raises(ModelNotFound, match=r"run `tolk models convert .*` first"):
        select_model(spec)


def test_model_may_name_a_ct2_directory(ct2_store, tiny_marian):
    target = ct2_store / "tiny-marian-ct2-float32"
    assert select_model(TranslatorSpec(model=str(target))).path == target
    spec = TranslatorSpec(model=str(target), backend="torch")
    assert select_model(spec).path.resolve() == tiny_marian.resolve()


def test_changed_source_makes_the_conversion_stale(tmp_path, own_tiny, caplog):
    store = tmp_path / "store"
    converted = convert(describe(own_tiny), "float32", store=store)
    assert stale_reason(converted) is None
    config = json.loads((own_tiny / "generation_config.json").read_text(encoding="utf-8"))
    config["num_beams"] = 2
    (own_tiny / "generation_config.json").write_text(json.dumps(config), encoding="utf-8")

    reason = stale_reason(converted)
    assert reason is not None and f"run `tolk models convert {own_tiny}`" in reason
    strict = TranslatorSpec(model=str(own_tiny), backend="ct2", models_dir=str(store))
    with pytest.raises(StaleModel, match="to convert it again"):
        select_model(strict)
    with pytest.raises(StaleModel):
        select_model(TranslatorSpec(model=str(converted.path), backend="ct2"))
    with caplog.at_level(logging.WARNING, logger="tolk.translate"):
        auto = select_model(TranslatorSpec(model=str(own_tiny), models_dir=str(store)))
    assert auto.backend == "torch"
    assert "translating with the torch backend meanwhile" in caplog.text


@pytest.mark.slow
def test_ct2_float32_greedy_equals_torch_greedy(ct2_store, tiny_marian, seed_sentences):
    torch_side = load_translator(TranslatorSpec(model=str(tiny_marian), backend="torch", threads=1))
    ct2_side = load_translator(
        TranslatorSpec(model=str(tiny_marian), backend="ct2", threads=1, models_dir=str(ct2_store))
    )
    assert (ct2_side.backend, ct2_side.compute_type) == ("ct2", "float32")
    # Each sentence's cap is its own: the two backends may batch differently.
    torch_side.policy = BatchPolicy(max_batch_sentences=16)
    ct2_side.policy = BatchPolicy(max_batch_sentences=5)
    expected = torch_side.translate(seed_sentences, beams=1)
    got = ct2_side.translate(seed_sentences, beams=1)
    assert len(seed_sentences) > 150
    assert [t.text for t in got] == [t.text for t in expected]
    # The same confidence too: both score the output under the model.
    assert [t.confidence for t in got] == pytest.approx([t.confidence for t in expected], abs=1e-3)
    assert [(t.capped, t.retried) for t in got] == [(t.capped, t.retried) for t in expected]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_a_sentence_translates_the_same_whatever_shares_its_batch(
    backend, ct2_store, tiny_marian, seed_sentences
):
    spec = TranslatorSpec(model=str(tiny_marian), backend=backend, models_dir=str(ct2_store))
    translator = load_translator(spec)
    together = translator.translate(seed_sentences[:40], beams=4)
    alone = [translator.translate([s], beams=4)[0] for s in seed_sentences[:40:4]]
    assert [t.text for t in alone] == [t.text for t in together[::4]]


def test_ct2_scores_in_small_calls_on_cpu_and_gets_the_confidences_of_whole_batches(
    ct2_store, tiny_marian, seed_sentences, monkeypatch
):
    from tolk.translate.ct2 import CPU_SCORE_BATCH_TOKENS

    spec = TranslatorSpec(model=str(tiny_marian), backend="ct2", models_dir=str(ct2_store))
    translator = load_translator(spec)
    assert translator._scoring == {"max_batch_size": CPU_SCORE_BATCH_TOKENS, "batch_type": "tokens"}
    small = translator.translate(seed_sentences[:40], beams=2, repair=False)
    monkeypatch.setattr(translator, "_scoring", {})  # one call per batch, as on a GPU
    whole = translator.translate(seed_sentences[:40], beams=2, repair=False)
    assert [(t.text, t.confidence) for t in small] == [(t.text, t.confidence) for t in whole]


def test_ct2_int8_translates_every_sentence(tmp_path, tiny_marian, seed_sentences):
    converted = convert(describe(tiny_marian), "int8", store=tmp_path)
    translator = load_translator(
        TranslatorSpec(model=str(converted.path), backend="ct2", threads=1)
    )
    assert translator.compute_type == "int8"
    out = translator.translate(seed_sentences[:20], beams=2)
    assert len(out) == 20 and all(t.text for t in out)


def test_ct2_caps_decoding_like_the_torch_backend(ct2_store):
    translator = load_translator(
        TranslatorSpec(model=str(ct2_store / "tiny-marian-ct2-float32"), threads=1)
    )
    # torch decodes up to the cap, the last of it a forced end of sentence; ct2 stops before.
    assert translator.max_decoding_length(length_cap(7, 512)) == 31
    assert translator.max_decoding_length(length_cap(400, 512)) == 511


@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_uses_a_fresh_conversion_and_records_it(
    tmp_path, seed_dir, tiny_marian, monkeypatch
):
    store = tmp_path / "models"
    shutil.copytree(tiny_marian, store / "tiny-marian")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(store))
    converted = CliRunner().invoke(cli, ["models", "convert", "tiny-marian", "--no-tune"])
    assert converted.exit_code == 0, converted.output
    out = tmp_path / "out"

    result = CliRunner().invoke(
        cli, ["run", str(seed_dir), "--out", str(out), "--model", "tiny-marian"]
    )

    assert result.exit_code == 0, result.output
    rows = pq.read_table(out / "articles.parquet").to_pylist()
    assert len(rows) == 5
    assert {(r["backend"], r["compute_type"]) for r in rows} == {("ct2", "int8")}
    page = (out / "articles" / f"{rows[0]['id']}.md").read_text()
    assert "backend ct2, int8" in page


def test_torch_takes_each_confidence_from_its_beam_search_as_a_forced_pass_gives_it(
    tiny_marian, seed_sentences, monkeypatch
):
    from tolk.translate import torch_search

    translator = load_translator(TranslatorSpec(model=str(tiny_marian), backend="torch", threads=1))
    texts = seed_sentences[:6]
    forced = []
    real = translator._score
    monkeypatch.setattr(translator, "_score", lambda *a: forced.append(len(a[1])) or real(*a))
    searched = translator.decode_batch(texts, 4)
    assert forced == []  # no second pass over the outputs
    assert translator.decode_batch(texts, 4, repair=True) and forced == [6]  # bent by penalties

    monkeypatch.setattr(torch_search.StepScores, "confidence", lambda *a: None)
    passed = translator.decode_batch(texts, 4)
    assert forced == [6, 6]
    assert [(d.text, d.capped, d.tokens) for d in searched] == [
        (d.text, d.capped, d.tokens) for d in passed
    ]
    assert [d.confidence for d in searched] == pytest.approx(
        [d.confidence for d in passed], abs=1e-5
    )


def test_ct2_chunks_translating_at_once_on_threads_write_what_one_at_a_time_does(
    tmp_path, seed_dir, ct2_store, tiny_marian, monkeypatch
):
    """The library's default in this process: two ct2 chunks at once, on threads."""
    import tolk.executors
    from tolk.executors import Inline
    from tolk.run import digest

    windows = []
    real = tolk.executors.Threads.__init__

    def seen(self, window: int = 1) -> None:
        windows.append(window)
        real(self, window)

    monkeypatch.setattr(tolk.executors.Threads, "__init__", seen)
    settings = Settings(model=str(tiny_marian), models_dir=str(ct2_store), chunk_articles=1)
    threaded = digest([str(seed_dir)], tmp_path / "threads", settings)
    in_order = digest([str(seed_dir)], tmp_path / "inline", settings, executor=Inline())

    assert windows == [2] and threaded.translated == in_order.translated == 5
    columns = ["article_id", "paragraph_index", "sentence_index", "nl", "en", "flags"]
    order = [("article_id", "ascending"), ("paragraph_index", "ascending"),
             ("sentence_index", "ascending")]  # fmt: skip
    threads, inline = (
        pq.read_table(tmp_path / d / "sentences.parquet", columns=[*columns, "confidence"])
        .sort_by(order)
        .to_pylist()
        for d in ("threads", "inline")
    )
    assert len(threads) > 100 and threads == inline


@pytest.mark.parametrize(
    "config, aligns",
    [
        (None, True),  # no source config: opus-mt's layout is assumed
        ({"decoder_layers": 6}, True),  # opus-mt names none: the last layer's first head
        ({"decoder_layers": 6, "alignment_layer": -1, "alignment_head": 0}, True),
        ({"decoder_layers": 6, "alignment_layer": 5, "alignment_head": 0}, True),
        ({"decoder_layers": 6, "alignment_layer": 0, "alignment_head": 0}, False),
        ({"decoder_layers": 6, "alignment_layer": 5, "alignment_head": 3}, False),
    ],
)
def test_alignment_is_asked_of_ctranslate2_only_where_its_head_is_the_models(
    tmp_path, config, aligns
):
    if config is not None:
        (tmp_path / "config.json").write_text(json.dumps(config))
    assert aligns_as_converted(tmp_path) is aligns

"""What the speed work must never change: tuned settings and the shortlist translate the same.

Speed itself is measured by the benchmarks (benchmarks/), never asserted here.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tolk.cli import cli
from tolk.compose import make_signature, segment
from tolk.intake.text import read_article
from tolk.measure import tuning
from tolk.models import tuned
from tolk.models.convert import convert
from tolk.models.store import describe, shortlist_id
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, select_model
from tolk.translate.ct2 import Ct2Translator

pytestmark = pytest.mark.slow  # tuning and shortlists on the tiny model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sentences(seed_dir) -> list[str]:
    return list(
        dict.fromkeys(
            p.nl for path in sorted(seed_dir.glob("*.txt")) for p in segment(read_article(path))
        )
    )


@pytest.fixture
def int8(tmp_path, tiny_marian, monkeypatch):
    """Give the tiny model converted to int8 in a store, with an empty tolk cache."""
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    return convert(describe(tiny_marian), "int8", store=tmp_path / "store")


def test_tuned_settings_translate_exactly_as_the_defaults(int8, sentences):
    default = Ct2Translator(int8, threads=2)
    assert default.settings == tuned.default_settings(2, "int8")
    measure = tuning.measure_with(int8, sentences[:8], beams=2)
    chosen, timings = tuning.tune(int8, 2, measure, ["int8"])
    assert len(timings) == len(tuning.candidates(2, ["int8"], default.settings)) == 6
    tuned.store_tuned(int8, 2, chosen, timings)
    tuned_one = Ct2Translator(int8, threads=2)
    assert tuned_one.settings == chosen
    expected = [t.text for t in default.translate(sentences, 4)]
    assert [t.text for t in tuned_one.translate(sentences, 4)] == expected


def test_a_candidate_that_changes_the_translation_is_never_chosen(int8):
    def measure(settings):
        changed = settings.rows_per_call == 16
        return (0.1 if changed else 1.0), ["other" if changed else "same"]

    chosen, timings = tuning.tune(int8, 2, measure, ["int8"])
    assert chosen.rows_per_call != 16  # fastest, but it translates differently
    assert all(
        v == "changes the translation: never used" for k, v in timings.items() if "16 rows" in k
    )


def test_a_thread_layout_far_behind_is_not_measured_further(int8):
    measured = []

    def measure(settings):
        measured.append(settings)
        return (3.0 if settings.intra_threads > 1 else 1.0), ["same"]

    chosen, timings = tuning.tune(int8, 2, measure, ["int8", "int8_bfloat16"])
    split = [s for s in measured if s.intra_threads > 1]
    assert len(split) == 1 and chosen.intra_threads == 1
    skipped = [k for k, v in timings.items() if str(v).startswith("not measured")]
    assert len(skipped) == 5 and all("1 batches x 2 threads" in k for k in skipped)


def test_the_signature_names_the_tuned_compute_type(int8, tmp_path):
    spec = TranslatorSpec(model=str(int8.path), backend="ct2", threads=2)
    chosen = tuned.Ct2Settings(2, 1, 32, "int8_float32")
    tuned.store_tuned(int8, 2, chosen, {})
    signature = make_signature(select_model(spec), spec, Settings(model=str(int8.path), threads=2))
    assert signature.compute_type == "int8_float32"


def test_a_shortlist_translates_its_own_corpus_as_the_full_vocabulary(
    tmp_path, tiny_marian, sentences, monkeypatch
):
    store = tmp_path / "models"
    shutil.copytree(tiny_marian, store / "tiny")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(store))
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", corpus, ignore=shutil.ignore_patterns("*.md"))
    assert (
        CliRunner()
        .invoke(cli, ["models", "convert", "tiny", "--quantization", "float32", "--no-tune"])
        .exit_code
        == 0
    )
    info = select_model(TranslatorSpec(model="tiny", backend="ct2"))
    # Greedy: each step's choice is the same whenever it is among the candidates, which on its
    # own corpus it always is. (Beam search renormalizes over the candidates, so its ranking can
    # shift: the benchmark reports how often.)
    full = [t.text for t in Ct2Translator(info).translate(sentences, 1)]
    args = ["models", "shortlist", "tiny", "--corpus", str(corpus), "--beams", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert shortlist_id(info).startswith("vmap:")
    short = Ct2Translator(info)
    assert short.shortlist
    assert [t.text for t in short.translate(sentences, 1)] == full
    manifest = json.loads((info.path / "tolk-model.json").read_text())
    assert manifest["shortlist"]["sentences"] == len(sentences)
    # A shortlist changed since it was built (by hand, or half-written) is not used.
    (info.path / "vmap.txt").write_text("\tpo\n")
    assert shortlist_id(info) == ""


def test_the_peer_scripts_run_on_two_articles(tmp_path, tiny_marian):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import peers

    # The peers decode to the model's own max_length; random weights never stop: keep it short.
    model = Path(shutil.copytree(tiny_marian, tmp_path / "tiny"))
    generation = json.loads((model / "generation_config.json").read_text())
    (model / "generation_config.json").write_text(json.dumps({**generation, "max_length": 24}))
    tiny_marian = model
    source = tmp_path / "articles"
    sentences = peers.write_articles(source, limit=2)
    assert len(list(source.glob("*.txt"))) == 2 and sentences > 2
    converted = convert(describe(tiny_marian), "int8", store=tmp_path / "store")
    for variant, run in (
        ("first", lambda out: peers.run_first(source, out, str(tiny_marian))),
        ("easynmt", lambda out: peers.run_easynmt(source, out, str(tiny_marian))),
        ("argos", lambda out: peers.run_argos(source, out, str(converted.path), max_length=24)),
    ):
        out = tmp_path / variant
        out.mkdir()
        run(out)
        written = sorted(p.name for p in out.glob("*.txt"))
        assert written == sorted(p.name for p in source.glob("*.txt")), variant
        assert all((out / name).read_text().strip() for name in written), variant


def test_torch_in_bfloat16_is_opt_in_and_named_in_the_signature(tiny_marian, sentences):
    spec = TranslatorSpec(model=str(tiny_marian), backend="torch", torch_dtype="bfloat16")
    default = TranslatorSpec(model=str(tiny_marian), backend="torch")
    info = select_model(spec)
    bf16 = make_signature(info, spec, Settings(torch_dtype="bfloat16"))
    fp32 = make_signature(info, default, Settings())
    assert (fp32.compute_type, bf16.compute_type) == ("float32", "bfloat16")
    assert str(fp32) != str(bf16)  # so cached float32 articles are never taken for bfloat16 ones

    import torch

    from tolk.translate.torch import TorchTranslator

    translator = TorchTranslator(info, torch_dtype="bfloat16")
    assert translator.compute_type == "bfloat16"
    assert next(translator.model.parameters()).dtype == torch.bfloat16
    out = translator.translate(sentences[:4], 2)
    assert len(out) == 4 and all(isinstance(t.confidence, float) for t in out)
    with pytest.raises(ValueError, match="torch_dtype 'float16'"):
        TorchTranslator.runtime(info, "cpu", 0, "float16")


def test_two_chunks_are_in_flight_with_ct2_on_a_cpu_and_one_with_torch(tiny_marian):
    from dataclasses import replace

    from tolk.run import chunks_at_once

    spec = TranslatorSpec(model=str(tiny_marian), backend="torch")
    torch_cpu = make_signature(select_model(spec), spec, Settings())
    ct2_cpu = replace(torch_cpu, backend="ct2", compute_type="int8")
    assert (chunks_at_once(0, torch_cpu), chunks_at_once(0, ct2_cpu)) == (1, 2)
    assert chunks_at_once(0, replace(ct2_cpu, device="cuda")) == 1
    assert chunks_at_once(4, torch_cpu) == 4  # a window given (Dask) is kept

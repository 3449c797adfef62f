"""`tolk eval`: the mechanics on a few lines with the tiny model (its scores are near zero)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from tolk.cli import cli
from tolk.compose import make_signature
from tolk.measure.evaluate import FLORES, load_test_set
from tolk.models.store import calibration_path
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, select_model

SACREBLEU_BLEU = r"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:"


@pytest.fixture
def store(tmp_path, tiny_marian, monkeypatch):
    """Give a model store holding the tiny model and its float32 conversion."""
    models = tmp_path / "models"
    shutil.copytree(tiny_marian, models / "tiny")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(models))
    converted = CliRunner().invoke(
        cli, ["models", "convert", "tiny", "--quantization", "float32", "--no-tune"]
    )
    assert converted.exit_code == 0, converted.output
    return models


def test_the_default_set_is_flores_devtest():
    test_set = load_test_set()
    assert (test_set.name, len(test_set.sources), len(test_set.references)) == (FLORES, 1012, 1012)
    assert load_test_set(limit=5).sources == test_set.sources[:5]


def test_a_test_set_must_be_line_aligned(tmp_path):
    (tmp_path / "src").write_text("een\ntwee\n")
    (tmp_path / "ref").write_text("one\n")
    with pytest.raises(ValueError, match="2 source lines but 1 reference lines"):
        load_test_set(tmp_path / "src", tmp_path / "ref")


@pytest.mark.slow
def test_eval_prints_bleu_and_chrf_with_their_signatures_and_writes_a_report(tmp_path, store):
    out = tmp_path / "report"
    args = ["eval", "--model", "tiny", "--backend", "torch", "--limit", "12", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "torch/float32: BLEU = " in result.output and SACREBLEU_BLEU in result.output
    assert "torch/float32: chrF2 = " in result.output and "nc:6|nw:0|space:no" in result.output
    report = json.loads((out / "eval.json").read_text())
    [evaluation] = report["evaluations"]
    assert evaluation["sentences"] == 12 and evaluation["test_set"] == FLORES
    assert evaluation["bleu_signature"].startswith(SACREBLEU_BLEU)
    assert set(evaluation["flag_shares"]) >= {"numbers", "cap", "low_confidence"}
    assert evaluation["flag_shares"]["cap"] > 0.5  # random weights decode to the cap
    assert "backend:torch" in evaluation["signature"]
    markdown = (out / "eval.md").read_text()
    assert "| Helsinki-NLP/opus-mt-nl-en (transformers) | 29.2 | 0.8615 |" in markdown


def test_eval_compares_backends_and_counts_identical_translations(tmp_path, store):
    args = ["eval", "--model", "tiny", "--compare", "torch,ct2", "--beams", "1", "--limit", "10"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "eval.json").read_text())
    assert [e["backend"] for e in report["evaluations"]] == ["torch/float32", "ct2/float32"]
    assert report["identical"] == 10  # float32 greedy: the same tokens on both backends
    assert "identical translations: 10 of 10" in result.output


@pytest.mark.slow
def test_calibrate_stores_the_floor_that_later_runs_flag_by(tmp_path, store):
    args = ["eval", "--model", "tiny", "--backend", "torch", "--limit", "20", "--calibrate"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    spec = TranslatorSpec(model="tiny", backend="torch")
    info = select_model(spec)
    path = calibration_path(info, "torch", "float32", 4)
    floor = json.loads(path.read_text())["confidence_floor"]
    assert f"low_confidence below {floor:.3f}" in result.output
    assert (
        make_signature(info, spec, Settings(model="tiny", backend="torch")).confidence_floor
        == floor
    )

"""Model folders that cannot be used: each is exit 2 with one line naming the file and the fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tolk.cli import cli
from tolk.errors import ModelLoadError
from tolk.models.convert import convert
from tolk.models.store import describe, resolve
from tolk.translate import TranslatorSpec, select_model


@pytest.fixture
def own_tiny(tmp_path, tiny_marian) -> Path:
    """Give a private copy of the tiny model, safe to break."""
    return Path(shutil.copytree(tiny_marian, tmp_path / "tiny"))


def run_with(model: Path, seed_dir: Path, tmp_path: Path, *extra: str):
    args = ["run", str(seed_dir), "--out", str(tmp_path / "out"), "--model", str(model), *extra]
    return CliRunner().invoke(cli, args)


def test_pickled_weights_are_refused_with_the_reason(own_tiny, seed_dir, tmp_path):
    (own_tiny / "model.safetensors").rename(own_tiny / "pytorch_model.bin")
    result = run_with(own_tiny, seed_dir, tmp_path)
    assert result.exit_code == 2
    assert f"{own_tiny} holds pytorch_model.bin but no model.safetensors" in result.output
    assert "tolk loads safetensors only" in result.output
    assert not (tmp_path / "out").exists()


def test_missing_tokenizer_files_are_named(own_tiny, seed_dir, tmp_path):
    (own_tiny / "source.spm").unlink()
    result = run_with(own_tiny, seed_dir, tmp_path)
    assert result.exit_code == 2
    assert f"{own_tiny} lacks the tokenizer files source.spm" in result.output


@pytest.mark.parametrize("name", ["config.json", "generation_config.json"])
def test_a_corrupt_model_file_is_named_without_a_traceback(own_tiny, seed_dir, tmp_path, name):
    (own_tiny / name).write_text('{"d_model": 32,')
    result = run_with(own_tiny, seed_dir, tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {own_tiny / name}: cannot read this model file")
    assert "Traceback" not in result.output


def test_a_corrupt_manifest_is_a_model_load_error(tmp_path, tiny_marian):
    converted = convert(describe(tiny_marian), "float32", store=tmp_path)
    (converted.path / "tolk-model.json").write_text("not json")
    with pytest.raises(ModelLoadError, match="tolk-model.json: cannot read this model file"):
        resolve(converted.path)


@pytest.mark.usefixtures("prefect_harness")
def test_a_truncated_ct2_model_stops_the_run_with_one_message(tmp_path, tiny_marian, seed_dir):
    converted = convert(describe(tiny_marian), "float32", store=tmp_path / "store")
    weights = converted.path / "model.bin"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    result = run_with(converted.path, seed_dir, tmp_path, "--backend", "ct2")
    assert result.exit_code == 2, result.output
    assert f"Error: {converted.path}: cannot load the CTranslate2 model" in result.output
    assert "Traceback" not in result.output


def test_convert_refuses_to_replace_a_folder_that_is_not_a_conversion(tmp_path, tiny_marian):
    target = tmp_path / "notes"
    target.mkdir()
    (target / "mine.txt").write_text("my notes")
    args = [
        "models",
        "convert",
        str(tiny_marian),
        "--quantization",
        "float32",
        "--out",
        str(target),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"{target} exists and is not an earlier tolk conversion" in result.output
    assert (target / "mine.txt").read_text() == "my notes"


def test_convert_replaces_an_earlier_conversion(tmp_path, tiny_marian):
    target = tmp_path / "ct2"
    args = [
        "models",
        "convert",
        "--no-tune",
        str(tiny_marian),
        "--quantization",
        "float32",
        "--out",
        str(target),
    ]
    assert CliRunner().invoke(cli, args).exit_code == 0
    again = CliRunner().invoke(cli, [*args[:-3], "int8", "--out", str(target)])
    assert again.exit_code == 0, again.output
    assert json.loads((target / "tolk-model.json").read_text())["quantization"] == "int8"


def test_convert_takes_a_relative_model_path(tmp_path, tiny_marian, monkeypatch):
    shutil.copytree(tiny_marian, tmp_path / "models" / "tiny")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOLK_MODELS_DIR", "models")
    result = CliRunner().invoke(
        cli, ["models", "convert", "models/tiny", "--quantization", "int8", "--no-tune"]
    )
    assert result.exit_code == 0, result.output
    converted = tmp_path / "models" / "tiny-ct2-int8"
    assert (converted / "model.bin").exists() and (converted / "source.spm").exists()
    info = select_model(TranslatorSpec(model="tiny", models_dir=str(tmp_path / "models")))
    assert info.path == converted

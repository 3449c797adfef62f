import os
import shutil
import socket

import click
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tolk import __version__
from tolk.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize(("path", "command"), list(all_commands(cli)), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(path, command):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    if not isinstance(command, click.Group):
        assert "Example: tolk " in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_no_model_is_exit_2_with_what_to_do(tmp_path, seed_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("TOLK_MODELS_DIR", str(tmp_path / "models"))
    result = CliRunner().invoke(cli, ["run", str(seed_dir), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no model 'Helsinki-NLP/opus-mt-nl-en'" in result.output
    assert "tolk models pull Helsinki-NLP/opus-mt-nl-en" in result.output
    assert "--model PATH" in result.output
    assert not (tmp_path / "out").exists()


def test_a_directory_without_a_model_is_exit_2(tmp_path, seed_dir):
    result = CliRunner().invoke(cli, ["run", str(seed_dir), "--model", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path} holds no model" in result.output


def test_missing_input_folder_is_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope'}: no such file or folder; check the path" in result.output


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("ftp://example.nl/feed", "tolk reads http(s) feed URLs only"),
        ("notes.docx", "not a folder, .txt, .html, .htm, .csv, .jsonl, .ndjson, .parquet file"),
    ],
)
def test_a_source_tolk_cannot_read_is_exit_2(tmp_path, source, says):
    if "://" not in source:
        (tmp_path / source).write_text("x")
        source = str(tmp_path / source)
    result = CliRunner().invoke(cli, ["run", source])
    assert result.exit_code == 2
    assert says in result.output


def test_a_column_mapping_that_cannot_be_read_is_exit_2(seed_dir):
    result = CliRunner().invoke(cli, ["run", str(seed_dir), "--columns", "tekst"])
    assert result.exit_code == 2
    assert "columns: cannot read 'tekst'; write NAME=COLUMN pairs" in result.output


def test_models_list_on_an_empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("TOLK_MODELS_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0
    assert f"no models in {tmp_path}/" in result.output


def test_models_list_shows_a_stored_model(tmp_path, tiny_marian, monkeypatch):
    shutil.copytree(tiny_marian, tmp_path / "tiny")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0
    assert result.output.startswith("tiny\t") and "\ttorch\tfloat32\tsha256:" in result.output


@pytest.mark.usefixtures("prefect_harness")
def test_bad_files_are_reported_and_the_good_ones_written(tmp_path, seed_dir, tiny_marian):
    input_dir = tmp_path / "in"
    input_dir.mkdir()
    good = sorted(seed_dir.glob("*.txt"))[:2]
    for path in good:
        shutil.copy(path, input_dir)
    (input_dir / "leeg.txt").write_bytes(b"")
    (input_dir / "plaatje.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (input_dir / "oud.txt").write_bytes("Oekraïne en Chávez: het café is dicht.".encode("cp1252"))
    out = tmp_path / "out"

    result = CliRunner().invoke(
        cli, ["run", str(input_dir), "--out", str(out), "--model", str(tiny_marian)]
    )

    assert result.exit_code == 1, result.output
    assert (
        f"FAILED {input_dir / 'leeg.txt'}: {input_dir / 'leeg.txt'}: the file is empty"
        in result.output
    )
    assert f"FAILED {input_dir / 'plaatje.txt'}: " in result.output
    assert "looks like a binary file" in result.output
    rows = {r["id"]: r for r in pq.read_table(out / "articles.parquet").to_pylist()}
    assert sorted(rows) == sorted([p.stem for p in good] + ["oud"])
    assert rows["oud"]["text_nl"] == "Oekraïne en Chávez: het café is dicht."
    assert any("cp1252" in w for w in rows["oud"]["warnings"])
    assert (out / "articles" / "oud.md").exists()


def test_workers_and_dask_address_exclude_each_other(seed_dir, tiny_marian):
    args = ["run", str(seed_dir), "--model", str(tiny_marian), "--workers", "2"]
    result = CliRunner().invoke(cli, [*args, "--dask-address", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert "give --workers or --dask-address, not both" in result.output


def test_workers_are_bounded_by_the_cores(seed_dir, tiny_marian):
    result = CliRunner().invoke(
        cli, ["run", str(seed_dir), "--model", str(tiny_marian), "--workers", "1000"]
    )
    assert result.exit_code == 2
    assert "1000 workers, but tolk may use" in result.output and "cores here" in result.output


def test_an_unreachable_dask_scheduler_is_exit_2_at_once(seed_dir, tiny_marian):
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now
    args = ["run", str(seed_dir), "--model", str(tiny_marian), "--dask-address"]
    result = CliRunner().invoke(cli, [*args, f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 2
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_a_bad_cron_line_before_starting_anything(seed_dir, tiny_marian):
    args = ["serve", str(seed_dir), "--model", str(tiny_marian), "--cron", "not a cron"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "'not a cron' is not a cron line" in result.output
    assert "Prefect API" not in result.output


@pytest.mark.usefixtures("prefect_harness")
def test_an_output_path_through_a_file_is_exit_2_with_one_line(tmp_path, seed_dir, tiny_marian):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "out"
    result = CliRunner().invoke(
        cli, ["run", str(seed_dir), "--out", str(out), "--model", str(tiny_marian)]
    )
    assert result.exit_code == 2, result.output
    assert "a file stands where a folder must be" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("prefect_harness")
def test_a_locked_output_folder_is_exit_2_after_the_lock_timeout(tmp_path, seed_dir, tiny_marian):
    from tolk.store import OutputStore

    out = tmp_path / "out"
    with OutputStore(out):
        args = ["run", str(seed_dir), "--out", str(out), "--model", str(tiny_marian)]
        result = CliRunner().invoke(cli, [*args, "--lock-timeout", "0.5"])
    assert result.exit_code == 2, result.output
    assert "still locked after" in result.output and f"pid {os.getpid()}" in result.output

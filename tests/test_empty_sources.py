"""Nothing counts as success by accident: a source that gives no article fails, saying why."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from tolk.cli import cli
from tolk.intake.listing import list_items
from tolk.intake.sources import SourceOptions


def test_an_empty_folder_is_a_failure_of_that_source(tmp_path):
    (tmp_path / "leeg").mkdir()
    items, failures, _ = list_items([tmp_path / "leeg"])
    assert items == []
    assert [f.source_path for f in failures] == [str(tmp_path / "leeg")]
    assert failures[0].reason.startswith(f"{tmp_path / 'leeg'}: no article files: tolk reads .txt")


def test_a_folder_of_documents_says_what_it_skipped_and_what_tolk_reads(tmp_path):
    folder = tmp_path / "word"
    folder.mkdir()
    for n in range(3):
        (folder / f"stuk-{n}.docx").write_bytes(b"PK")
    (folder / "2025").mkdir()
    _, failures, _ = list_items([folder])
    assert [f.reason for f in failures] == [
        f"{folder}: no article files; 3 .docx files, 1 subfolder skipped (give --recursive to "
        "read subfolders): tolk reads .txt articles and saved .html/.htm pages in a folder, and "
        "a table (.csv, .jsonl, .parquet) given as a source of its own; save the documents as "
        ".txt, or name the table itself"
    ]


def test_an_empty_table_is_a_failure(tmp_path):
    table = tmp_path / "leeg.csv"
    pd.DataFrame({"text": []}).to_csv(table, index=False)
    _, failures, _ = list_items([table])
    assert [f.reason for f in failures] == [f"{table}: the table has no rows; one row per article"]


def test_recursive_reads_subfolders_with_unique_stable_ids(tmp_path, seed_dir):
    folder = tmp_path / "in"
    for sub in ("2025/nov", "2025-nov"):
        shutil.copytree(seed_dir, folder / sub, ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(next(seed_dir.glob("*.txt")), folder / "top.txt")
    (folder / ".verborgen").mkdir()
    shutil.copy(next(seed_dir.glob("*.txt")), folder / ".verborgen" / "x.txt")

    flat, failures, _ = list_items([folder])
    assert ([i.id for i in flat], failures) == (["top"], [])  # subfolders only with --recursive

    deep, failures, _ = list_items([folder], SourceOptions(recursive=True))
    seeds = len(list(seed_dir.glob("*.txt")))
    assert failures == [] and len(deep) == 2 * seeds + 1
    ids = [i.id for i in deep]
    assert len(set(ids)) == len(ids) and "top" in ids
    assert not any(".verborgen" in i.origin for i in deep)
    again, _, _ = list_items([folder], SourceOptions(recursive=True))
    assert [i.id for i in again] == ids  # stable from run to run


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_over_a_folder_of_documents_exits_1_with_the_reason(tmp_path, tiny_marian):
    folder = tmp_path / "word"
    folder.mkdir()
    (folder / "stuk.docx").write_bytes(b"PK")
    args = ["run", str(folder), "--out", str(tmp_path / "out"), "--model", str(tiny_marian)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"FAILED {folder}: {folder}: no article files; 1 .docx file skipped" in result.output
    assert "0 translated" in result.output

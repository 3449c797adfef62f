"""The output store: one generation at a time, a lock, a sweep, a check, tolerant reading."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import litter, tables_agree

from tolk.errors import OutputError, StoreLocked, StoreTooNew
from tolk.records import SCHEMA_VERSION
from tolk.run import digest
from tolk.settings import Settings
from tolk.store import OutputStore
from tolk.store import tables as store_tables

FIXTURE = Path(__file__).parent / "fixtures" / "tolk-0.1.0"


@pytest.fixture
def run(tiny_marian):
    """Run the library's digest with the tiny model; give its report."""

    def run(inputs, out, **settings):
        inputs = inputs if isinstance(inputs, list) else [inputs]
        return digest([str(i) for i in inputs], out, Settings(model=str(tiny_marian), **settings))

    return run


@pytest.fixture
def two_articles(tmp_path, seed_dir) -> Path:
    """Give a folder with two short sample articles."""
    folder = tmp_path / "two"
    folder.mkdir()
    for path in sorted(seed_dir.glob("*.txt"))[1:3]:
        shutil.copy(path, folder)
    return folder


@pytest.mark.slow
def test_a_commit_makes_one_generation_with_linked_tables(tmp_path, two_articles, run):
    out = tmp_path / "out"
    report = run(two_articles, out)
    assert report.generation == 1 and report.translated == 2
    assert os.readlink(out / "articles.parquet") == "tables/current/articles.parquet"
    assert os.readlink(out / "tables" / "current") == "000001"
    manifest = json.loads((out / "tables" / "000001" / "manifest.json").read_text())
    assert (manifest["articles"], manifest["sentences"]) == tables_agree(out)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert sorted(manifest["changed"]) == sorted(p.stem for p in two_articles.glob("*.txt"))
    metadata = pq.ParquetFile(out / "sentences.parquet").schema_arrow.metadata
    assert metadata[b"tolk_schema"] == str(SCHEMA_VERSION).encode()


@pytest.mark.slow
def test_generations_older_than_the_previous_one_are_removed(tmp_path, two_articles, run):
    out = tmp_path / "out"
    for beams in (1, 2, 3):
        run(two_articles, out, beams=beams)
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["000002", "000003", "current"]


@pytest.mark.slow
def test_a_crash_between_the_two_table_writes_keeps_both_files(
    tmp_path, two_articles, run, monkeypatch
):
    out = tmp_path / "out"
    run(two_articles, out)
    before = {n: (out / n).read_bytes() for n in ("articles.parquet", "sentences.parquet")}
    real, calls = store_tables.write_table, []

    def crash_on_the_second(path, *args):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(path, *args)

    monkeypatch.setattr(store_tables, "write_table", crash_on_the_second)
    with pytest.raises(OSError):
        run(two_articles, out, beams=2)
    assert calls == ["sentences.parquet", "articles.parquet"]
    after = {n: (out / n).read_bytes() for n in before}
    assert after == before  # byte for byte: the last good generation still stands
    monkeypatch.undo()
    # The failed run's translations were sealed: the next run commits them, translating nothing.
    report = run(two_articles, out, beams=2)
    assert (report.translated, report.reused) == (0, 2)
    assert any("recovered 2 articles" in note for note in report.notes)
    assert litter(out) == [] and tables_agree(out)[0] == 2
    assert set(pq.read_table(out / "articles.parquet")["beams"].to_pylist()) == {2}


def test_a_run_waits_for_the_folder_and_says_who_holds_it(tmp_path, caplog):
    out = tmp_path / "out"
    holder = OutputStore(out)
    holder.open()
    released = threading.Timer(1.0, holder.close)
    released.start()
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="tolk"):
            with OutputStore(out, lock_timeout=30):
                waited = time.monotonic() - started
    finally:
        released.cancel()
    assert waited >= 0.9
    assert f"pid {os.getpid()} on " in caplog.text and "waiting up to" in caplog.text


def test_a_run_gives_up_after_the_lock_timeout(tmp_path):
    out = tmp_path / "out"
    with OutputStore(out):
        with pytest.raises(StoreLocked, match=r"still locked after 0 s by pid \d+ on "):
            OutputStore(out, lock_timeout=0.2).open()


def test_a_lock_left_by_a_dead_run_is_taken_over_with_a_warning(tmp_path, caplog):
    out = tmp_path / "out"
    (out / ".tolk").mkdir(parents=True)
    dead = {"pid": 999999, "host": "here", "started": "2026-01-01T06:00:00+00:00", "command": "x"}
    (out / ".tolk" / "lock").write_text(json.dumps(dead))
    with caplog.at_level(logging.WARNING, logger="tolk"):
        with OutputStore(out) as store:
            assert store.lock.took_over == dead
    assert "taking over the lock of pid 999999 on here" in caplog.text
    assert (out / ".tolk" / "lock").read_text() == ""  # released cleanly


@pytest.mark.slow
def test_the_sweep_removes_what_dead_runs_left(tmp_path, two_articles, run):
    out = tmp_path / "out"
    run(two_articles, out)
    litter_files = [
        out / ".articles.parquet.4242.staged",  # tolk 0.1.0's staging
        out / ".sentences.parquet.4242.tmp",
        out / "articles" / ".x.md.4242.tmp",
        out / "tables" / ".current.4242.tmp",
    ]
    for path in litter_files:
        path.write_bytes(b"half")
    (out / "tables" / "000002.partial").mkdir()
    (out / "tables" / "000002.partial" / "articles.parquet").write_bytes(b"half")
    assert len(litter(out)) == 5
    with OutputStore(out):
        pass
    assert litter(out) == []
    user_file = out / "notes.txt"
    user_file.write_text("mine")
    with OutputStore(out):
        pass
    assert user_file.read_text() == "mine"


def test_an_output_folder_from_tolk_0_1_0_is_read_and_upgraded(tmp_path, run, count_decodes):
    out = tmp_path / "out"
    shutil.copytree(FIXTURE / "output", out)
    with OutputStore(out) as store:
        assert sorted(store.stored) == ["kort", "tweede"] and store.damaged == set()
        [old] = list(store.digests(["tweede"]))
        assert old.pairs[0].flags == () and old.signature.beams == 4
    # Translate one of the two again; the other is kept as it was, in the new schema.
    only_one = tmp_path / "in"
    only_one.mkdir()
    shutil.copy(FIXTURE / "input" / "kort.txt", only_one)
    report = run(only_one, out)
    assert report.translated == 1 and report.generation == 1
    assert not (out / "articles.parquet").is_symlink() or os.readlink(out / "articles.parquet")
    tables_agree(out)
    articles = {r["id"]: r for r in pq.read_table(out / "articles.parquet").to_pylist()}
    assert articles["tweede"]["tolk_version"] == "0.1.0" and articles["tweede"]["n_flagged"] is None
    assert articles["kort"]["n_flagged"] is not None
    sentences = pq.read_table(out / "sentences.parquet")
    assert sentences.schema.field("flags").type == pa.list_(pa.string())
    assert pq.ParquetFile(out / "articles.parquet").schema_arrow.metadata[b"tolk_schema"] == b"2"
    assert litter(out) == []
    # The old article's page is still there, and a re-run does no model work.
    assert (out / "articles" / "tweede.md").exists()
    decoded = count_decodes()
    report = run(only_one, out)
    assert (report.translated, report.reused) == (0, 1) and count_decodes() == decoded


@pytest.mark.slow
def test_a_folder_from_a_newer_tolk_is_refused(tmp_path, two_articles, run):
    out = tmp_path / "out"
    run(two_articles, out)
    path = out / "tables" / "current" / "articles.parquet"
    table = pq.read_table(path)
    metadata = {**table.schema.metadata, b"tolk_schema": b"99", b"tolk_version": b"9.0.0"}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    with pytest.raises(StoreTooNew, match=r"written by tolk 9\.0\.0 \(store schema 99\)"):
        OutputStore(out).open()


@pytest.mark.slow
def test_deleting_the_table_links_by_hand_loses_nothing(tmp_path, two_articles, run, count_decodes):
    out = tmp_path / "out"
    run(two_articles, out)
    (out / "sentences.parquet").unlink()
    decoded = count_decodes()
    report = run(two_articles, out)
    assert (report.translated, report.reused) == (0, 2) and count_decodes() == decoded
    assert tables_agree(out)[0] == 2


@pytest.mark.slow
def test_damaged_tables_are_found_before_any_model_work(tmp_path, two_articles, run, count_decodes):
    out = tmp_path / "out"
    run(two_articles, out, beams=1)
    run(two_articles, out, beams=2)  # generation 2
    (out / "tables" / "current" / "sentences.parquet").write_bytes(b"PAR1 not parquet")
    with OutputStore(out) as store:
        assert store.generation.number == 1  # went back to the intact generation
        assert any("went back to generation 1" in n for n in store.notes)
        assert len(store.stored) == 2
    assert list((out / ".tolk" / "damaged").iterdir())  # kept for a person to look at
    report = run(two_articles, out, beams=2)
    assert report.translated == 2 and report.failures == []
    tables_agree(out)


@pytest.mark.slow
def test_articles_the_store_cannot_give_back_are_named(tmp_path, two_articles, run):
    out = tmp_path / "out"
    run(two_articles, out)
    (out / "tables" / "current" / "sentences.parquet").write_bytes(b"broken")
    first, second = sorted(p.stem for p in two_articles.glob("*.txt"))
    only_first = tmp_path / "only"
    only_first.mkdir()
    shutil.copy(two_articles / f"{first}.txt", only_first)
    report = run(only_first, out)
    assert report.translated == 1
    assert [(f.article_id, "damaged" in f.reason) for f in report.failures] == [(second, True)]
    assert "give its source again" in report.failures[0].reason
    assert tables_agree(out)[0] == 1


@pytest.mark.slow
def test_a_page_missing_for_an_article_not_in_this_run_is_restored(tmp_path, two_articles, run):
    out = tmp_path / "out"
    run(two_articles, out)
    first, second = sorted(p.stem for p in two_articles.glob("*.txt"))
    page = out / "articles" / f"{second}.md"
    before = page.read_text()
    page.unlink()
    only_first = tmp_path / "only"
    only_first.mkdir()
    shutil.copy(two_articles / f"{first}.txt", only_first)
    run(only_first, out)
    assert page.read_text() == before


def test_a_read_only_output_folder_fails_before_any_model_work(
    tmp_path, two_articles, run, count_decodes, monkeypatch
):
    out = tmp_path / "out"
    out.mkdir()
    real_access = os.access
    # As root every folder is writable; ask as a user without write permission would.
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == out else real_access(p, mode)
    )
    with pytest.raises(OutputError, match=f"{out}: cannot write here"):
        run(two_articles, out)
    assert count_decodes() == 0
    assert not (out / ".tolk").exists()


def test_an_output_path_through_a_file_is_a_clear_error(tmp_path, two_articles, run):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="a file stands where a folder must be"):
        run(two_articles, tmp_path / "file" / "out")


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    import errno

    from tolk import fileio as files

    page = tmp_path / "articles" / "a.md"
    files.write_text(page, "old")

    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as raised:
        files.write_atomic(page, full)
    assert str(raised.value) == (
        f"{page}: cannot write the file (No space left on device); free some disk space and "
        "run again: the last good output is kept"
    )
    assert page.read_text() == "old" and litter(tmp_path) == []

"""End to end: the real Prefect flow, the real tiny Marian model, the sample articles."""

import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.digest import digest
from tolk.read import decode, find_articles
from tolk.records import ARTICLES_SCHEMA, SENTENCES_SCHEMA
from tolk.translate import TranslatorSpec, load_translator

pytestmark = pytest.mark.usefixtures("prefect_harness")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def run(input_dir: Path, output_dir: Path, model: Path):
    state = digest(
        input_dir=str(input_dir), output_dir=str(output_dir), model=str(model), return_state=True
    )
    return state, state.result(raise_on_failure=False)


def sentences_done(model: Path) -> int:
    return load_translator(TranslatorSpec(model=str(model))).stats["sentences"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, seed_dir, tiny_marian):
    """Run the flow once over a copy of the seeds; give (input, output, state, report)."""
    input_dir = tmp_path_factory.mktemp("e2e") / "in"
    shutil.copytree(seed_dir, input_dir, ignore=shutil.ignore_patterns("*.md"))
    output_dir = input_dir.parent / "out"
    state, report = run(input_dir, output_dir, tiny_marian)
    return input_dir, output_dir, state, report


def test_one_record_per_article(first_run):
    input_dir, output_dir, state, report = first_run
    assert state.is_completed()
    assert report.translated == 5 and report.failures == []
    articles = pq.read_table(output_dir / "articles.parquet")
    assert sorted(articles["id"].to_pylist()) == sorted(p.stem for p in find_articles(input_dir))
    assert articles.schema.remove_metadata().equals(ARTICLES_SCHEMA)
    sentences = pq.read_table(output_dir / "sentences.parquet")
    assert sentences.schema.remove_metadata().equals(SENTENCES_SCHEMA)


def test_every_dutch_sentence_has_one_english_sentence_and_no_dutch_is_lost(first_run):
    input_dir, output_dir, _, _ = first_run
    rows = pq.read_table(output_dir / "sentences.parquet").to_pylist()
    articles = {r["id"]: r for r in pq.read_table(output_dir / "articles.parquet").to_pylist()}
    for path in find_articles(input_dir):
        mine = [r for r in rows if r["article_id"] == path.stem]
        assert [r["sentence_index"] for r in mine] == list(range(len(mine)))
        assert all(r["nl"].strip() and r["en"].strip() for r in mine)
        assert articles[path.stem]["n_sentences"] == len(mine)
        text, _ = decode(path.read_bytes(), path)
        text = re.sub(r"^\s*date \d{4}-\d{2}", "", text)
        assert squeeze("".join(r["nl"] for r in mine)) == squeeze(text), path.name
        assert 3 <= len(articles[path.stem]["key_points"]) <= 5


def test_markdown_pages_and_index(first_run):
    input_dir, output_dir, _, _ = first_run
    pages = sorted(p.stem for p in (output_dir / "articles").glob("*.md"))
    assert pages == sorted(p.stem for p in find_articles(input_dir))
    index = (output_dir / "index.md").read_text()
    assert all(f"(articles/{stem}.md)" in index for stem in pages)
    page = (output_dir / "articles" / "004_e2e4897f0e122d04.md").read_text()
    assert "*1\\. Waarom bedreigt Amerika Venezuela?*" in page  # escaped: not a list item


def test_second_run_on_unchanged_input_does_no_model_work(first_run, tiny_marian):
    input_dir, output_dir, _, _ = first_run
    before = pq.read_table(output_dir / "articles.parquet")
    translated_before = sentences_done(tiny_marian)
    state, report = run(input_dir, output_dir, tiny_marian)
    assert state.is_completed()
    assert (report.translated, report.reused) == (0, 5)
    assert sentences_done(tiny_marian) == translated_before
    after = pq.read_table(output_dir / "articles.parquet")
    assert after["written_at"].equals(before["written_at"])


def test_a_deleted_page_comes_back_without_model_work(first_run, tiny_marian):
    input_dir, output_dir, _, _ = first_run
    page = output_dir / "articles" / "001_4f0b32e23974abf1.md"
    before = page.read_text()
    page.unlink()
    translated_before = sentences_done(tiny_marian)
    state, report = run(input_dir, output_dir, tiny_marian)
    assert (report.translated, report.reused) == (0, 5)
    assert sentences_done(tiny_marian) == translated_before
    assert page.read_text() == before


def test_a_changed_file_replaces_its_rows(first_run, tiny_marian):
    input_dir, output_dir, _, _ = first_run
    before = {r["id"]: r for r in pq.read_table(output_dir / "articles.parquet").to_pylist()}
    changed = input_dir / "003_775a97f34768ba9e.txt"
    changed.write_text(
        "Kremlin\n\nHet Kremlin zwijgt over Venezuela. Dat is nieuw.\n", encoding="utf-8"
    )
    state, report = run(input_dir, output_dir, tiny_marian)
    assert (report.translated, report.reused) == (1, 4)
    after = {r["id"]: r for r in pq.read_table(output_dir / "articles.parquet").to_pylist()}
    assert after.keys() == before.keys()
    assert (
        after[changed.stem]["text_nl"]
        == "Kremlin\n\nHet Kremlin zwijgt over Venezuela. Dat is nieuw."
    )
    assert after[changed.stem]["sha256"] != before[changed.stem]["sha256"]
    for other in before.keys() - {changed.stem}:
        assert after[other]["written_at"] == before[other]["written_at"]
    rows = pq.read_table(output_dir / "sentences.parquet").to_pylist()
    assert [r["nl"] for r in rows if r["article_id"] == changed.stem] == [
        "Kremlin",
        "Het Kremlin zwijgt over Venezuela.",
        "Dat is nieuw.",
    ]


def test_new_settings_redo_the_work(first_run, tiny_marian):
    input_dir, output_dir, _, _ = first_run
    state = digest(
        input_dir=str(input_dir),
        output_dir=str(output_dir),
        model=str(tiny_marian),
        beams=1,
        return_state=True,
    )
    report = state.result(raise_on_failure=False)
    assert report.translated == 5
    beams = pq.read_table(output_dir / "articles.parquet")["beams"].to_pylist()
    assert beams == [1] * 5


def test_a_file_that_cannot_be_read_fails_alone(tmp_path, seed_dir, monkeypatch):
    import flows.digest as digest_module

    good = sorted(seed_dir.glob("*.txt"))[0]
    broken = tmp_path / "weg.txt"
    real_read = digest_module.read_article

    def read(path):
        if path == broken:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(digest_module, "read_article", read)
    monkeypatch.setattr(digest_module, "READ_ATTEMPTS", (0.0, 0.0))
    assert digest_module.read_one(str(good)).id == good.stem
    failure = digest_module.read_one(str(broken))
    assert failure.article_id == "weg"
    assert failure.reason.startswith(f"{broken}: cannot read the file (")
    assert "Permission denied" in failure.reason


def test_an_io_error_that_passes_is_retried(tmp_path, seed_dir, monkeypatch):
    import flows.digest as digest_module

    good = sorted(seed_dir.glob("*.txt"))[0]
    real_read, calls = digest_module.read_article, []

    def flaky(path):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        return real_read(path)

    monkeypatch.setattr(digest_module, "read_article", flaky)
    monkeypatch.setattr(digest_module, "READ_ATTEMPTS", (0.0, 0.0))
    assert digest_module.read_one(str(good)).id == good.stem
    assert len(calls) == 2

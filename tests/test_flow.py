"""End to end: the real Prefect flow, the real tiny Marian model, the sample articles.

One flow run makes the baseline; every test works on its own copy of that run's input and
output, so no test depends on what another one left behind.
"""

import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import litter, tables_agree

from flows.digest import digest
from tolk.errors import OutputError
from tolk.intake.text import decode, find_articles
from tolk.records import ARTICLES_SCHEMA, SENTENCES_SCHEMA
from tolk.settings import Settings
from tolk.views.markdown import escape

pytestmark = pytest.mark.usefixtures("prefect_harness")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def run(input_dir: Path, output_dir: Path, model: Path, **settings):
    state = digest(
        sources=[str(input_dir)],
        output_dir=str(output_dir),
        settings=Settings(model=str(model), **settings),
        return_state=True,
    )
    return state, state.result(raise_on_failure=False)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, seed_dir, tiny_marian, prefect_harness):
    """Run the flow once over a copy of the seeds; give (input, output, state, report)."""
    input_dir = tmp_path_factory.mktemp("e2e") / "in"
    shutil.copytree(seed_dir, input_dir, ignore=shutil.ignore_patterns("*.md"))
    output_dir = input_dir.parent / "out"
    state, report = run(input_dir, output_dir, tiny_marian)
    return input_dir, output_dir, state, report


@pytest.fixture
def done(baseline, tmp_path):
    """Give a private copy of the baseline run's input and output folders."""
    input_dir, output_dir, _, _ = baseline
    mine = tmp_path / "in", tmp_path / "out"
    shutil.copytree(input_dir, mine[0])
    shutil.copytree(output_dir, mine[1], symlinks=True)
    return mine


def test_one_record_per_article(baseline):
    input_dir, output_dir, state, report = baseline
    assert state.is_completed()
    assert report.translated == 5 and report.failures == []
    articles = pq.read_table(output_dir / "articles.parquet")
    assert sorted(articles["id"].to_pylist()) == sorted(p.stem for p in find_articles(input_dir))
    assert articles.schema.remove_metadata().equals(ARTICLES_SCHEMA)
    sentences = pq.read_table(output_dir / "sentences.parquet")
    assert sentences.schema.remove_metadata().equals(SENTENCES_SCHEMA)
    assert tables_agree(output_dir) == (5, report.sentences)
    assert litter(output_dir) == []


def test_every_dutch_sentence_has_one_english_sentence_and_no_dutch_is_lost(baseline):
    input_dir, output_dir, _, _ = baseline
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


def test_markdown_pages_and_index(baseline):
    input_dir, output_dir, _, _ = baseline
    pages = sorted(p.stem for p in (output_dir / "articles").glob("*.md") if ".en." not in p.name)
    assert pages == sorted(p.stem for p in find_articles(input_dir))
    english = sorted(p.name for p in (output_dir / "articles").glob("*.en.md"))
    assert english == [f"{stem}.en.md" for stem in pages]
    index = (output_dir / "index.md").read_text()
    assert all(f"(articles/{stem}.md)" in index for stem in pages)
    page = (output_dir / "articles" / "004_e2e4897f0e122d04.md").read_text()
    assert "*1\\. Waarom bedreigt Amerika Venezuela?*" in page  # escaped: not a list item


def test_second_run_on_unchanged_input_does_no_model_work(done, tiny_marian, count_decodes):
    input_dir, output_dir = done
    before = pq.read_table(output_dir / "articles.parquet")
    state, report = run(input_dir, output_dir, tiny_marian)
    assert state.is_completed()
    assert (report.translated, report.reused, report.decoded) == (0, 5, 0)
    assert count_decodes() == 0
    after = pq.read_table(output_dir / "articles.parquet")
    assert after["written_at"].equals(before["written_at"])


def test_a_deleted_page_comes_back_without_model_work(done, tiny_marian, count_decodes):
    input_dir, output_dir = done
    page = output_dir / "articles" / "001_4f0b32e23974abf1.md"
    before = page.read_text()
    page.unlink()
    state, report = run(input_dir, output_dir, tiny_marian)
    assert (report.translated, report.reused) == (0, 5)
    assert count_decodes() == 0
    assert page.read_text() == before


def test_a_changed_file_replaces_its_rows(done, tiny_marian, count_decodes):
    input_dir, output_dir = done
    before = {r["id"]: r for r in pq.read_table(output_dir / "articles.parquet").to_pylist()}
    changed = input_dir / "003_775a97f34768ba9e.txt"
    changed.write_text(
        "Kremlin\n\nHet Kremlin zwijgt over Venezuela. Dat is nieuw.\n", encoding="utf-8"
    )
    state, report = run(input_dir, output_dir, tiny_marian)
    assert (report.translated, report.reused) == (1, 4)
    assert count_decodes() > 0
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
    tables_agree(output_dir)


def test_new_settings_redo_the_work_and_the_signatures_follow_the_rows(done, tiny_marian):
    input_dir, output_dir = done
    state, report = run(input_dir, output_dir, tiny_marian, beams=1)
    assert report.translated == 5
    beams = pq.read_table(output_dir / "articles.parquet")["beams"].to_pylist()
    assert beams == [1] * 5
    metadata = pq.ParquetFile(output_dir / "articles.parquet").schema_arrow.metadata
    signatures = __import__("json").loads(metadata[b"signatures"])
    assert [s["beams"] for s in signatures] == [
        1
    ]  # the beam-4 rows are gone, so is their signature


def test_the_library_entry_point_gives_the_flow_s_records_without_prefect(
    baseline, tmp_path, tiny_marian
):
    import tolk

    input_dir, flow_out, _, _ = baseline
    report = tolk.digest_folder(input_dir, tmp_path / "lib", model=str(tiny_marian))
    assert report.translated == 5 and report.failures == []
    assert records(tmp_path / "lib") == records(flow_out)
    assert pages(tmp_path / "lib") == pages(flow_out)


def records(output_dir: Path) -> tuple[list, list]:
    """Give the tables' rows, less the columns that say when they were written."""
    articles = pq.read_table(output_dir / "articles.parquet")
    articles = articles.drop_columns(["translated_at", "written_at"])
    sentences = pq.read_table(output_dir / "sentences.parquet")
    return articles.to_pylist(), sentences.to_pylist()


def pages(output_dir: Path) -> dict[str, str]:
    """Give each article page's text, less the footer's translation time."""
    return {
        p.name: re.sub(r" on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "", p.read_text())
        for p in (output_dir / "articles").glob("*.md")
    }


def test_every_translated_row_carries_flags_and_a_confidence(baseline):
    _, output_dir, _, _ = baseline
    rows = pq.read_table(output_dir / "sentences.parquet").to_pylist()
    decoded = [r for r in rows if r["confidence"] is not None]
    by_rule = [r for r in rows if r["confidence"] is None]
    assert len(decoded) > 150 and all(r["flags"] is not None for r in rows)
    # Copied through (no letters) or rendered by rule (photo credits): no confidence.
    assert by_rule and all(
        r["paragraph_kind"] == "caption"
        and r["en"].startswith(("Photo: ", "©"))
        or not any(c.isalpha() for c in r["nl"])
        for r in by_rule
    )
    assert all(r["confidence"] < 0 for r in decoded)
    # The random model loops to its cap: every such row says so, and was decoded twice.
    loops = [r for r in decoded if re.search(r"(\w+)(\s*\1){3,}", r["en"])]
    assert loops and all({"repetition", "cap"} & set(r["flags"]) for r in loops)
    assert all(r["retried"] for r in decoded if "cap" in r["flags"])
    articles = pq.read_table(output_dir / "articles.parquet").to_pylist()
    assert sum(a["n_flagged"] for a in articles) == sum(1 for r in rows if r["flags"])


def test_no_flagged_english_is_in_a_summary(baseline):
    _, output_dir, _, _ = baseline
    rows = pq.read_table(output_dir / "sentences.parquet").to_pylist()
    for article in pq.read_table(output_dir / "articles.parquet").to_pylist():
        flagged = [
            r["en"] for r in rows if r["article_id"] == article["id"] and r["flags"] and r["en"]
        ]
        assert not any(english in article["summary_en"] for english in flagged)
        if not article["summary_en"]:  # withheld: every key point is flagged
            page = (output_dir / "articles" / f"{article['id']}.md").read_text()
            assert "Summary withheld: the English of every key point is flagged" in page


def test_the_pages_mark_each_flagged_sentence_once(baseline):
    _, output_dir, _, _ = baseline
    for article in pq.read_table(output_dir / "articles.parquet").to_pylist():
        for suffix, section in ((".md", "## Full text"), (".en.md", "## Text")):
            page = (output_dir / "articles" / f"{article['id']}{suffix}").read_text()
            text = page.split(section, 1)[1].split("\n---\n", 1)[0]
            assert text.count("⚠") == article["n_flagged"], (article["id"], suffix)
            assert f"{article['n_flagged']} of {article['n_sentences']} sentences flagged" in page
        if article["title_flags"]:
            assert page.splitlines()[0].endswith(
                "*" + ", ".join(article["title_flags"]).replace("_", " ") + "*"
            )
    index = (output_dir / "index.md").read_text()
    assert all(
        f"{a['n_flagged']} of {a['n_sentences']} flagged" in index
        for a in pq.read_table(output_dir / "articles.parquet").to_pylist()
    )


def test_the_english_only_pages_hold_no_dutch_sentence(baseline):
    _, output_dir, _, _ = baseline
    rows = pq.read_table(output_dir / "sentences.parquet").to_pylist()
    for path in (output_dir / "articles").glob("*.en.md"):
        article_id = path.name[: -len(".en.md")]
        page = path.read_text()
        dutch = [r["nl"] for r in rows if r["article_id"] == article_id and r["nl"] != r["en"]]
        assert dutch and not [nl for nl in dutch if escape(nl) in page or nl in page]
        assert f"[Bilingual page, to check the Dutch]({article_id}.md)" in page


def test_an_error_that_stops_the_run_is_the_failed_state_s_result(tmp_path, seed_dir, tiny_marian):
    # The flow passes the error itself through its Failed state; the command line reports it
    # by its class (tests/test_cli_errors.py), not by its text.
    (tmp_path / "file").write_text("not a folder")
    state, result = run(seed_dir, tmp_path / "file" / "out", tiny_marian)
    assert state.is_failed()
    assert isinstance(result, OutputError)
    assert "a file stands where a folder must be" in str(result)

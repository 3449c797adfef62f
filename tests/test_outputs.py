"""Outputs for every reader, from a real run: the run digests, the archive, the site, exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from lxml import etree

from tolk.cli import cli
from tolk.run import digest
from tolk.settings import Settings
from tolk.views.indexes import INDEX_MAX_LINES, render_indexes

pytestmark = pytest.mark.slow  # several real runs

DTD = Path(__file__).parent / "data" / "tmx14.dtd"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, seed_dir, tiny_marian):
    """Run twice into one folder, the second run adding one article; give (output, reports)."""
    root = tmp_path_factory.mktemp("outputs")
    source = root / "in"
    source.mkdir()
    seeds = sorted(seed_dir.glob("*.txt"))
    for path in seeds[:4]:
        shutil.copy(path, source)
    out = root / "out"
    settings = Settings(model=str(tiny_marian))
    first = digest([str(source)], out, settings)
    shutil.copy(seeds[4], source)
    second = digest([str(source)], out, settings)
    return out, first, second, seeds[4].stem


def test_the_latest_digest_lists_only_what_the_last_run_added(two_runs):
    out, first, second, added = two_runs
    assert (first.translated, second.translated, second.reused) == (4, 1, 4)
    runs = sorted((out / "runs").glob("*.md"))
    assert len(runs) == 2
    assert second.digest_page == str(out / "runs" / runs[-1].name)
    latest = (out / "latest.md").read_text()
    assert "1 articles added or changed" in latest
    assert f"articles/{added}.md" in latest and f"articles/{added}.en.md" in latest
    stored = pq.read_table(out / "articles.parquet", columns=["id"])["id"].to_pylist()
    assert [i for i in stored if f"articles/{i}." in latest] == [added]
    assert "4 articles added or changed" in runs[0].read_text()


def test_a_run_that_changes_nothing_writes_no_digest(two_runs, tiny_marian, tmp_path):
    out, _, _, _ = two_runs
    mine = shutil.copytree(out, tmp_path / "out", symlinks=True)
    source = Path(two_runs[1].sources[0])
    report = digest([str(source)], mine, Settings(model=str(tiny_marian)))
    assert report.translated == 0 and report.digest_page is None
    assert len(list((mine / "runs").glob("*.md"))) == 2


def test_every_article_has_a_bilingual_an_english_and_an_html_page(two_runs):
    out, _, _, _ = two_runs
    stored = pq.read_table(out / "articles.parquet", columns=["id"])["id"].to_pylist()
    for article_id in stored:
        for page in (
            f"articles/{article_id}.md",
            f"articles/{article_id}.en.md",
            f"site/{article_id}.html",
        ):
            assert (out / page).is_file(), page
    index = (out / "site" / "index.html").read_text()
    assert all(f'href="{article_id}.html"' in index for article_id in stored)


def test_the_index_moves_older_months_to_the_archive_once_it_grows():
    rows = [
        {
            "id": f"a{n:04d}",
            "date": f"20{20 + n // 120:02d}-{1 + n % 12:02d}-01",
            "title_en": f"Title {n}",
            "summary_en": "Sum.",
            "n_flagged": 0,
            "n_sentences": 3,
        }
        for n in range(INDEX_MAX_LINES + 200)
    ]
    files = render_indexes(rows)
    index = files["index.md"]
    archive = {path: text for path, text in files.items() if path.startswith("archive/")}
    assert archive and "## Archive" in index
    assert sum(line.startswith("- 20") for line in index.splitlines()) <= INDEX_MAX_LINES
    listed = [
        line
        for text in files.values()
        for line in text.splitlines()
        if "](" in line and "articles/a" in line
    ]
    assert len(listed) == len(rows)  # every article exactly once
    for path in archive:
        assert f"]({path})" in index
        assert "](../articles/a" in archive[path]
    assert len(render_indexes(rows[:10])) == 1  # a small index stays one page


@pytest.mark.parametrize("exclude", [False, True])
def test_export_writes_valid_tmx_with_one_tu_per_pair(two_runs, tmp_path, exclude):
    out, _, _, _ = two_runs
    rows = pq.read_table(out / "sentences.parquet").to_pylist()
    expected = [r for r in rows if not (exclude and r["flags"])]
    target = tmp_path / "pairs.tmx"
    args = ["export", str(out), "--format", "tmx", "--to", str(target)]
    result = CliRunner().invoke(cli, args + (["--exclude-flagged"] if exclude else []))
    assert result.exit_code == 0, result.output
    tree = etree.parse(str(target))
    assert etree.DTD(str(DTD)).validate(tree)
    assert len(tree.findall(".//tu")) == len(expected)
    assert result.output.strip() == f"{len(expected)} sentence pairs -> {target}"


def test_export_writes_moses_files_with_one_line_per_pair(two_runs, tmp_path):
    out, _, _, _ = two_runs
    rows = pq.read_table(out / "sentences.parquet").num_rows
    result = CliRunner().invoke(
        cli, ["export", str(out), "--format", "moses", "--to", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    for lang in ("nl", "en"):
        assert len((tmp_path / f"p.{lang}").read_text(encoding="utf-8").split("\n")) == rows + 1

"""A hostile operator's inputs (issue 21): each costs only itself, with one clear line.

Web cases use the local news site on 127.0.0.1; waits between retries are recorded, not slept.
"""

from __future__ import annotations

import os
import shutil

import pytest
from newssite import SEED_PAGES, Response

from tolk.errors import FetchError
from tolk.intake.fetch import Fetcher
from tolk.intake.fetch_terms import FetchOptions
from tolk.intake.sources import SourceOptions
from tolk.run import digest
from tolk.settings import Settings

FAST = FetchOptions(connect_timeout=1.0, read_timeout=0.5, total_timeout=5.0)


def fetcher(sleeps: list[float], **changes) -> Fetcher:
    return Fetcher(FetchOptions(**{**FAST.__dict__, **changes}), sleep=sleeps.append)


BAD_LOCATIONS = [
    "javascript:alert(1)",
    "data:text/html,<p>hoi</p>",
    "http://[::1",
    "http://voor\x01beeld.nl/",
    "ftp://example.nl/a.html",
]


@pytest.mark.parametrize("location", BAD_LOCATIONS)
def test_a_redirect_anywhere_is_one_fetch_error(site, location):
    site.paths["/weg.html"] = Response(b"", status=302, headers={"Location": location})
    sleeps: list[float] = []
    with fetcher(sleeps) as web, pytest.raises(FetchError, match="/weg.html: ") as error:
        web.fetch(site.url("/weg.html"))
    assert sleeps == []  # not retried: it cannot pass
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_a_feed_item_and_a_feed_redirecting_to_javascript_cost_only_themselves(
    tmp_path, site, tiny_marian, seed_dir
):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted(seed_dir.glob("*.txt"))[0], folder)
    seed = SEED_PAGES[0]
    feed = site.rss([seed], bad=False).replace(
        b"</channel>", f"<item><link>{site.url('/weg.html')}</link></item></channel>".encode()
    )
    site.paths["/feed-weg.rss"] = Response(feed, "application/rss+xml")
    site.paths["/weg.html"] = Response(b"", status=302, headers={"Location": "javascript:x()"})
    site.paths["/weg.rss"] = Response(b"", status=301, headers={"Location": "javascript:x()"})
    out = tmp_path / "out"
    sources = [folder, site.url("/feed-weg.rss"), site.url("/weg.rss")]
    report = digest(sources, out, Settings(model=str(tiny_marian), fetch_retries=0))
    failed = sorted(f.source_path for f in report.failures)
    assert failed == [site.url("/weg.html"), site.url("/weg.rss")]
    assert all("redirected to an address tolk cannot follow" in f.reason for f in report.failures)
    assert report.translated == 2 and report.generation == 1  # the folder and the good page


def test_a_page_that_never_ends_is_cut_at_the_total_limit_and_not_retried(site):
    site.paths["/eindeloos.html"] = Response(b"", dribble=0.05)
    sleeps: list[float] = []
    with fetcher(sleeps, total_timeout=0.5, retry_delays=(1.0, 1.0)) as web:
        with pytest.raises(FetchError, match="took over 0.5 s, tolk's limit for one page"):
            web.fetch(site.url("/eindeloos.html"))
    assert site.requests["/eindeloos.html"] == 1 and sleeps == []


def test_a_host_past_its_budget_fails_its_other_pages_at_once(site):
    urls = [site.url(f"/eindeloos-{n}.html") for n in range(4)]
    for n in range(4):
        site.paths[f"/eindeloos-{n}.html"] = Response(b"", dribble=0.05)
    sleeps: list[float] = []
    with fetcher(sleeps, total_timeout=0.3, host_budget=0.3, per_host=1) as web:
        results = [result for _, result in web.fetch_many(urls)]
    assert all(isinstance(r, FetchError) for r in results)
    assert sum("over its budget of 0.3 s" in str(r) for r in results) == 3
    assert sum(site.requests[f"/eindeloos-{n}.html"] for n in range(4)) == 1


def test_the_page_limits_follow_the_fetch_timeout():
    fetch = SourceOptions.from_settings(Settings(fetch_timeout=5.0)).fetch
    assert (fetch.read_timeout, fetch.total_timeout, fetch.host_budget) == (5.0, 15.0, 45.0)


def export_to(tmp_path, target, fmt="tmx"):
    from click.testing import CliRunner

    from tolk.cli import cli

    out = tmp_path / "leeg"
    out.mkdir(exist_ok=True)
    return CliRunner().invoke(cli, ["export", str(out), "--format", fmt, "--to", str(target)])


def test_export_refuses_a_fifo_a_folder_and_a_link_and_leaves_them(tmp_path):
    import os

    fifo, folder, real = tmp_path / "pijp", tmp_path / "map", tmp_path / "echt.tmx"
    os.mkfifo(fifo)
    folder.mkdir()
    real.write_text("van iemand anders")
    link = tmp_path / "link.tmx"
    link.symlink_to(real)
    for target, says in [
        (fifo, "a FIFO (named pipe)"),
        (folder, "a folder"),
        (link, "a symbolic link; tolk replaces only regular files, never a link"),
    ]:
        result = export_to(tmp_path, target)
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines()[-1].startswith(f"Error: {target}: {says}")
    assert fifo.is_fifo() and folder.is_dir() and link.is_symlink()
    assert real.read_text() == "van iemand anders"


def test_export_refuses_a_character_device(tmp_path):
    before = os.stat("/dev/null")
    result = export_to(tmp_path, "/dev/null", "jsonl")
    assert result.exit_code == 2 and "a character device" in result.output
    assert os.stat("/dev/null").st_rdev == before.st_rdev  # still the device


@pytest.mark.parametrize(("target", "fmt"), [("", "tmx"), (".", "jsonl"), (".", "moses")])
def test_export_to_nothing_or_a_dot_is_one_line(tmp_path, target, fmt):
    result = export_to(tmp_path, target, fmt)
    assert result.exit_code == 2, result.output
    assert "names a folder" in result.output and "Traceback" not in result.output


def test_export_writes_a_regular_file_and_replaces_one(tmp_path):
    from tolk.views.export import write_tmx

    target = tmp_path / "uit.tmx"
    target.write_text("oud")
    assert write_tmx([], target) == 0
    assert target.read_text().startswith("<?xml") and not target.is_symlink()


@pytest.fixture(scope="module")
def stored(tmp_path_factory, tiny_marian, seed_dir):
    """Give an output folder of two articles, committed once (copy it before changing it)."""
    root = tmp_path_factory.mktemp("stored")
    folder = root / "in"
    folder.mkdir()
    for path in sorted(seed_dir.glob("*.txt"))[1:3]:
        shutil.copy(path, folder)
    digest([folder], root / "out", Settings(model=str(tiny_marian)))
    return root


def copy_of(stored, tmp_path):
    shutil.copytree(stored / "in", tmp_path / "in")
    shutil.copytree(stored / "out", tmp_path / "out", symlinks=True)
    return tmp_path / "in", tmp_path / "out"


@pytest.mark.parametrize("name", ["articles", "site", "tables", ".tolk", "fetched"])
def test_a_linked_folder_of_the_store_is_refused_before_any_work(tmp_path, name):
    from tolk.errors import OutputError
    from tolk.store import OutputStore

    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    (elsewhere / "van-iemand.md").write_text("niet van tolk")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(elsewhere)
    with pytest.raises(OutputError, match=f"{name}: a symbolic link .*replace the link"):
        OutputStore(out).open()
    assert [p.name for p in elsewhere.iterdir()] == ["van-iemand.md"]
    assert not (out / ".tolk" / "lock").exists() or name == ".tolk"


def test_a_view_is_never_written_through_a_link_made_after_opening(tmp_path):
    from tolk.errors import OutputError
    from tolk.store import OutputStore

    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    with OutputStore(tmp_path / "out") as store:
        (tmp_path / "out" / "articles").symlink_to(elsewhere)
        with pytest.raises(OutputError, match="leads out of the output folder"):
            store.views.write("articles/a.md", "x")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_a_current_link_that_leaves_the_folder_is_not_followed_and_is_repaired(tmp_path, stored):
    from tolk.errors import OutputError
    from tolk.store import OutputStore
    from tolk.store.reader import read_tables

    _, out = copy_of(stored, tmp_path)
    elsewhere = tmp_path / "elders"
    shutil.copytree(out / "tables" / "000001", elsewhere / "000001")
    (out / "tables" / "current").unlink()
    (out / "tables" / "current").symlink_to(elsewhere / "000001")
    with pytest.raises(OutputError, match="does not point at a generation of this folder"):
        read_tables(out)
    with OutputStore(out) as store:
        assert store.generation.number == 1
        assert any("tables/current pointed at" in note for note in store.notes)
    assert os.readlink(out / "tables" / "current") == "000001"
    assert read_tables(out)["articles.parquet"].num_rows == 2


@pytest.mark.slow
def test_a_manifest_claiming_a_newer_schema_is_refused_and_kept(tmp_path, stored):
    import json

    from tolk.errors import StoreTooNew
    from tolk.store import OutputStore

    _, out = copy_of(stored, tmp_path)
    manifest = out / "tables" / "000001" / "manifest.json"
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "schema_version": 99}))
    before = manifest.read_bytes()
    with pytest.raises(StoreTooNew, match="claims store schema 99"):
        OutputStore(out).open()
    assert manifest.read_bytes() == before


@pytest.mark.slow
def test_a_lost_article_is_named_by_id_and_its_pages_removed(tmp_path, stored, tiny_marian):
    folder, out = copy_of(stored, tmp_path)
    first, second = sorted(p.stem for p in folder.glob("*.txt"))
    (out / "tables" / "current" / "sentences.parquet").write_bytes(b"broken")
    (folder / f"{second}.txt").unlink()
    report = digest([folder], out, Settings(model=str(tiny_marian)))
    [lost] = report.failures
    assert lost.article_id == second and lost.reason.startswith(f"article {second!r}: ")
    assert not (out / "articles" / f"{second}.md").exists()
    assert not (out / "articles" / f"{second}.en.md").exists()
    assert not (out / "site" / f"{second}.html").exists()
    assert (out / "articles" / f"{first}.md").exists()


@pytest.mark.slow
def test_the_same_id_from_another_source_in_a_later_run_is_named(tmp_path, stored, tiny_marian):
    folder, out = copy_of(stored, tmp_path)
    first = sorted(p.stem for p in folder.glob("*.txt"))[0]
    other = tmp_path / "ander"
    other.mkdir()
    (other / f"{first}.txt").write_text("Een heel ander artikel over de kaasmarkt in Gouda.\n")
    report = digest([other], out, Settings(model=str(tiny_marian)))
    [note] = [n for n in report.notes if "replaces the one stored" in n]
    assert f"article {first!r} from {other / (first + '.txt')}" in note
    assert f"stored from {stored / 'in' / (first + '.txt')} " in note


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--max-article-bytes", "1e20"], "'1e20' is not a valid integer"),
        (["--max-article-bytes", str(10**20)], "is not in the range 1<=x<=1000000000"),
        (["--fetch-timeout", "nan"], "'nan' is not a finite number"),
        (["--fetch-timeout", "inf"], "is not in the range"),
        (["--lock-timeout", "nan"], "'nan' is not a finite number"),
        (["--threads", "100000"], "is not in the range 0<=x<=1024"),
        (["--beams", "1000000"], "is not in the range 0<=x<=64"),
        (["http://[::1"], "http://[::1: not a valid URL"),
        (["http:///pad"], "the URL names no host"),
    ],
)
def test_a_bad_option_or_source_is_one_line_and_exit_2(tmp_path, args, says):
    from click.testing import CliRunner

    from tolk.cli import cli

    source = [] if args[0].startswith("http") else [str(tmp_path)]
    result = CliRunner().invoke(cli, ["run", *source, *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"fetch_timeout": float("nan")},
        {"lock_timeout": float("inf")},
        {"threads": 100_000},
        {"beams": 10**6},
        {"max_article_bytes": 10**20},
        {"key_points": (1, 10**6)},
    ],
)
def test_settings_refuse_values_out_of_range(changes):
    with pytest.raises(ValueError, match="out of range"):
        Settings(**changes)


def test_eval_on_empty_files_is_one_line(tmp_path):
    from click.testing import CliRunner

    from tolk.cli import cli

    (tmp_path / "src.nl").write_text("")
    (tmp_path / "ref.en").write_text("")
    args = ["eval", "--src", str(tmp_path / "src.nl"), "--ref", str(tmp_path / "ref.en")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "no sentences" in result.output, result.output


def test_a_full_disk_at_lock_time_is_one_error_and_leaves_the_lock_free(tmp_path, monkeypatch):
    import errno

    from tolk.errors import OutputError
    from tolk.store.lock import FolderLock

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    lock = FolderLock(tmp_path / ".tolk" / "lock", 0.0)
    with monkeypatch.context() as patch:
        patch.setattr(os, "pwrite", full)
        with pytest.raises(OutputError, match="No space left on device.*free some disk space"):
            lock.acquire()
    again = FolderLock(tmp_path / ".tolk" / "lock", 0.0)
    again.acquire()  # not held by the failed attempt
    again.release()


def test_a_nan_lock_timeout_is_refused_by_the_lock_itself(tmp_path):
    from tolk.store.lock import FolderLock

    with pytest.raises(ValueError, match="finite"):
        FolderLock(tmp_path / "lock", float("nan"))


def test_models_convert_refuses_a_pickle_only_folder_before_torch(tmp_path, tiny_marian):
    from click.testing import CliRunner

    from tolk.cli import cli

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_marian, pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    result = CliRunner().invoke(cli, ["models", "convert", str(pickled), "--no-tune"])
    assert result.exit_code == 2, result.output
    assert "holds no model.safetensors" in result.output
    assert not list(tmp_path.glob("*ct2*"))


def test_a_page_whose_charset_label_is_wrong_is_read_right_and_warned(site):
    from newssite import article_page

    from tolk.intake.listing import list_items
    from tolk.intake.sources import SourceOptions, read_items

    seed = SEED_PAGES[0]
    text = "Het café in Curaçao is één dag dicht. " * 3
    page = article_page(seed, site.base, text).decode("utf-8").encode("cp1252")
    site.paths["/fout.html"] = Response(page, "text/html; charset=utf-8")
    feed = f'<rss version="2.0"><channel><item><link>{site.url("/fout.html")}</link></item>'
    site.paths["/fout.rss"] = Response((feed + "</channel></rss>").encode(), "application/rss+xml")
    options = SourceOptions(fetch=FAST)
    items, failures, _ = list_items([site.url("/fout.rss")], options)
    [article], more = read_items(items, options)
    assert failures == more == []
    assert "café in Curaçao" in article.text and "\ufffd" not in article.text
    [warning] = article.warnings
    assert "labelled utf-8 but not valid utf-8" in warning and "read as cp1252" in warning


def test_a_utf8_page_with_one_stray_byte_keeps_its_accents():
    from tolk.intake.extract import decode_page

    page = "<p>Één café, één crème brûlée: €5.</p>".encode() + b"\xff"
    text, [warning] = decode_page(page, "utf-8", "x")
    assert "Één café" in text and "1 bytes replaced by U+FFFD" in warning


def test_a_json_line_far_over_the_limit_fails_unparsed_and_alone(tmp_path):
    import json

    from tolk.intake.listing import list_items
    from tolk.intake.sources import SourceOptions

    table = tmp_path / "groot.jsonl"
    with table.open("w") as out:
        out.write(json.dumps({"id": "klein", "text": "Het regent."}) + "\n")
        out.write(json.dumps({"id": "groot", "text": "x" * 800_000}) + "\n")
    items, failures, _ = list_items([table], SourceOptions(max_file_bytes=100_000))
    assert [i.id for i in items] == ["klein"]
    [failure] = failures
    assert "#row 2: the line is 0.8 MB, over the limit of 0.1 MB per article" in failure.reason

"""Reading input files safely: links, special files, limits, encodings, names and retries."""

from __future__ import annotations

import errno
import os
import re
import socket
import time
from pathlib import Path

import pytest

from tolk.errors import UnreadableArticle
from tolk.intake.files import list_folder, read_bytes
from tolk.intake.text import find_articles, read_article, read_with_retries
from tolk.records import Failure

TEXT = "Eerste alinea van het artikel.\n\nTweede alinea.\n"


@pytest.fixture
def folder(tmp_path) -> Path:
    """Give an input folder holding one good article, a.txt."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    return folder


def problems(folder: Path) -> dict[str, str]:
    return {p.name: reason for p, reason in list_folder(folder).problems}


def test_a_link_out_of_the_folder_is_never_followed(folder):
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    assert problems(folder) == {
        "passwd.txt": f"{folder / 'passwd.txt'}: a symbolic link to a file outside the input "
        "folder; copy the file in"
    }
    with pytest.raises(UnreadableArticle, match="outside the input folder"):
        read_article(folder / "passwd.txt")
    # Also not through a folder link that leads out.
    (folder / "uit").symlink_to("/etc")
    (folder / "via.txt").symlink_to(folder / "uit" / "passwd")
    assert "outside the input folder" in problems(folder)["via.txt"]


def test_a_link_inside_the_folder_is_read(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text(TEXT, encoding="utf-8")
    (folder / "alias.txt").symlink_to("a.txt")
    (folder / "diep.txt").symlink_to(folder / "sub" / "b.txt")
    assert [p.name for p in find_articles(folder)] == ["a.txt", "alias.txt", "diep.txt"]
    assert read_article(folder / "diep.txt").paragraphs[1].text == "Tweede alinea."


def test_the_suffix_is_case_insensitive(folder):
    (folder / "UPPER.TXT").write_text(TEXT, encoding="utf-8")
    assert [p.name for p in find_articles(folder)] == ["UPPER.TXT", "a.txt"]
    assert read_article(folder / "UPPER.TXT").id == "UPPER"


def test_special_files_are_failures_never_opened(folder, tmp_path):
    os.mkfifo(folder / "pijp.txt")
    (folder / "map.txt").mkdir()
    (folder / "weg.txt").symlink_to(folder / "bestaat-niet.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sok.txt"))
    try:
        found = problems(folder)
    finally:
        server.close()
    assert set(found) == {"pijp.txt", "map.txt", "weg.txt", "sok.txt"}
    assert "a FIFO (named pipe), not an article file" in found["pijp.txt"]
    assert "a folder, not an article file" in found["map.txt"]
    assert "a broken symbolic link" in found["weg.txt"]
    assert "a socket" in found["sok.txt"]
    assert find_articles(folder) == [folder / "a.txt"]
    started = time.monotonic()
    with pytest.raises(UnreadableArticle, match="FIFO"):
        read_article(folder / "pijp.txt")
    assert time.monotonic() - started < 1


def test_what_a_listing_skips_is_said(folder):
    (folder / "notities.md").write_text("x")
    (folder / "oud").mkdir()
    (folder / ".verborgen.txt").write_text(TEXT)
    listing = list_folder(folder)
    assert listing.paths == [folder / "a.txt"]
    assert listing.skipped == [".verborgen.txt", "notities.md", "oud/"]
    assert listing.note() == (
        f"{folder}: skipped 3 entries that are not articles (.verborgen.txt, notities.md, oud/)"
    )
    assert list_folder(folder, (".txt", ".md")).paths == [folder / "a.txt", folder / "notities.md"]


def test_a_file_over_the_size_limit_is_refused_unread(folder):
    big = folder / "groot.txt"
    with open(big, "wb") as file:  # sparse: 50 MB that take no disk
        file.truncate(50_000_000)
    started = time.monotonic()
    with pytest.raises(UnreadableArticle) as error:
        read_article(big)
    assert time.monotonic() - started < 0.5
    assert str(error.value) == (
        f"{big}: the file is 50 MB, over the limit of 1 MB per article; split it into "
        "articles, or raise the limit if it really is one article"
    )
    with pytest.raises(UnreadableArticle, match="the file is 47 bytes, over the limit of 10 bytes"):
        read_article(folder / "a.txt", max_bytes=10)
    assert read_bytes(folder / "a.txt", max_bytes=len(TEXT)) == TEXT.encode()


def test_a_nul_byte_anywhere_means_binary(folder):
    path = folder / "b.txt"
    path.write_bytes(b"Gewone tekst. " * 2000 + b"\x00" + b"Meer tekst.")
    with pytest.raises(UnreadableArticle, match=re.escape("binary file (it holds NUL bytes")):
        read_article(path)


def test_a_few_stray_control_characters_are_replaced_with_a_warning(folder):
    path = folder / "b.txt"
    path.write_bytes(b"Eerste\x07 alinea\x1b.\n\nTweede\x0calinea. " + b"Meer tekst. " * 20)
    article = read_article(path)
    assert [p.text for p in article.paragraphs][0] == "Eerste alinea ."
    assert article.paragraphs[1].text.startswith("Tweede alinea. Meer tekst.")
    assert article.warnings == (
        "b.txt: 3 stray control characters (U+0007, U+000C, U+001B) replaced by spaces; "
        "check the text around them",
    )


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_decoded(folder, encoding):
    path = folder / "b.txt"
    path.write_bytes(("\ufeff" + "Oekraïne en Chávez.\n\nTweede alinea.").encode(encoding))
    article = read_article(path)
    assert [p.text for p in article.paragraphs] == ["Oekraïne en Chávez.", "Tweede alinea."]
    assert article.warnings == ()


def test_utf16_without_a_bom_is_refused_with_a_hint(folder):
    path = folder / "b.txt"
    path.write_bytes("Oekraïne en Chávez.".encode("utf-16-le"))
    with pytest.raises(UnreadableArticle, match="a UTF-16 file needs a byte-order mark"):
        read_article(path)


def test_a_name_that_is_not_utf8_fails_alone(folder):
    os.close(os.open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), os.O_CREAT | os.O_WRONLY))
    listing = list_folder(folder)
    assert listing.paths == [folder / "a.txt"]
    [(path, reason)] = listing.problems
    assert reason == (
        f"{folder}/caf\\xe9.txt: the file name is not valid UTF-8; rename it "
        "(for example with `convmv -f latin1 -t utf8`)"
    )
    failure = read_with_retries(path, delays=())
    assert failure.source_path == f"{folder}/caf\\xe9.txt"
    assert failure.source_path.encode("utf-8")  # safe to store
    assert re.fullmatch(r"caf-[0-9a-f]{10}", failure.article_id)


class Flaky:
    """Fail the first `failures` reads with `error`, then read the file."""

    def __init__(self, error: OSError, failures: int) -> None:
        self.error, self.failures, self.calls = error, failures, 0

    def __call__(self, path: Path):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return read_article(path)


@pytest.mark.parametrize(
    ("error", "what"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "make it readable or remove it"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "moved or deleted"),
    ],
    ids=["permission", "not-found"],
)
def test_permanent_errors_are_not_retried(folder, error, what):
    flaky, sleeps = Flaky(error, 99), []
    failure = read_with_retries(folder / "a.txt", read=flaky, sleep=sleeps.append)
    assert isinstance(failure, Failure)
    assert (flaky.calls, sleeps) == (1, [])
    assert failure.article_id == "a" and failure.source_path == str(folder / "a.txt")
    assert failure.reason.startswith(f"{folder / 'a.txt'}: cannot read the file (")
    assert what in failure.reason


@pytest.mark.parametrize("code", [errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE])
def test_transient_errors_are_retried(folder, code):
    flaky, sleeps = Flaky(OSError(code, os.strerror(code)), 2), []
    article = read_with_retries(folder / "a.txt", read=flaky, sleep=sleeps.append)
    assert article.id == "a"
    assert (flaky.calls, sleeps) == (3, [1.0, 5.0])


def test_a_transient_error_that_stays_is_a_failure(folder):
    flaky, sleeps = Flaky(OSError(errno.EIO, "Input/output error"), 99), []
    failure = read_with_retries(folder / "a.txt", read=flaky, sleep=sleeps.append)
    assert (flaky.calls, sleeps) == (3, [1.0, 5.0])
    assert "Input/output error" in failure.reason and "run again" in failure.reason

"""Input files: list a folder's articles and open each one safely, within limits.

What a folder holds is never trusted: a link that leads out of the folder is not followed, a
FIFO is never opened (reading one blocks forever), a file over the size limit is refused before
it is read, and a name that is not valid UTF-8 fails alone. What a listing skips is said, not
hidden. Only I/O errors that can pass (EIO, EAGAIN, a stale NFS handle...) are worth a retry.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tolk.errors import UnreadableArticle
from tolk.settings import DEFAULTS

DEFAULT_MAX_FILE_BYTES = DEFAULTS.max_article_bytes
READ_DELAYS = (0.0, 1.0, 5.0)  # seconds to wait before each try of a transient I/O error
TRANSIENT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("EIO", "EAGAIN", "EINTR", "EBUSY", "ETIMEDOUT", "ESTALE", "ENOLCK", "EREMOTEIO")
    if hasattr(errno, name)
)
_SPECIAL = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}

T = TypeVar("T")


def shown(path: Path | str) -> str:
    """Render a path for messages and records, also one whose name is not valid UTF-8."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def megabytes(size: int) -> str:
    """Render a byte count for people ("50 MB", "1.5 MB", "900 bytes")."""
    if size < 100_000:
        return f"{size} bytes"
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def check_name(path: Path) -> None:
    """Refuse a file whose name is not valid UTF-8 (Linux hands it over as surrogate escapes)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        raise UnreadableArticle(
            f"{shown(path)}: the file name is not valid UTF-8; rename it "
            "(for example with `convmv -f latin1 -t utf8`)"
        ) from None


def check_file(path: Path, folder: Path) -> os.stat_result:
    """Check that `path` is a regular file, or a link to one inside `folder`; give its stat."""
    check_name(path)
    where = shown(path)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(Path(os.path.realpath(folder))):
            raise UnreadableArticle(
                f"{where}: a symbolic link to a file outside the input folder; copy the file in"
            )
        try:
            info = target.stat()
        except FileNotFoundError:
            raise UnreadableArticle(
                f"{where}: a broken symbolic link (its target does not exist); remove it"
            ) from None
    kind = _SPECIAL.get(stat.S_IFMT(info.st_mode))
    if kind or not stat.S_ISREG(info.st_mode):
        raise UnreadableArticle(
            f"{where}: {kind or 'not a regular file'}, not an article file; "
            "tolk reads only regular files: remove it or give it another name"
        )
    return info


def read_bytes(
    path: Path, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> bytes:
    """Read a file's bytes after `check_file`, refusing one over `max_bytes` unread."""
    folder = path.parent if folder is None else folder
    check_file(path, folder)
    # O_NONBLOCK: should a FIFO take the file's place after the check, opening it cannot hang.
    fd = os.open(os.path.realpath(path), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    with open(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableArticle(f"{shown(path)}: not a regular file; remove it")
        data = file.read(max_bytes + 1)
    if info.st_size > max_bytes or len(data) > max_bytes:
        size = max(info.st_size, len(data))
        raise UnreadableArticle(
            f"{shown(path)}: the file is {megabytes(size)}, over the limit of "
            f"{megabytes(max_bytes)} per article; split it into articles, or raise the limit "
            "if it really is one article"
        )
    return data


def io_reason(path: Path, error: OSError) -> str:
    """Explain an I/O error on an input file, with what to do."""
    where = shown(path)
    if isinstance(error, PermissionError):
        return f"{where}: cannot read the file ({error}); make it readable or remove it"
    if isinstance(error, FileNotFoundError):
        return f"{where}: cannot read the file ({error}); was it moved or deleted during the run?"
    return f"{where}: cannot read the file ({error}); check the disk or share and run again"


def is_transient(error: OSError) -> bool:
    """Say whether an I/O error may pass if tried again."""
    return error.errno in TRANSIENT_ERRNOS


def with_retries(
    read: Callable[[], T],
    delays: Sequence[float] = READ_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `read`, again after each delay while it raises a transient `OSError`."""
    for attempt, delay in enumerate(delays or (0.0,), 1):
        if delay:
            sleep(delay)
        try:
            return read()
        except OSError as error:
            if not is_transient(error) or attempt >= len(delays):
                raise
    raise AssertionError("unreachable")


@dataclass
class FolderListing:
    """A folder's article files, the entries that cannot be read, and what was skipped."""

    folder: Path
    paths: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # names; folders end in "/"

    def note(self) -> str | None:
        """Say in one line what the listing skipped, or None when it skipped nothing."""
        if not self.skipped:
            return None
        names = ", ".join(self.skipped[:5]) + (", ..." if len(self.skipped) > 5 else "")
        count = len(self.skipped)
        entries = "entry that is not an article" if count == 1 else "entries that are not articles"
        return f"{shown(self.folder)}: skipped {count} {entries} ({names})"

    def why_empty(self, reads: str) -> str:
        """Say why a folder gave no article, and what to do (`reads`: what tolk reads)."""
        kinds = Counter(
            "subfolder" if name.endswith("/") else Path(name).suffix.lower() or "other"
            for name in self.skipped
            if not Path(name.rstrip("/")).name.startswith(".")
        )
        parts = [
            f"{n} {kind}{'s' if n > 1 else ''}"
            if kind == "subfolder"
            else f"{n} {kind} file{'s' if n > 1 else ''}"
            for kind, n in kinds.most_common()
        ]
        skipped = f"; {', '.join(parts)} skipped" if parts else ""
        hint = " (give --recursive to read subfolders)" if kinds["subfolder"] else ""
        return f"{shown(self.folder)}: no article files{skipped}{hint}: {reads}"


def list_folder(
    folder: Path, suffixes: Sequence[str] = (".txt",), recursive: bool = DEFAULTS.recursive
) -> FolderListing:
    """List the article files of a folder by name; say why any of them cannot be read.

    With `recursive`, subfolders are listed too (hidden ones and links to folders are not
    followed, so a listing always ends); their names are given relative to `folder`.
    """
    listing = FolderListing(folder)
    _list_into(listing, folder, {s.lower() for s in suffixes}, recursive)
    return listing


def _list_into(listing: FolderListing, here: Path, wanted: set[str], recursive: bool) -> None:
    prefix = here.relative_to(listing.folder).as_posix() + "/" if here != listing.folder else ""
    for path in sorted(here.iterdir(), key=lambda p: p.name):
        is_dir = path.is_dir() and not path.is_symlink()
        if is_dir and recursive and not path.name.startswith("."):
            _list_into(listing, path, wanted, recursive)
            continue
        if path.suffix.lower() not in wanted or path.name.startswith("."):
            listing.skipped.append(prefix + shown(path.name) + ("/" if is_dir else ""))
            continue
        try:
            check_file(path, listing.folder)
        except UnreadableArticle as error:
            listing.problems.append((path, str(error)))
        except OSError as error:
            listing.problems.append((path, io_reason(path, error)))
        else:
            listing.paths.append(path)

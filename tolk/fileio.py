"""Durable file operations: atomic, fsynced writes with clear errors, in one place.

Every file tolk writes (the output store, the views, exports, the model store's manifests and
calibrations, the cache's tuned settings) goes to a temporary name beside its target
(`.NAME.PID.tmp`), is flushed to disk, and is then renamed into place, and the folder entry is
flushed too: a crash at any moment leaves either the old file or the new one, never half of one.
Temporary names all match `TEMP_GLOB`, so the next run's sweep can remove what a dead run left.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tolk.errors import OutputError

TEMP_SUFFIX = ".tmp"
# I/O errors that may pass if tried again in a few seconds (a network disk, a busy device).
TRANSIENT = {errno.EIO, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.ESTALE, errno.EINTR}


def temp_path(path: Path) -> Path:
    """Return the temporary name a file is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def is_temp(name: str) -> bool:
    """Say whether a file name is one of the store's temporary names (or tolk 0.1.0's)."""
    return name.startswith(".") and (name.endswith(TEMP_SUFFIX) or name.endswith(".staged"))


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's contents to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def io_errors(path: Path, doing: str) -> Iterator[None]:
    """Turn an OSError into an `OutputError` that names the path and what to do."""
    try:
        yield
    except OutputError:
        raise
    except OSError as error:
        raise OutputError(
            f"{path}: cannot {doing} ({error.strerror or error}); {advice(error)}"
        ) from None


def advice(error: OSError) -> str:
    """Say what to do about an I/O error."""
    if error.errno == errno.ENOSPC:
        return "free some disk space and run again: the last good output is kept"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "fix the folder's permissions or choose another --out"
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a file stands where a folder must be: choose another --out"
    return "check the disk and run again: the last good output is kept"


@contextmanager
def atomic_file(path: Path, check: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Give a temporary path beside `path` to write; then flush it and rename it into place.

    The folder entry is flushed after the rename, so the new file survives a power loss. A
    leftover temporary (or a link planted in its place) is removed first, never written
    through. `check(path)` runs once more just before the rename: a target that something
    else took meanwhile is refused, not replaced.
    """
    tmp = temp_path(path)
    with io_errors(path, "write the file"):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        try:
            yield tmp
            fsync_path(tmp)
            if check:
                check(path)
            os.replace(tmp, path)
            fsync_path(path.parent)
        finally:
            tmp.unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through `write(tmp)`, flush it, and rename it into place."""
    with atomic_file(path) as tmp:
        write(tmp)


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (UTF-8)."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def replace_symlink(link: Path, target: str) -> None:
    """Point a symbolic link at `target` in one atomic step (a file there is replaced)."""
    tmp = temp_path(link)
    with io_errors(link, "update the link"):
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, link)

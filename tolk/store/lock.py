"""An exclusive lock on an output folder for a whole run, naming its owner.

The lock is an `flock` on `.tolk/lock`, so the kernel releases it when its process dies, however
it dies. The file holds the owner's pid, host, command and start time, for the message a
waiting run prints, and is emptied on a clean release: a lock taken over from a file that still
names an owner was left by a run that died, and the new owner says so.

(filelock offers the same flock but neither the owner record nor the takeover warning.)
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tolk.errors import StoreLocked
from tolk.fileio import io_errors
from tolk.store.layout import STATE_DIR

WAIT_REPORT_SECONDS = 60.0


def _owner() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv)[:300],
    }


def describe_owner(owner: dict) -> str:
    """Say who holds (or held) a lock, for a person to read."""
    if not owner:
        return "another run"
    where = f"pid {owner.get('pid')} on {owner.get('host')}"
    return f"{where} (started {owner.get('started', '?')}: {owner.get('command', '')})"


class FolderLock:
    """Hold an output folder for one run; wait for another run that holds it."""

    def __init__(self, path: Path, timeout: float, log: logging.Logger | None = None) -> None:
        self.path = path
        if not 0 <= timeout < math.inf:  # a NaN deadline would never come
            raise ValueError(f"lock timeout {timeout!r}: give a finite number of seconds >= 0")
        self.timeout = timeout
        self.log = log or logging.getLogger("tolk")
        self._fd: int | None = None
        self.took_over: dict | None = None  # the record a dead owner left, if any

    def owner(self) -> dict:
        """Return the owner record in the lock file ({} when none or unreadable)."""
        try:
            text = self.path.read_text(encoding="utf-8")
            return json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        """Take the lock, waiting up to the timeout for another run to release it."""
        with io_errors(self.path.parent, "create the lock file"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.timeout
        next_report, pause = 0.0, 0.1
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if now >= deadline:
                    os.close(fd)
                    raise StoreLocked(
                        f"{self.path.parent.parent}: still locked after {self.timeout:.0f} s by "
                        f"{describe_owner(self.owner())}; wait for that run to end or stop it, "
                        "or give a longer --lock-timeout"
                    ) from None
                if now >= next_report:
                    self.log.warning(
                        f"{self.path.parent.parent} is in use by {describe_owner(self.owner())}; "
                        f"waiting up to {deadline - now:.0f} s more for it (--lock-timeout)"
                    )
                    next_report = now + WAIT_REPORT_SECONDS
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        previous = self.owner()
        if previous:
            self.took_over = previous
            self.log.warning(
                f"{self.path.parent.parent}: taking over the lock of {describe_owner(previous)}, "
                "which ended without releasing it; cleaning up what it left"
            )
        record = json.dumps(_owner()).encode()
        try:
            with io_errors(self.path, "write the lock file"):  # a full disk, say
                os.ftruncate(fd, 0)
                os.pwrite(fd, record, 0)
                os.fsync(fd)
        except BaseException:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Empty the owner record and release the lock."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


SERVE_LOCK = f"{STATE_DIR}/serve.lock"


def hold_for_serving(output_dir: Path, log: logging.Logger | None = None) -> FolderLock:
    """Hold an output folder for one `tolk serve` for as long as it lives; refuse a second one.

    Its own lock file, apart from the runs' lock: the serve process holds it while its runs
    take and release the folder's lock one after the other.
    """
    lock = FolderLock(output_dir / SERVE_LOCK, 0.0, log)
    try:
        lock.acquire()
    except StoreLocked:
        raise StoreLocked(
            f"{output_dir} is already served by {describe_owner(lock.owner())}; stop that "
            "`tolk serve` first (or let it serve), or give this one another --out"
        ) from None
    return lock

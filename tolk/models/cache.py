"""tolk's cache in the user's home: the stand-in model and the settings tuned per CPU.

$TOLK_CACHE_DIR, else $XDG_CACHE_HOME/tolk, else ~/.cache/tolk. Only what can be rebuilt lives
here: deleting the folder costs time, never data.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """Return tolk's cache folder (it may not exist yet)."""
    if os.environ.get("TOLK_CACHE_DIR"):
        return Path(os.environ["TOLK_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tolk"

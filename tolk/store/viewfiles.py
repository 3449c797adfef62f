"""The view files of an output folder: pages and indexes written inside it, never through a link.

The store owns them (`OutputStore.views`); `tolk.views.refresh` decides what they say.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tolk.errors import OutputError
from tolk.fileio import io_errors, write_text


class ViewFiles:
    """Write, remove and track the derived files of one output folder."""

    def __init__(self, root: Path, state_file: Path) -> None:
        self.root, self.state_file = root, state_file

    def write(self, relative: str, text: str) -> None:
        """Write one derived view file (a page or an index) atomically, inside the folder."""
        path = self.root / relative
        where = Path(os.path.realpath(path.parent))
        if not where.is_relative_to(os.path.realpath(self.root)):
            raise OutputError(
                f"{path.parent}: leads out of the output folder (to {where}); tolk writes only "
                "inside it: replace the link by a real folder"
            )
        write_text(path, text)

    def remove(self, relative: str) -> bool:
        """Remove one view file, if it is there (never through a link); say whether it was."""
        path = self.root / relative
        if not Path(os.path.realpath(path.parent)).is_relative_to(os.path.realpath(self.root)):
            return False
        with io_errors(path, "remove the page"):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        return True

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def state(self) -> dict:
        """Return the record of which generation the views show ({} when none)."""
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def set_state(self, state: dict) -> None:
        write_text(self.state_file, json.dumps(state))

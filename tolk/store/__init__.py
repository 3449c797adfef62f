"""The output store: the only code that reads and writes an output folder (see `store.py`)."""

from tolk.store.store import Commit, OutputStore, Plan

__all__ = ["Commit", "OutputStore", "Plan"]

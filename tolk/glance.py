"""A glance before a run: will it need the model at all?

`tolk run` starts Prefect (and its temporary server, seconds of fixed cost) only for a run that
may translate; a run with nothing to translate goes straight to `tolk.run.digest` in this
process, which commits nothing new and rewrites no page that is current.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from tolk.compose import cache_key, make_signature
from tolk.intake.archive import PageArchive
from tolk.intake.listing import list_items
from tolk.intake.sources import SourceOptions, read_items, source_kind
from tolk.intake.web import Web
from tolk.settings import Settings
from tolk.store.reader import settled_keys
from tolk.translate import TranslatorSpec, select_model

GLANCE_CHUNK = 16


def needs_model(
    sources: Sequence[object], output_dir: str | Path, settings: Settings | None = None
) -> bool:
    """Say whether a run of `sources` into `output_dir` may need the model; False only when
    every source is a local file or folder, every article in them is stored unchanged under
    these settings, and the folder holds nothing to repair or recover.

    A glance, no more: the run itself decides what to translate. `tolk run` uses it to skip
    starting Prefect for a run with nothing to translate.
    """
    settings = settings or Settings()
    if any(source_kind(s) not in ("folder", "file", "table") for s in sources):
        return True  # a feed must be fetched to be known; a DataFrame is never stored as such
    stored = settled_keys(Path(output_dir))
    if stored is None:
        return True
    spec = TranslatorSpec.from_settings(settings)
    signature = make_signature(select_model(spec), spec, settings)
    options = SourceOptions.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="tolk-glance-") as empty:
        with Web.open(options.fetch, PageArchive(Path(empty)), options.urls) as web:
            items, _, _ = list_items(sources, options, web)
            # A chunk at a time, stopping at the first article to translate: only a run with
            # nothing to do reads everything twice (here, then in the run).
            for start in range(0, len(items), GLANCE_CHUNK):
                articles, _ = read_items(items[start : start + GLANCE_CHUNK], options, web)
                if any(stored.get(a.id) != cache_key(a, signature) for a in articles):
                    return True
    return False

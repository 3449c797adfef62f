"""Shared fixtures: the sample articles and a tiny real Marian model built from them."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# No network in CI: Prefect's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# tolk's cache (tuned settings, the stand-in model) is the user's: tests get their own, so
# nothing tuned on this machine changes what a test sees, and no test writes to the home folder.
os.environ["TOLK_CACHE_DIR"] = tempfile.mkdtemp(prefix="tolk-test-cache-")
atexit.register(shutil.rmtree, os.environ["TOLK_CACHE_DIR"], ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def one_model_thread():
    """Run the models on one thread unless a test asks for more.

    The tiny model's products are too small to split: two threads gain nothing idle (3.3 s
    against 3.9 s for 60 sentences) and on a loaded machine each step waits for the second
    thread to be scheduled (12.3 s against 5.9 s beside two CPU-bound processes, 2 cores).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tolk.translate.base.default_threads", lambda: 1)
        yield


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    """Give the project's sample articles folder (read-only: copy before changing)."""
    return SEEDS


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    """Give a tiny random-weight Marian model, SentencePiece trained on the sample articles."""
    from tolk.testing.random_model import TINY, build_random_marian

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return build_random_marian(tmp_path_factory.mktemp("models") / "tiny-marian", texts, TINY)


@pytest.fixture
def articles_copy(tmp_path, seed_dir) -> Path:
    """Give a writable copy of the sample articles."""
    target = tmp_path / "in"
    shutil.copytree(seed_dir, target, ignore=shutil.ignore_patterns("*.md"))
    return target


@pytest.fixture
def site():
    """Give a running local news site on 127.0.0.1 (tests/newssite.py)."""
    from newssite import NewsSite

    site = NewsSite().start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def prefect_harness():
    """Run flows against a temporary Prefect database for the whole session."""
    from prefect.testing.utilities import prefect_test_harness
    from support import HANG_SECONDS

    # Its server answers in seconds on an idle machine; Prefect's own 30 s cap assumed one.
    with prefect_test_harness(server_startup_timeout=HANG_SECONDS):
        yield


@pytest.fixture
def count_decodes(monkeypatch):
    """Count the batches the real backends decode during a test (they still decode them).

    Counting at the backend classes catches any translator the run loads, unlike reading the
    stats of one cached translator.
    """
    from tolk.translate.ct2 import Ct2Translator
    from tolk.translate.torch import TorchTranslator

    calls = []
    for cls in (TorchTranslator, Ct2Translator):
        real = cls.decode_batches

        def counted(self, batches, beams, repair=False, *, _real=real):
            calls.extend(batches)
            yield from _real(self, batches, beams, repair)

        monkeypatch.setattr(cls, "decode_batches", counted)
    return lambda: len(calls)


def pytest_collection_modifyitems(config, items):
    """Mark every test that runs a real Prefect flow as slow: the harness alone takes seconds."""
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

"""A run's model, conversion and cache keys do not depend on the folder it starts from."""

from __future__ import annotations

import shutil

import pytest

import tolk
from tolk.models.convert import convert
from tolk.models.store import describe, resolve
from tolk.settings import Settings


@pytest.fixture
def project(tmp_path, tiny_marian, seed_dir):
    """Give a project folder: the model and its int8 conversion in models/, articles in in/."""
    root = tmp_path / "project"
    shutil.copytree(tiny_marian, root / "models" / "tiny")
    convert(describe(root / "models" / "tiny"), "int8", store=root / "models")
    shutil.copytree(seed_dir, root / "in", ignore=shutil.ignore_patterns("*.md"))
    (tmp_path / "elsewhere").mkdir()
    return root


@pytest.mark.slow
def test_the_same_digest_from_two_folders_translates_nothing_the_second_time(
    project, monkeypatch, count_decodes
):
    monkeypatch.delenv("TOLK_MODELS_DIR", raising=False)
    monkeypatch.chdir(project)  # relative model, sources and output folder
    first = tolk.digest(["in"], "outputs", Settings(model="models/tiny", repair=False))
    assert first.ok and first.translated > 0 and "backend:ct2" in first.signature
    assert (project / "outputs" / "articles.parquet").exists()
    decoded = count_decodes()

    monkeypatch.chdir(project.parent / "elsewhere")  # no models/ here: found beside the model
    again = tolk.digest(
        [str(project / "in")],
        str(project / "outputs"),
        Settings(model=str(project / "models" / "tiny"), repair=False),
    )
    assert again.signature == first.signature
    assert (again.translated, again.reused) == (0, first.translated)
    assert count_decodes() == decoded


def test_a_model_path_resolves_to_one_canonical_folder(project, monkeypatch):
    (project.parent / "link").symlink_to(project / "models")
    monkeypatch.chdir(project / "in")
    by_dots = resolve("../models/tiny")
    monkeypatch.chdir(project.parent)
    by_link = resolve("link/tiny")
    assert by_dots == by_link
    assert by_dots.path == (project / "models" / "tiny").resolve()

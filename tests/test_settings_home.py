"""`Settings` is the only home of tolk's defaults: nothing in tolk/ writes one of them again.

Read from the source: a dataclass field, a function's keyword default or a module's DEFAULT_
constant that spells out the value of the `Settings` field it stands for is a second home,
which an edit of `Settings` would leave behind. Such defaults are written `DEFAULTS.name`.
"""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from tolk.intake.fetch_terms import FetchOptions
from tolk.intake.sources import SourceOptions
from tolk.settings import DEFAULTS, Settings
from tolk.summarize import KeyPointSettings
from tolk.translate import TranslatorSpec
from tolk.translate.batching import BatchPolicy
from tolk.views.feed import FeedOptions

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {f.name: getattr(DEFAULTS, f.name) for f in fields(Settings)}
# Names that stand for a setting under another name.
ALIASES = {
    "read_timeout": "fetch_timeout",
    "max_bytes": "max_page_bytes",
    "max_file_bytes": "max_article_bytes",
    "entries": "feed_entries",
    "content": "feed_content",
    "allow_private": "allow_private_urls",
}
SPECIAL = {"minimum": DEFAULTS.key_points[0], "maximum": DEFAULTS.key_points[1]}


def stands_for(name: str) -> object:
    if name in SPECIAL:
        return SPECIAL[name]
    name = ALIASES.get(name, name)
    return SETTINGS.get(name, KeyError)


def literal(node: ast.AST | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else KeyError
    except ValueError:
        return KeyError  # an expression (DEFAULTS.x, a constant's name): derived, fine


def restated(path: Path) -> list[str]:
    """Return the defaults in a module that restate a Settings default, as `line: name`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def check(name: str, value: ast.AST | None, line: int) -> None:
        wanted = stands_for(name)
        given = literal(value)
        # None is "not given" (a glossary object, say), never a restated setting.
        if wanted is not KeyError and given not in (KeyError, None) and given == wanted:
            found.append(f"{path.relative_to(ROOT)}:{line}: {name} = {given!r}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    check(item.target.id, item.value, item.lineno)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(
                positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
            ):
                check(arg.arg, default, default.lineno)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if default is not None:
                    check(arg.arg, default, default.lineno)
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("DEFAULT_"):
                given = literal(node.value)
                if (
                    given is not KeyError
                    and given in SETTINGS.values()
                    and given
                    not in (
                        None,
                        False,
                        True,
                        0,
                        (),
                    )
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {target.id}")
    return found


MODULES = sorted(
    p for p in (ROOT / "tolk").rglob("*.py") if p.name != "settings.py" and "testing" not in p.parts
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_restates_a_settings_default(path):
    assert not restated(path), "write these as DEFAULTS.<name> (tolk.settings)"


def test_the_check_catches_a_restated_default(tmp_path):
    module = ROOT / "tolk" / "_probe_restated.py"
    module.write_text(
        "from dataclasses import dataclass\n\n@dataclass\nclass Probe:\n"
        "    max_batch_tokens: int = 4096\n    fine: int = 4096\n\n"
        "def go(beams=4, *, lock_timeout=3600.0, threads=DEFAULTS.threads):\n    pass\n"
        "DEFAULT_PAGE_BYTES = 5_000_000\n"
    )
    try:
        lines = [entry.split(": ", 1)[1] for entry in restated(module)]
    finally:
        module.unlink()
    assert lines == [
        "max_batch_tokens = 4096",
        "beams = 4",
        "lock_timeout = 3600.0",
        "DEFAULT_PAGE_BYTES",
    ]


@pytest.mark.parametrize(
    ("options", "changed"),
    [
        (lambda s: TranslatorSpec.from_settings(s).max_batch_tokens, {"max_batch_tokens": 2048}),
        (lambda s: TranslatorSpec.from_settings(s).torch_dtype, {"torch_dtype": "bfloat16"}),
        (lambda s: FetchOptions.from_settings(s).read_timeout, {"fetch_timeout": 7.0}),
        (lambda s: FetchOptions.from_settings(s).total_timeout, {"fetch_timeout": 7.0}),
        (lambda s: FetchOptions.from_settings(s).retry_delays, {"fetch_retries": 3}),
        (lambda s: SourceOptions.from_settings(s).max_file_bytes, {"max_article_bytes": 10}),
        (lambda s: SourceOptions.from_settings(s).fetch.max_bytes, {"max_page_bytes": 10}),
        (lambda s: SourceOptions.from_settings(s).urls.allow_private, {"allow_private_urls": True}),
        (lambda s: FeedOptions.from_settings(s).entries, {"feed_entries": 3}),
        (lambda s: FeedOptions.from_settings(s).content, {"feed_content": "full"}),
    ],
)
def test_options_built_from_settings_follow_them_and_default_to_them(options, changed):
    assert options(Settings(**changed)) != options(Settings())
    # Built from the default settings, an option type is its own default.
    built = options(Settings())
    plain = options.__code__.co_names  # which type the case builds
    default = {
        "TranslatorSpec": TranslatorSpec(),
        "FetchOptions": FetchOptions(),
        "SourceOptions": SourceOptions(),
        "FeedOptions": FeedOptions(),
    }[next(n for n in plain if n.endswith(("Spec", "Options")))]
    rest = options.__code__.co_names[plain.index("from_settings") + 1 :]
    value = default
    for attribute in rest:
        value = getattr(value, attribute)
    assert built == value


def test_the_library_defaults_are_the_settings_defaults():
    assert BatchPolicy().max_batch_tokens == DEFAULTS.max_batch_tokens
    assert (KeyPointSettings().minimum, KeyPointSettings().maximum) == DEFAULTS.key_points

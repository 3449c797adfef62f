"""The settings of a digest run and their defaults, declared once.

`Settings` owns every default. The command line's options, the Prefect flow's parameters and
the deployments are all derived from it, so a default is never written twice. Each field says
whether it shapes the output (it is then part of every article's cache key, through the
`Signature`) or only how fast or how safely the run goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-nl-en"
DEFAULT_SOURCES = ("seeds",)
DEFAULT_OUTPUT_DIR = "outputs"
# Where `tolk serve` puts the Prefect UI it starts: fixed, so a bookmark keeps working (Prefect's
# own default, 4200, is left to a `prefect server` of its own).
DEFAULT_UI_PORT = 4210
BACKEND_CHOICES = ("auto", "torch", "ct2")
TORCH_DTYPES = ("float32", "bfloat16")
FEED_CONTENTS = ("summary", "full")


# The range of every numeric setting, declared once: Settings refuses a value outside it (or
# a NaN or infinity), and the command line derives its option types from it. The highs are far
# past any real use; they stop a typo from exhausting memory or waiting forever.
LIMITS: dict[str, tuple[float, float]] = {
    "beams": (0, 64),
    "key_points": (1, 50),
    "threads": (0, 1024),
    "max_batch_tokens": (64, 1_000_000),
    "chunk_articles": (1, 10_000),
    "checkpoint_chunks": (1, 10_000),
    "lock_timeout": (0.0, 7 * 24 * 3600.0),
    "max_article_bytes": (1, 1_000_000_000),
    "max_page_bytes": (1, 1_000_000_000),
    "fetch_timeout": (0.1, 600.0),
    "fetch_retries": (0, 10),
    "feed_entries": (1, 100_000),
}


def out_of_range(name: str, value: object) -> str | None:
    """Say why a value is outside a setting's range, or None when it is within."""
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} = {value!r} is not a number"
    if isinstance(low, int) and not isinstance(value, int):
        return f"{name} = {value!r} is not a whole number"
    if not (low <= value <= high):  # False for NaN too
        return f"{name} = {value!r} is out of range: give {low} to {high}"
    return None


def _setting(default: Any, help: str, *, output: bool = False, cli: bool = True) -> Any:
    return field(default=default, metadata={"help": help, "output": output, "cli": cli})


@dataclass(frozen=True)
class Settings:
    """How a digest runs: the model and decoding that shape the English, and the run's limits."""

    model: str = _setting(
        DEFAULT_MODEL,
        "Model directory, a name under models/, or a Hugging Face id in the local cache.",
        output=True,
    )
    backend: str = _setting(
        "auto", "auto: ct2 when a fresh converted model exists, else torch.", output=True
    )
    # opus-mt-nl-en's own config says 6 beams; across 77 opus-mt models 4 cost a third less
    # for no BLEU loss (transformers#8427). 0 takes the model's own setting.
    beams: int = _setting(4, "Beam size; 0 takes the model's own generation config.", output=True)
    key_points: tuple[int, int] = _setting(
        (3, 5), "Fewest and most key points per article.", output=True
    )
    repair: bool = _setting(
        True, "Decode a looping, cut or empty sentence once more to repair it.", output=True
    )
    memory: bool = _setting(
        True,
        "Reuse the English of sentences the output folder already holds under the same model "
        "and settings (the translation memory), instead of decoding them again.",
    )
    glossary: str | None = _setting(
        None,
        "Glossary file (CSV, TSV or YAML: Dutch term -> required English, or = to keep it as "
        "it is); see docs/glossary.md.",
        output=True,
    )
    threads: int = _setting(0, "CPU threads for the model; 0 uses every core this process may use.")
    # Measured on the stand-in: 1.47x faster on an AMX CPU and identical, but the stand-in is far
    # surer of itself than a real model; float32 stays the reference (docs/performance.md).
    torch_dtype: str = _setting(
        "float32",
        "The torch backend's weights: float32, or bfloat16 (faster on CPUs with AMX or "
        "AVX-512 BF16; outputs can differ slightly).",
        output=True,
    )
    max_batch_tokens: int = _setting(4096, "Padded source tokens per decoding batch.")
    chunk_articles: int = _setting(
        16, "Articles read, translated and staged together; memory grows with it."
    )
    checkpoint_chunks: int = _setting(
        4, "Seal the staged work every N chunks, so a crash keeps it for the next run."
    )
    lock_timeout: float = _setting(
        3600.0, "Seconds to wait for another run that holds the output folder."
    )
    max_article_bytes: int = _setting(
        1_000_000, "Largest article file or page read, in bytes; a larger one fails alone."
    )
    max_page_bytes: int = _setting(
        5_000_000, "Largest web page fetched (or saved .html page read), in bytes."
    )
    fetch_timeout: float = _setting(
        20.0, "Seconds to wait for a web server's next bytes before giving up on a page."
    )
    fetch_retries: int = _setting(
        2, "Tries again after a timeout, 429 or 5xx answer (waiting 2 s, then 10 s)."
    )
    recursive: bool = _setting(
        False, "Read the articles in a folder's subfolders too (their ids name the subfolder)."
    )
    refresh: bool = _setting(
        False, "Ask again for web pages the output folder already holds (conditionally)."
    )
    allow_private_urls: bool = _setting(
        False,
        "Let a feed on a public host name pages on loopback, private or link-local addresses.",
    )
    # Tests serve a "public" feed from 127.0.0.1: this makes such an origin count as public.
    public_origins: tuple[str, ...] = _setting(
        (), "Origins (http://host:port) to treat as public addresses.", cli=False
    )
    feed_entries: int = _setting(100, "Articles in feed.xml and feed.json, the newest first.")
    feed_content: str = _setting(
        "summary", "What a feed entry holds: summary, or full (the whole English text)."
    )
    site_url: str | None = _setting(
        None, "Where the output folder is published, for absolute links in the feeds."
    )
    columns: tuple[tuple[str, str], ...] = _setting(
        (), "Table columns to read, e.g. text=body,id=guid (tolk's name=the table's).", cli=False
    )
    models_dir: str | None = _setting(
        None, "The model store; default models/ or $TOLK_MODELS_DIR.", cli=False
    )

    def __post_init__(self) -> None:
        if self.backend not in BACKEND_CHOICES:
            raise ValueError(f"backend {self.backend!r}: use one of {', '.join(BACKEND_CHOICES)}")
        low, high = self.key_points
        if not 1 <= low <= high:
            raise ValueError(f"key points {low}-{high}: need 1 <= fewest <= most")
        if self.feed_content not in FEED_CONTENTS:
            raise ValueError(f"feed content {self.feed_content!r}: use summary or full")
        if self.site_url and not self.site_url.startswith(("http://", "https://")):
            raise ValueError(f"site URL {self.site_url!r}: give an http(s) address")
        for name in LIMITS:
            for value in self.key_points if name == "key_points" else (getattr(self, name),):
                if problem := out_of_range(name, value):
                    raise ValueError(problem)
        # Prefect and JSON hand lists back where tuples went in.
        object.__setattr__(self, "key_points", tuple(self.key_points))
        object.__setattr__(self, "columns", tuple(tuple(c) for c in self.columns))
        object.__setattr__(self, "public_origins", tuple(self.public_origins))

    def with_changes(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-friendly values (for flow parameters and deployments)."""
        return {
            f.name: list(map(list, v))
            if f.name == "columns"
            else list(v)
            if isinstance(v, tuple)
            else v
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Build settings from JSON-friendly values; unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        return cls(**values)


DEFAULTS = Settings()


def setting_help(name: str) -> str:
    """Return the help text of one setting."""
    return next(f.metadata["help"] for f in fields(Settings) if f.name == name)


def output_settings() -> tuple[str, ...]:
    """Return the names of the settings that shape the output text."""
    return tuple(f.name for f in fields(Settings) if f.metadata["output"])

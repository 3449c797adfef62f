"""Run a whole digest in this process: sources in, a committed output folder out.

`digest` is the library entry point (`tolk.digest_folder` for one folder). It composes the
stages on the output store, chunk by chunk: read a chunk of articles, ask the store which of
them are unchanged, translate the rest, stage the results; then commit one new generation of the
tables and write the views. How each step runs is the `Executor`'s business: in this process
(`Threads`: the chunks translating at once on threads, as many as suit the backend; `Inline`:
in order), or as Prefect tasks on any task runner (`flows/digest.py`), with at most `window`
chunks translating at once. One bad article is reported, never fatal to the others.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tolk.compose import ChunkResult, cache_key, make_signature, translate_chunk
from tolk.errors import TolkError
from tolk.executors import Executor, Pending, Threads, chunks_at_once
from tolk.intake.archive import PageArchive
from tolk.intake.listing import list_items
from tolk.intake.sources import Item, SourceOptions, read_items
from tolk.intake.web import Web
from tolk.records import Article, Failure, Signature
from tolk.settings import DEFAULT_OUTPUT_DIR, DEFAULT_SOURCES, Settings
from tolk.store.changes import Change, changes_of, describe_changes
from tolk.store.store import OutputStore
from tolk.translate import TranslatorSpec, select_model
from tolk.translate.base import Progress
from tolk.views.feed import DEFAULT_FEED, FeedOptions
from tolk.views.refresh import refresh_views

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RunReport:
    """What a run did: the counts, the failures, the time it took and the store's state."""

    sources: list[str]
    output_dir: str
    signature: str = ""
    items: int = 0
    translated: int = 0
    reused: int = 0
    sentences: int = 0
    decoded: int = 0  # sentences the model decoded (0 on a re-run of unchanged input)
    remembered: int = 0  # sentences of translated articles the translation memory gave
    reused_sentences: int = 0  # sentences of the articles reused whole
    decode_calls: int = 0
    stored_articles: int = 0
    stored_sentences: int = 0
    generation: int | None = None
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    left_out: list[Failure] = field(default_factory=list)  # walls, not Dutch, refused URLs
    notes: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)  # every article read, in order
    digest_page: str | None = None  # what this run added or changed, for the morning reader
    # Why each article written was written: new, changed at the source, re-translated.
    changes: list[Change] = field(default_factory=list)

    @property
    def change_summary(self) -> str:
        """Say in one line what is new, changed at the source and re-translated."""
        return describe_changes(self.changes)

    @property
    def sentence_summary(self) -> str:
        """Say in one line where the English of the run's sentences came from."""
        return (
            f"sentences: {self.decoded:,} decoded, {self.remembered:,} from the translation "
            f"memory, {self.reused_sentences:,} kept with their unchanged articles"
        )

    @property
    def ok(self) -> bool:
        return not self.failures  # an error that stops a run is raised, never reported

    def add_failures(
        self, failures: Sequence[Failure], log: logging.Logger | logging.LoggerAdapter | None = None
    ) -> None:
        """Count each failure as failed, or as left out on purpose; log those read here."""
        for failure in failures:
            (self.left_out if failure.left_out else self.failures).append(failure)
            if log is not None:
                said = "left out: " if failure.left_out else ""
                log.warning(f"{failure.source_path}: {said}{failure.reason}")


def read_chunk(
    items: Sequence[Item], options: SourceOptions, archive: Path
) -> tuple[list[Article], list[Failure]]:
    """Read a chunk of items into articles, fetching web pages not already in the archive."""
    with Web.open(options.fetch, PageArchive(archive), options.urls) as web:
        return read_items(items, options, web)


def describe(source: object) -> str:
    """Name a source for the report: its path or URL, or a DataFrame's size."""
    if type(source).__name__ == "DataFrame":
        return f"DataFrame ({len(source)} rows)"
    return str(source)


def commit_outputs(
    store: OutputStore, feed: FeedOptions = DEFAULT_FEED
) -> tuple[int | None, str | None]:
    """Commit the staged work as a new generation and rewrite the views it changed.

    Returns the new generation's number and the run digest written for it (None for either
    when nothing changed).
    """
    commit = store.commit()
    changed = (commit.changed if commit else []) + store.recovered
    page = refresh_views(store, changed, feed)
    return (commit.generation if commit else None), page


def digest(
    sources: Sequence[object] = DEFAULT_SOURCES,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
    settings: Settings | None = None,
    executor: Executor | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    progress: Callable[[str], Progress] | None = None,
) -> RunReport:
    """Translate every article of `sources` into bilingual records in `output_dir`.

    A source is a folder, an article file, a table file, an http(s) feed URL or (from Python)
    a pandas DataFrame with a `text` column (see tolk.intake.sources). `progress`, given a
    chunk's label, returns what hears that chunk's sentences done of its total (a progress bar,
    say); without it, each chunk logs its progress.
    """
    settings = settings or Settings()
    log = log or logging.getLogger("tolk")
    started = time.perf_counter()
    report = RunReport([describe(s) for s in sources], str(output_dir))
    spec = TranslatorSpec.from_settings(settings)
    signature = make_signature(select_model(spec), spec, settings)
    report.signature = str(signature)
    with ExitStack() as stack:
        if executor is None:
            threads = Threads(chunks_at_once(0, signature))
            stack.callback(threads.close)
            executor = threads
        _run(sources, output_dir, settings, executor, log, progress, report, signature, spec)
    report.seconds = time.perf_counter() - started
    log.info(
        f"done: {report.translated} translated, {report.reused} unchanged, "
        f"{len(report.failures)} failed in {report.seconds:.1f} s; {report.sentence_summary}"
        + (f"; {report.change_summary}" if report.changes else "")
    )
    return report


def _run(
    sources: Sequence[object],
    output_dir: str | Path,
    settings: Settings,
    executor: Executor,
    log: logging.Logger | logging.LoggerAdapter,
    progress: Callable[[str], Progress] | None,
    report: RunReport,
    signature: Signature,
    spec: TranslatorSpec,
) -> None:
    """Do `digest`'s work into `report`, on the store, by `executor`."""
    started = time.perf_counter()
    with OutputStore(
        Path(output_dir), settings.lock_timeout, settings.checkpoint_chunks, log
    ) as store:
        options, feed = SourceOptions.from_settings(settings), FeedOptions.from_settings(settings)
        with Web.open(options.fetch, store.archive, options.urls) as web:
            items, failures, notes = list_items(sources, options, web)
        report.add_failures(failures, log)
        for note in notes:
            log.info(note)
        report.items = len(items) + len(failures)
        size = settings.chunk_articles
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        log.info(f"{len(items)} articles in {len(chunks)} chunks; {signature}")
        window = chunks_at_once(executor.window, signature)
        in_flight: deque[Pending] = deque()
        translated: set[str] = set()

        def collect(pending: Pending) -> None:
            result: ChunkResult = pending.result()  # raises the error that stops the run
            store.stage(result.digests)
            translated.update(d.article.id for d in result.digests)
            report.translated += len(result.digests)
            report.sentences += sum(len(d.pairs) for d in result.digests)
            report.decoded += result.decoded
            report.remembered += result.remembered
            report.decode_calls += result.decode_calls
            report.add_failures(result.failures)
            elapsed = time.perf_counter() - started
            log.info(
                f"{report.translated + report.reused}/{report.items} articles done "
                f"({report.translated} translated, {report.sentences} sentences, "
                f"{report.sentences / elapsed:.1f} sentences/s)"
            )

        try:
            for n, chunk in enumerate(chunks, 1):
                articles, failures = executor.run(read_chunk, chunk, options, store.archive.root)
                report.add_failures(failures, log)
                report.article_ids.extend(a.id for a in articles)
                keys = {a.id: cache_key(a, signature) for a in articles}
                plan = store.plan(articles, keys)
                report.reused += len(plan.reuse)
                report.reused_sentences += plan.reused_sentences
                if plan.work:
                    label = f"chunk {n}/{len(chunks)}"
                    memory = store.memory(signature, plan.work) if settings.memory else {}
                    hears = progress(label) if progress else None
                    step = (translate_chunk, plan.work, spec, signature, label, memory, hears)
                    in_flight.append(executor.submit(*step))
                while len(in_flight) >= window:
                    collect(in_flight.popleft())
            while in_flight:
                collect(in_flight.popleft())
        except TolkError:
            _drain(in_flight, collect)
            executor.run(commit_outputs, store, feed)  # keep what was done before the failure
            raise
        except BaseException:
            _drain(in_flight, collect)
            store.checkpoint()  # sealed: the next run commits it without translating again
            raise
        report.generation, digest_page = executor.run(commit_outputs, store, feed)
        if report.generation is not None and store.generation is not None:
            report.changes = list(changes_of(store.generation.manifest).values())
        report.digest_page = str(Path(output_dir) / digest_page) if digest_page else None
        report.notes = list(store.notes)
        report.failures.extend(
            Failure(i, str(output_dir), f"article {i!r}: {LOST}")
            for i in sorted(store.lost - translated)
        )
        counts = store.generation.manifest if store.generation else {}
        report.stored_articles = counts.get("articles", 0)
        report.stored_sentences = counts.get("sentences", 0)


LOST = (
    "the stored rows of this article were damaged and have been dropped, and its pages "
    "removed; give its source again to translate it anew"
)


def _drain(in_flight: deque, collect: Callable[[Pending], None]) -> None:
    """Stage the chunks still translating that succeed; the first failure is the one raised."""
    while in_flight:
        try:
            collect(in_flight.popleft())
        except Exception:  # noqa: BLE001,S112 - the run is stopping for an earlier error
            continue


def digest_folder(
    folder: str | Path, output_dir: str | Path = DEFAULT_OUTPUT_DIR, **settings: Any
) -> RunReport:
    """Translate the articles of one folder into `output_dir`, in this process, without Prefect.

    Example: `tolk.digest_folder("seeds", "outputs", model="models/opus-mt-nl-en", beams=4)`.
    """
    return digest([folder], output_dir, Settings(**settings))


def digest_frame(
    frame: pd.DataFrame, output_dir: str | Path | None = None, **settings: Any
) -> pd.DataFrame:
    """Translate a DataFrame of Dutch texts (a `text` column; `id`, `title`, `date`, `url`
    optional) and give back one row per article: its English, summary, key points and flags.

    Without `output_dir` the outputs go to a temporary folder, and a re-run translates again.
    Example: `tolk.digest_frame(pd.DataFrame({"text": ["Het regent in Utrecht."]}))`.
    """
    from tolk.views.frames import read_outputs

    with ExitStack() as stack:
        if output_dir is None:
            output_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="tolk-"))
        report = digest([frame], output_dir, Settings(**settings))
        articles, _ = read_outputs(output_dir)
    order = {a: n for n, a in enumerate(report.article_ids)}
    mine = articles[articles["id"].isin(order)]
    mine = mine.assign(_order=mine["id"].map(order)).sort_values("_order")
    return mine.drop(columns="_order").reset_index(drop=True)

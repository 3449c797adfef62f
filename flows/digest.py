"""The `digest` flow: the library's run (`tolk.run.digest`) with each step a Prefect task.

The flow adds what Prefect is for and nothing else: run history and logs, a report artifact,
schedules, and task runners. Tasks raise; an error that stops the run fails the flow. Reading,
translating and committing are tasks; translating is submitted, with at most `window` chunks in
flight, so on a Dask task runner the chunks run on the workers while the flow process reads the
next ones and writes the outputs (it alone holds the output folder). Locally, with the ct2
backend, two chunks are in flight: the next chunk is read and queued while the last batches of the
one before decode.
"""

# No `from __future__ import annotations` here: Prefect builds the parameters' pydantic model
# from the flow's annotations, and a deployment run must resolve `Settings` from them.
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from tolk.compose import translate_chunk
from tolk.errors import TolkError
from tolk.intake.sources import Item, SourceOptions
from tolk.records import Article, Signature
from tolk.run import RunReport, commit_outputs, read_chunk
from tolk.run import digest as run_digest
from tolk.settings import DEFAULT_OUTPUT_DIR, DEFAULT_SOURCES, Settings
from tolk.translate import TranslatorSpec
from tolk.translate.base import Translation, default_threads
from tolk.views.feed import FeedOptions
from tolk.views.markdown import escape


@task(name="read-articles", cache_policy=NO_CACHE)
def read_articles(items: list[Item], options: SourceOptions, archive: Path):
    """Read a chunk of articles: files, table rows, web pages (fetched unless archived)."""
    return read_chunk(items, options, archive)


def worker_spec(spec: TranslatorSpec) -> TranslatorSpec:
    """Give a Dask worker its share of its host's cores, so workers never oversubscribe."""
    if spec.threads:
        return spec
    try:
        from distributed import get_client, get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker: this process has the machine
        return spec
    host = worker.address.rsplit(":", 1)[0]
    workers = get_client().scheduler_info()["workers"]
    peers = sum(1 for address in workers if address.rsplit(":", 1)[0] == host) or 1
    return replace(spec, threads=max(1, default_threads() // peers))


@task(name="translate-articles", cache_policy=NO_CACHE, cache_result_in_memory=False)
def translate_articles(
    articles: list[Article],
    spec: TranslatorSpec,
    signature: Signature,
    label: str,
    memory: dict[str, Translation] | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Segment, translate and summarize a chunk of articles with this process's model,
    decoding only the sentences the translation memory lacks."""
    logger = get_run_logger()
    result = translate_chunk(
        articles, worker_spec(spec), signature, label, memory, progress, logger
    )
    for failure in result.failures:
        logger.error(f"{failure.source_path}: {failure.reason}")
    return result


# Never retried: a commit that failed half-way is finished (or undone) by the store's recovery
# when the folder is next opened, not by running it again in this process.
@task(name="commit-outputs", cache_policy=NO_CACHE)
def commit(store, feed: FeedOptions):
    """Commit the staged translations as one generation of both tables; rewrite the views."""
    return commit_outputs(store, feed)


STEPS = {read_chunk: read_articles, translate_chunk: translate_articles, commit_outputs: commit}


class PrefectSteps:
    """Run each step of `tolk.run.digest` as its Prefect task, on the flow's task runner."""

    def __init__(self, window: int = 0) -> None:
        self.window = max(0, window)

    def run(self, step, *args: Any) -> Any:
        return STEPS[step](*args)

    def submit(self, step, *args: Any):
        return STEPS[step].submit(*args)


def report_markdown(report: RunReport) -> str:
    """Render a run's report as its Markdown artifact (every outside text escaped)."""
    sources = ", ".join(escape(s) for s in report.sources)
    lines = [
        f"# tolk digest: {sources} → {escape(report.output_dir)}",
        "",
        "| articles | translated | reused (unchanged) | failed | sentences translated "
        "| decoded | from the memory | seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {report.items} | {report.translated} | {report.reused} | {len(report.failures)} "
        f"| {report.sentences} | {report.decoded} | {report.remembered} | {report.seconds:.1f} |",
        "",
        f"Output now holds {report.stored_articles} articles and {report.stored_sentences} "
        f"sentence pairs. Signature: {escape(report.signature)}.",
    ]
    if report.changes:
        lines += ["", f"Written: {escape(report.change_summary)}."]
    if report.digest_page:
        lines += ["", f"What this run added or changed: {escape(report.digest_page)}."]
    if report.notes:
        lines += ["", "## The output folder", ""] + [f"- {escape(n)}" for n in report.notes]
    if report.left_out:
        lines += ["", "## Left out, not translated", ""]
        lines += [f"- {escape(f.source_path)}: {escape(f.reason)}" for f in report.left_out]
    if report.failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {escape(f.source_path)}: {escape(f.reason)}" for f in report.failures]
    return "\n".join(lines) + "\n"


@flow(name="digest", log_prints=True)
def digest(
    sources: list[str] = list(DEFAULT_SOURCES),  # noqa: B006 - Prefect copies parameters
    output_dir: str = DEFAULT_OUTPUT_DIR,
    settings: Settings = Settings(),  # noqa: B008 - a frozen dataclass: safe as a default
    window: int = 0,
    progress: Any = None,
):
    """Translate every article of `sources` into bilingual records in `output_dir`.

    `settings` holds the model, decoding and limits (see tolk.settings.Settings); `window` is
    how many chunks translate at once (0: what suits the backend, see
    `tolk.run.chunks_at_once`; about twice the workers on Dask). `progress` (from the command
    line, on a terminal, with the chunks in this process) gives each chunk's progress callback
    (see `tolk.run.digest`); without it, each chunk logs its progress.
    """
    logger = get_run_logger()
    try:
        report = run_digest(sources, output_dir, settings, PrefectSteps(window), logger, progress)
    except TolkError as error:
        logger.error(str(error))
        # The error itself is the state's result: the command line reports it by its class.
        return Failed(message=str(error), data=error)
    create_markdown_artifact(markdown=report_markdown(report), key="tolk-digest-report")
    if report.failures:
        message = f"{len(report.failures)} of {report.items} articles failed"
        return Failed(message=message, data=report)
    return Completed(message="all articles written", data=report)

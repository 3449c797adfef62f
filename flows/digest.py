"""The `digest` flow: a folder of Dutch articles in, bilingual Parquet and Markdown out.

Tasks are thin wrappers over the `tolk` stages. The flow only orchestrates, chunk by chunk:
read the files, reuse the stored output of articles whose content and settings are unchanged,
translate the rest (the model is loaded once per worker process; on Dask, chunks run on the
workers), stage the results; at the end, merge them into the outputs. One bad article is
reported, never fatal to the others.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.states import Completed, Failed

from tolk.errors import TolkError
from tolk.models import DEFAULT_BEAMS, DEFAULT_MODEL
from tolk.pipeline import Failure, Options, cache_key, digest_batch, make_signature
from tolk.read import find_articles, read_article
from tolk.records import Article, Digest, Signature
from tolk.summarize import KeyPointSettings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.translate.base import default_threads
from tolk.write_markdown import page_path, write_article_pages, write_index
from tolk.write_parquet import ParquetStore, stored_digests


def retry_on_io(task, task_run, state) -> bool:
    """Retry only what can be transient: I/O errors, not bad input."""
    try:
        state.result()
    except TolkError:
        return False
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is a bug or bad input: no retry
        return False
    return False


@dataclass
class RunReport:
    """What a run did: the counts, the failures and the time it took."""

    input_dir: str
    output_dir: str
    signature: str = ""
    files: int = 0
    translated: int = 0
    reused: int = 0
    sentences: int = 0
    stored_articles: int = 0
    stored_sentences: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    def markdown(self) -> str:
        """Render the report as the run's Markdown artifact."""
        lines = [
            f"# tolk digest: {self.input_dir} → {self.output_dir}",
            "",
            "| files | translated | reused (unchanged) | failed | sentences translated | seconds |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {self.files} | {self.translated} | {self.reused} | {len(self.failures)} "
            f"| {self.sentences} | {self.seconds:.1f} |",
            "",
            f"Output now holds {self.stored_articles} articles and {self.stored_sentences} "
            f"sentence pairs. Signature: `{self.signature}`.",
        ]
        if self.failures:
            lines += ["", "## Failures", ""]
            lines += [f"- `{f.source_path}`: {f.reason}" for f in self.failures]
        return "\n".join(lines) + "\n"


READ_ATTEMPTS = (0.0, 1.0, 5.0)  # seconds to wait before each try: I/O errors may pass


def read_one(path: str) -> Article | Failure:
    """Read one article file, retrying I/O errors; a file that stays unreadable is a failure."""
    for attempt, delay in enumerate(READ_ATTEMPTS, 1):
        time.sleep(delay)
        try:
            return read_article(Path(path))
        except TolkError as error:  # bad input: retrying cannot help
            return Failure(Path(path).stem, path, str(error))
        except OSError as error:
            reason = f"{path}: cannot read the file ({error}); check that it exists and is readable"
            if attempt == len(READ_ATTEMPTS):
                return Failure(Path(path).stem, path, reason)
    raise AssertionError("unreachable")


@task(cache_policy=NO_CACHE)
def read_files(paths: list[str]) -> tuple[list[Article], list[Failure]]:
    """Read a chunk of article files; say why for each one that cannot be used."""
    articles, failures = [], []
    for path in paths:
        read = read_one(path)
        if isinstance(read, Failure):
            get_run_logger().warning(read.reason)
            failures.append(read)
        else:
            articles.append(read)
    return articles, failures


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


@task(cache_policy=NO_CACHE, cache_result_in_memory=False)
def translate_articles(
    articles: list[Article],
    spec: TranslatorSpec,
    signature: Signature,
    options: Options,
    label: str,
) -> tuple[list[Digest], list[Failure]]:
    """Segment, translate and summarize a chunk of articles with this process's model."""
    logger = get_run_logger()
    translator = load_translator(worker_spec(spec))
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 5:
            last[0] = now
            rate = done / max(now - started, 1e-9)
            logger.info(f"{label}: {done}/{total} sentences ({rate:.1f}/s)")

    digests, failures = digest_batch(articles, translator, signature, options, progress)
    for f in failures:
        logger.error(f"{f.source_path}: {f.reason}")
    return digests, failures


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def write_pages(output_dir: str, digests: list[Digest]) -> None:
    """Write the Markdown page of each digest."""
    write_article_pages(Path(output_dir), digests)


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def restore_missing_pages(output_dir: str, keys: dict[str, str]) -> int:
    """Rewrite the page of any unchanged article whose page is gone; no model work."""
    out = Path(output_dir)
    missing = {i: k for i, k in keys.items() if not page_path(out, i).exists()}
    digests = stored_digests(out, missing)
    write_article_pages(out, list(digests.values()))
    return len(digests)


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def commit_outputs(output_dir: str, store: ParquetStore) -> tuple[int, int]:
    """Merge this run's rows into the Parquet tables and rewrite the index."""
    counts = store.commit()
    write_index(Path(output_dir))
    return counts


def chunked(items: list, size: int) -> list[list]:
    """Split a list into consecutive chunks of at most `size` items."""
    return [items[i : i + size] for i in range(0, len(items), size)]


@flow(name="digest", log_prints=True)
def digest(
    input_dir: str = "seeds",
    output_dir: str = "outputs",
    model: str = DEFAULT_MODEL,
    backend: str = "auto",
    beams: int = DEFAULT_BEAMS,
    key_points_min: int = 3,
    key_points_max: int = 5,
    chunk_articles: int = 16,
    max_batch_tokens: int = 4096,
    threads: int = 0,
    models_dir: str | None = None,
):
    """Translate every article of `input_dir` into bilingual records in `output_dir`.

    Chunks of `chunk_articles` articles are read, checked against the stored output, translated
    (on Dask workers when the flow runs with a DaskTaskRunner) and staged as they finish, in
    order; the Parquet tables are merged once at the end. Memory stays flat as the batch grows.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    report = RunReport(input_dir, output_dir)
    spec = TranslatorSpec(model, backend, "auto", threads, max_batch_tokens, models_dir)
    info = select_model(spec)
    options = Options(beams=beams, key_points=KeyPointSettings(key_points_min, key_points_max))
    signature = make_signature(info, options)
    report.signature = str(signature)
    store = ParquetStore(Path(output_dir))
    known = store.stored_keys()

    paths = [str(p) for p in find_articles(Path(input_dir))]
    report.files = len(paths)
    chunks = chunked(paths, chunk_articles)
    runner = FlowRunContext.get().task_runner
    distributed = type(runner).__name__ == "DaskTaskRunner"
    # Keep every worker busy with one chunk queued behind it; no more chunks than that in memory.
    window = 2 * len(runner.client.nthreads()) if distributed else 1
    in_flight: deque = deque()
    logger.info(f"{len(paths)} files in {len(chunks)} chunks; {signature}")

    def collect(future) -> None:
        digests, failures = future.result() if distributed else future
        store.stage(digests)
        write_pages(output_dir, digests)
        report.translated += len(digests)
        report.sentences += sum(len(d.pairs) for d in digests)
        report.failures.extend(failures)
        elapsed = time.perf_counter() - started
        logger.info(
            f"{report.translated + report.reused}/{report.files} articles done "
            f"({report.translated} translated, {report.sentences} sentences, "
            f"{report.sentences / elapsed:.1f} sentences/s)"
        )

    try:
        for n, chunk in enumerate(chunks, 1):
            articles, failures = read_files(chunk)
            report.failures.extend(failures)
            keys = {a.id: cache_key(a, signature) for a in articles}
            unchanged = {i: k for i, k in keys.items() if known.get(i) == k}
            report.reused += len(unchanged)
            restore_missing_pages(output_dir, unchanged)
            pending = [a for a in articles if a.id not in unchanged]
            if not pending:
                continue
            args = (pending, spec, signature, options, f"chunk {n}/{len(chunks)}")
            if distributed:
                in_flight.append(translate_articles.submit(*args))
                while len(in_flight) >= window:
                    collect(in_flight.popleft())
            else:
                collect(translate_articles(*args))
        while in_flight:
            collect(in_flight.popleft())
        report.stored_articles, report.stored_sentences = commit_outputs(output_dir, store)
    finally:
        store.discard()

    report.seconds = time.perf_counter() - started
    create_markdown_artifact(markdown=report.markdown(), key="tolk-digest-report")
    logger.info(
        f"done: {report.translated} translated, {report.reused} unchanged, "
        f"{len(report.failures)} failed in {report.seconds:.1f} s"
    )
    if report.failures:
        message = f"{len(report.failures)} of {report.files} articles failed"
        return Failed(message=message, data=report)
    return Completed(message="all articles written", data=report)

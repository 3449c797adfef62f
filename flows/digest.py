"""The `digest` flow: a folder of Dutch articles in, bilingual Parquet and Markdown out.

Tasks are thin wrappers over the `tolk` stages. The flow only orchestrates: read every file,
reuse the stored output of articles whose content and settings are unchanged, translate the rest
in chunks (the model is loaded once per worker process), then write everything that succeeded.
One bad article is reported, never fatal to the others.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from tolk.errors import TolkError
from tolk.models import DEFAULT_BEAMS, DEFAULT_MODEL
from tolk.pipeline import Failure, Options, cache_key, digest_batch, make_signature
from tolk.read import find_articles, read_article
from tolk.records import ARTICLES_SCHEMA, Article, Digest, Signature
from tolk.summarize import KeyPointSettings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.write_markdown import write_markdown
from tolk.write_parquet import ARTICLES_FILE, read_table, stored_digests, write_parquet


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


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def read_file(path: str) -> Article | Failure:
    """Read one article file, or say why it cannot be used."""
    try:
        return read_article(Path(path))
    except TolkError as error:
        get_run_logger().warning(str(error))
        return Failure(Path(path).stem, path, str(error))


@task(cache_policy=NO_CACHE)
def find_unchanged(output_dir: str, keys: dict[str, str]) -> dict[str, Digest]:
    """Load the stored digests of articles whose content and settings did not change."""
    return stored_digests(Path(output_dir), keys)


@task(cache_policy=NO_CACHE)
def translate_articles(
    articles: list[Article],
    spec: TranslatorSpec,
    signature: Signature,
    options: Options,
    label: str,
) -> tuple[list[Digest], list[Failure]]:
    """Segment, translate and summarize a chunk of articles with this process's model."""
    logger = get_run_logger()
    translator = load_translator(spec)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 5:
            last[0] = now
            rate = done / max(now - started, 1e-9)
            logger.info(f"{label}: {done}/{total} sentences ({rate:.1f}/s)")

    digests, failures = digest_batch(articles, translator, signature, options, progress)
    seconds = time.perf_counter() - started
    for d in digests:
        logger.info(
            f"{d.article.id}: {len(d.pairs)} sentences, {len(d.key_points)} key points"
            + (f", {len(d.warnings)} warnings" if d.warnings else "")
        )
    for f in failures:
        logger.error(f"{f.source_path}: {f.reason}")
    sentences = sum(len(d.pairs) for d in digests)
    logger.info(f"{label}: {len(digests)} articles, {sentences} sentences in {seconds:.1f} s")
    return digests, failures


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def write_outputs(output_dir: str, fresh: list[Digest], unchanged: list[Digest]) -> tuple[int, int]:
    """Merge new digests into the Parquet tables and write every page of this run."""
    out = Path(output_dir)
    counts = write_parquet(out, fresh)
    write_markdown(out, [*fresh, *unchanged], read_table(out / ARTICLES_FILE, ARTICLES_SCHEMA))
    return counts


@flow(name="digest", log_prints=True)
def digest(
    input_dir: str = "seeds",
    output_dir: str = "outputs",
    model: str = DEFAULT_MODEL,
    backend: str = "auto",
    beams: int = DEFAULT_BEAMS,
    key_points_min: int = 3,
    key_points_max: int = 5,
    chunk_articles: int = 32,
    max_batch_tokens: int = 4096,
    threads: int = 0,
    models_dir: str | None = None,
):
    """Translate every article of `input_dir` into bilingual records in `output_dir`."""
    logger = get_run_logger()
    started = time.perf_counter()
    report = RunReport(input_dir, output_dir)
    spec = TranslatorSpec(model, backend, "auto", threads, max_batch_tokens, models_dir)
    info = select_model(spec)
    options = Options(beams=beams, key_points=KeyPointSettings(key_points_min, key_points_max))
    signature = make_signature(info, options)
    report.signature = str(signature)

    paths = find_articles(Path(input_dir))
    report.files = len(paths)
    read = [f.result() for f in read_file.map([str(p) for p in paths])]
    articles = [a for a in read if isinstance(a, Article)]
    report.failures += [f for f in read if isinstance(f, Failure)]

    unchanged = find_unchanged(output_dir, {a.id: cache_key(a, signature) for a in articles})
    pending = [a for a in articles if a.id not in unchanged]
    report.reused = len(unchanged)
    logger.info(
        f"{len(paths)} files: {len(pending)} to translate, {len(unchanged)} unchanged, "
        f"{len(report.failures)} unreadable; {signature}"
    )

    fresh: list[Digest] = []
    chunks = [pending[i : i + chunk_articles] for i in range(0, len(pending), chunk_articles)]
    for n, chunk in enumerate(chunks, 1):
        digests, failures = translate_articles(
            chunk, spec, signature, options, label=f"chunk {n}/{len(chunks)}"
        )
        fresh += digests
        report.failures += failures
    report.translated = len(fresh)
    report.sentences = sum(len(d.pairs) for d in fresh)

    report.stored_articles, report.stored_sentences = write_outputs(
        output_dir, fresh, list(unchanged.values())
    )
    report.seconds = time.perf_counter() - started
    create_markdown_artifact(markdown=report.markdown(), key="tolk-digest-report")
    logger.info(
        f"done: {report.translated} translated, {report.reused} unchanged, "
        f"{len(report.failures)} failed in {report.seconds:.1f} s"
    )
    if report.failures:
        return Failed(
            message=f"{len(report.failures)} of {report.files} articles failed", data=report
        )
    return Completed(message="all articles written", data=report)

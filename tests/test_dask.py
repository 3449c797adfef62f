"""The Dask path: the same flow, its chunks on worker processes, the same records."""

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule

from flows.digest import digest
from flows.runners import dask_runner, shared_api
from tolk.settings import DEFAULT_OUTPUT_DIR, DEFAULT_SOURCES, Settings, output_settings

pytestmark = pytest.mark.slow  # a real Dask cluster

ROOT = Path(__file__).resolve().parents[1]


def records(output_dir: Path) -> tuple[list, list]:
    articles = pq.read_table(output_dir / "articles.parquet").select(
        ["id", "title_nl", "title_en", "text_nl", "text_en", "summary_en", "key_points"]
    )
    sentences = pq.read_table(output_dir / "sentences.parquet")
    return articles.to_pylist(), sentences.to_pylist()


@pytest.mark.usefixtures("prefect_harness")
def test_two_dask_workers_write_the_records_of_a_single_process_run(
    tmp_path, seed_dir, tiny_marian
):
    settings = Settings(model=str(tiny_marian), chunk_articles=2)
    params = {"sources": [str(seed_dir)], "settings": settings}
    single = digest(output_dir=str(tmp_path / "single"), **params, return_state=True)
    with shared_api():
        on_dask = digest.with_options(task_runner=dask_runner(workers=2))(
            output_dir=str(tmp_path / "dask"), **params, window=4, return_state=True
        )
    assert single.is_completed() and on_dask.is_completed()
    report = on_dask.result()
    assert report.translated == 5 and report.failures == []
    assert records(tmp_path / "dask") == records(tmp_path / "single")
    assert pages(tmp_path / "dask") == pages(tmp_path / "single")


def pages(output_dir: Path) -> dict[str, str]:
    """Give each article page's text, less the footer's translation time."""
    return {
        p.name: re.sub(r" on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "", p.read_text())
        for p in (output_dir / "articles").glob("*.md")
    }


def test_the_deployments_load_and_name_an_existing_flow():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert {d["name"] for d in spec["deployments"]} == {"daily", "daily-dask"}
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).exists()
        flow = load_flow_from_entrypoint(str(ROOT / path) + ":" + name)
        assert isinstance(flow, Flow) and flow.name == "digest"
        assert set(deployment["parameters"]) <= set(flow.parameters.properties)
        # Settings come from tolk.settings.Settings: only names it knows, and none restated.
        given = deployment["parameters"].get("settings", {})
        Settings.from_dict(given)
        defaults = {"sources": list(DEFAULT_SOURCES), "output_dir": DEFAULT_OUTPUT_DIR}
        for name, value in deployment["parameters"].items():
            assert defaults.get(name, object()) != value, f"{name}: restates tolk's default"
        for name, value in given.items():
            assert Settings.from_dict({name: value}) != Settings(), f"{name}: tolk's default"
        for schedule in deployment["schedules"]:
            CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
        assert deployment["work_pool"]["name"]
        assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    # Both write into one folder: only one may fire on its own.
    active = [d["name"] for d in spec["deployments"] if d["schedules"][0].get("active", True)]
    assert active == ["daily"]


def test_the_python_deployments_take_their_parameters_from_settings():
    from flows.deploy import parameters

    values = parameters(window=4)
    assert Settings.from_dict(values["settings"]) == Settings()
    assert values["window"] == 4
    assert set(output_settings()) <= set(values["settings"])

"""Progress never goes silent: the repair pass is counted, with the rate and the time left."""

from __future__ import annotations

import logging

from test_translate import LoopingTranslator

from tolk.checks.flags import flag_pair
from tolk.compose import progress_logger


def test_the_repair_pass_reports_progress_too():
    seen: list[tuple[int, int]] = []
    LoopingTranslator().translate(
        ["Een lus hier.", "Dit is leeg.", "Gewoon goed."],
        beams=1,
        progress=lambda *p: seen.append(p),
        judge=flag_pair,
    )
    assert seen[-1] == (5, 5)  # 3 sentences, then 2 repaired
    assert (3, 3) in seen and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_lines_give_the_rate_the_time_left_and_the_repair_pass(caplog):
    log = logging.getLogger("tolk.test.progress")
    progress = progress_logger(log, "chunk 1/1", every=0.0)
    with caplog.at_level(logging.INFO, logger=log.name):
        for done, total in [(2, 4), (4, 4), (5, 6), (6, 6)]:
            progress(done, total)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("chunk 1/1: 2/4 sentences (") and "sentences/s, about " in lines[0]
    assert lines[0].endswith(" left)")
    assert lines[1].startswith("chunk 1/1: 4/4 sentences (") and "left" not in lines[1]
    assert lines[2].startswith("chunk 1/1: 5/6 sentences, repair pass of 2 (")
    assert lines[3].startswith("chunk 1/1: 6/6 sentences, repair pass of 2 (")

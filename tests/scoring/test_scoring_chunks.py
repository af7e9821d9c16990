"""The figures computed over chunks in several processes are the single pass's, to the last
digit: on the demonstration data (with cleaning decisions and planted errors) and on 10,000
synthetic responses; and the exact sum that makes it so."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal

import pytest

from survey.extensions import db
from survey.scoring.kinds.merging import ExactSum, combine
from survey.scoring.report import build_report
from tests.jobs.conftest import QID, demo


def _everything(report) -> str:
    """The whole report as text: every figure at full precision (floats by repr), every issue."""
    body = report.to_json(full=True)
    body.pop("generated_at")
    return json.dumps([body, _untimed(report.log())], sort_keys=True, default=repr)


def _untimed(value):
    """An automatic correction is stamped with the time its report was made (the rules run
    again each time): two reports made a moment apart differ there and nowhere else."""
    if isinstance(value, dict):
        automatic = value.get("decided_by") == "automatic"
        return {
            k: None if automatic and k == "decided_at" else _untimed(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _check_chunked_equals_single(app, processes: tuple[int, ...], partial: bool = True) -> None:
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        single = _everything(build_report(q))
        for n in processes:
            assert _everything(build_report(q, processes=n)) == single, n
            db.session.rollback()
        if partial:
            chunked = build_report(q, include_in_progress=True, processes=2)
            assert _everything(chunked) == _everything(build_report(q, include_in_progress=True))


def test_the_chunked_report_is_the_single_pass_on_the_demo_data(app):
    demo(app, 107, seed=1)  # as ./scripts/serve makes
    _check_chunked_equals_single(app, (2, 3, 7))


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("SURVEY_TEST_DATABASE_URL")),
    reason="run on SQLite only: the chunks do not depend on the database, and the PostgreSQL "
    "pass checks them on the demonstration data",
)
def test_the_chunked_report_is_the_single_pass_on_10000_responses(app):
    demo(app, 10_000, seed=5)
    _check_chunked_equals_single(app, (3,), partial=False)


def test_an_exact_sum_does_not_depend_on_the_order_or_the_split():
    rng = random.Random(4)
    values = [rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-8, 8) for _ in range(2000)]
    whole = ExactSum()
    for v in values:
        whole += v
    for cut in (1, 37, 999, 1999):
        left, right = ExactSum(), ExactSum()
        for v in values[:cut]:
            left += v
        for v in values[cut:]:
            right += v
        assert combine(left, right).value == whole.value
    backwards = ExactSum()
    for v in reversed(values):
        backwards += v
    assert backwards.value == whole.value
    ints = ExactSum()
    for i in range(10):
        ints += i
    assert ints.value == 45 and isinstance(ints.value, int)
    tenths = ExactSum()
    for _ in range(10):
        tenths += 0.1
    assert tenths.value == 1.0  # correctly rounded, where sum([0.1] * 10) is 0.9999999999999999


@contextlib.contextmanager
def _at_most(seconds: int):
    """Fail, rather than hang the suite, if the block takes longer than ``seconds``."""

    def expired(*_):
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_chunk_killed_fails_the_report_rather_than_leaving_it_waiting(app, monkeypatch):
    from survey.scoring import chunks

    demo(app, 30)
    reading = chunks.read_responses

    def read(questionnaire_id, include_in_progress, bounds):  # in the chunks' processes
        if bounds[0] > first:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer does
        return reading(questionnaire_id, include_in_progress, bounds)

    monkeypatch.setattr(chunks, "read_responses", read)
    with app.app_context():
        first = chunks.id_ranges(QID, False, 3)[0][0]
        q = app.extensions["survey_registry"].get(QID)
        with _at_most(60), pytest.raises(chunks.ChunkFailed, match="ended abruptly"):
            build_report(q, processes=3)


def test_a_chunk_that_fails_fails_the_report_with_its_error_at_once(app, monkeypatch):
    """The failure is raised as it happens: the other chunks' processes are ended rather than
    waited for (here one would take a minute)."""
    import time

    from survey.scoring import chunks

    demo(app, 30)

    def read(questionnaire_id, include_in_progress, bounds):  # in the chunks' processes
        if bounds[0] == first:
            time.sleep(60)
        raise OSError("database disk image is malformed")

    monkeypatch.setattr(chunks, "read_responses", read)
    with app.app_context():
        first = chunks.id_ranges(QID, False, 2)[0][0]
        q = app.extensions["survey_registry"].get(QID)
        started = time.monotonic()
        with _at_most(50), pytest.raises(OSError, match="malformed"):
            build_report(q, processes=2)
        assert time.monotonic() - started < 30

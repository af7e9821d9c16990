"""A report's data-quality issues are kept on disk, not in memory (survey.scoring.issue_store):
at most a batch of them is alive at a time, and every reader (the review page, a decision, the
cleaning log) gets from the store what it got from the whole list before."""

from __future__ import annotations

import gc
import os
import re

import pytest
from sqlalchemy import func, select

from survey.cli import demo_data_command
from survey.extensions import db
from survey.models import CleaningDecision, Response
from survey.scoring import issue_store
from survey.scoring.issues import REVIEW_ORDER, RULES, Issue, Summary, summarise
from survey.scoring.report import build_report
from survey.web.researcher import figures as figure_pages

QID = "good_practice_savings"
BASE = f"/research/{QID}/figures"


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(
        demo_data_command, [QID, "--respondents", "107", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    return app


def _alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Issue))


def _old_page(issues: list[Issue], rule: int | None, status: str) -> list[Issue]:
    """What the review page listed before the store: the whole list filtered and sorted."""
    chosen = [
        i
        for i in issues
        if (rule is None or i.rule == rule)
        and (status == "" and i.status != "kept" or i.status == status)
    ]
    chosen.sort(key=lambda i: (REVIEW_ORDER.index(i.status), i.rule, i.response_id, i.subject))
    return chosen


@pytest.mark.parametrize("processes", [1, 2])
def test_at_most_a_batch_of_issues_is_in_memory(demo_app, monkeypatch, tmp_path, processes):
    monkeypatch.setattr(issue_store, "BATCH", 10)
    monkeypatch.setattr("survey.scoring.chunks.SMALLEST", 1)
    counts = tmp_path / "alive"  # a file: the chunks' processes store their own issues
    written = issue_store.StoreWriter.add

    def add(self, issues):  # counts the issues alive as each batch is stored
        with counts.open("a") as out:
            out.write(f"{os.getpid()} {_alive()}\n")
        written(self, issues)

    monkeypatch.setattr(issue_store.StoreWriter, "add", add)
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID), processes=processes)
        assert _alive() == 0  # none kept by the report ...
        assert report.issues.count() > 10 * issue_store.BATCH  # ... which has many more
        assert report.summary["issues"] == report.issues.count() == len(list(report.issues))
    # a batch is BATCH issues and the rest of the last response's (a few)
    lines = [line.split() for line in counts.read_text().splitlines()]
    peaks = [int(alive) for _, alive in lines]
    assert peaks and max(peaks) <= 2 * issue_store.BATCH
    # in one process, or in each chunk's process (the parent only joins their files)
    storing = {int(pid) for pid, _ in lines}
    assert len(storing) == processes and (os.getpid() in storing) == (processes == 1)


def test_the_review_page_lists_what_the_whole_list_gave(demo_app):
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID))
    everything = list(report.issues)
    for rule in [None, *RULES]:
        for status in ["", *REVIEW_ORDER]:
            expected = _old_page(everything, rule, status)
            for limit in (None, 3):
                shown, total = report.issues.select(rule=rule, status=status, limit=limit)
                assert total == len(expected)
                assert shown == expected[:limit], (rule, status, limit)
    assert report.issues.select(status="")[1] > 0


def test_the_cleaning_page_shows_the_first_issues_and_the_total(
    demo_app, client, sign_in, monkeypatch
):
    monkeypatch.setattr(figure_pages, "PAGE", 4)
    sign_in("researcher")
    html = client.get(f"{BASE}/cleaning").get_data(as_text=True)
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID))
    expected = _old_page(list(report.issues), None, "")
    assert f"Showing 4 of {len(expected)} issues." in html
    shown = re.findall(
        r'name="response_id" value="(\d+)">\s*<input type="hidden" name="rule" value="(\d+)">'
        r'\s*<input type="hidden" name="subject" value="([^"]+)">',
        html,
    )
    first = [(str(i.response_id), str(i.rule), i.subject) for i in expected[:4] if i.choices]
    assert shown == first


def test_a_decision_on_an_issue_found_in_the_store(demo_app, client, sign_in):
    sign_in("researcher")
    html = client.get(f"{BASE}/cleaning?status=pending&rule=5").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID))
    (issue,), _ = report.issues.select(rule=5, status="pending", limit=1)
    assert report.issue(*issue.key) == issue
    assert report.issue(issue.response_id, 5, "no such subject") is None
    posted = client.post(
        f"{BASE}/cleaning?status=pending&rule=5",
        data={
            "csrf_token": token,
            "response_id": issue.response_id,
            "rule": 5,
            "subject": issue.subject,
            "action": "base_x10",
        },  # fmt: skip
    )
    assert posted.status_code == 302
    with demo_app.app_context():
        row = db.session.scalar(select(CleaningDecision))
        assert (row.response_id, row.rule, row.subject, row.action, row.original) == (
            issue.response_id, 5, issue.subject, "base_x10", issue.original
        )  # fmt: skip


def test_the_store_file_goes_with_the_report(demo_app):
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID))
    path = report.issues.path
    assert path.is_file()
    del report
    gc.collect()
    assert not path.exists()


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failed_pass_leaves_no_spilled_issues(demo_app, monkeypatch, tmp_path, processes):
    import tempfile

    from survey.scoring import passes

    spills = tmp_path / "tmp"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    monkeypatch.setattr(issue_store, "BATCH", 5)  # spilled to disk before the failure
    monkeypatch.setattr("survey.scoring.chunks.SMALLEST", 1)
    with demo_app.app_context():
        last = db.session.scalar(select(func.max(Response.id)))  # in the last chunk
    cleaned = passes.clean

    def clean(questionnaire, settings, response_id, *args, **kwargs):
        if response_id == last:
            raise RuntimeError("the cleaning failed")
        return cleaned(questionnaire, settings, response_id, *args, **kwargs)

    monkeypatch.setattr(passes, "clean", clean)
    with demo_app.app_context(), pytest.raises(RuntimeError, match="the cleaning failed"):
        build_report(demo_app.extensions["survey_registry"].get(QID), processes=processes)
    assert list(spills.iterdir()) == []


def test_summaries_of_chunks_merge_into_the_summary_of_the_whole(demo_app):
    """A chunk's summary counts its own responses' issues; merged in id order, the chunks'
    summaries are the whole list's, wherever the list is cut between responses."""
    with demo_app.app_context():
        report = build_report(demo_app.extensions["survey_registry"].get(QID))
    everything = list(report.issues)
    whole = summarise(everything)
    assert whole == report.summary and whole["issues"] > 100
    starts = [i for i in range(1, len(everything)) if everything[i].response_id
              != everything[i - 1].response_id]  # fmt: skip
    for cuts in ([starts[0]], [starts[3], starts[len(starts) // 2], starts[-1]]):
        merged = Summary()
        for first, last in zip([0, *cuts], [*cuts, len(everything)], strict=True):
            part = Summary()
            for issue in everything[first:last]:
                part.add(issue)
            merged.merge(part)
        assert merged.result() == whole, cuts

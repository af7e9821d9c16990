"""Demo data through the database: Appendix B reproduced exactly, every cleaning rule tripped,
the same figures from the database as from the same responses in memory (so the same on SQLite
and PostgreSQL: the suite runs on both), and the ``survey report`` outputs."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import signal

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Respondent, Response
from survey.questionnaire.routing import effective_answers
from survey.responses.writing import create_respondent
from survey.scoring.chunks import ChunkFailed
from survey.scoring.cli import demo_data_command, report_command
from survey.scoring.config import scoring_config
from survey.scoring.data import RawResponse
from survey.scoring.demo import generate
from survey.scoring.report import build_report

QID = "good_practice_savings"


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(
        demo_data_command, [QID, "--respondents", "107", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "stored 107 submitted demonstration responses" in result.output
    return app


def questionnaire(app):
    return app.extensions["survey_registry"].get(QID)


def test_appendix_b_reproduced_exactly(demo_app):
    with demo_app.app_context():
        report = build_report(questionnaire(demo_app), only=["appendix_b"])
    figure = report.figure("appendix_b")
    rows = {
        row["label"]: [c["display"] for c in cells]
        for row, cells in zip(figure["rows"], figure["cells"], strict=True)
    }
    # the source: type, total population, respondents, response rate (and none in progress)
    assert rows == {
        "London borough": ["33", "11", "33%", "0"],
        "Metropolitan": ["36", "14", "39%", "0"],
        "Other unitary": ["56", "16", "29%", "0"],
        "County": ["27", "10", "37%", "0"],
        "District": ["201", "46", "23%", "0"],
        "Metropolitan and combined fire and rescue authorities": ["30", "10", "33%", "0"],
        "TOTAL": ["383", "107", "28%", "0"],
    }
    assert figure["n"] == 107
    assert (
        figure["heading"]
        == "Appendix B: Response rates by authority type (All authorities, n = 107)"
    )


def test_demo_responses_are_submitted_consistent_and_on_the_route(demo_app):
    with demo_app.app_context():
        q = questionnaire(demo_app)
        responses = db.session.scalars(select(Response)).all()
        assert len(responses) == 107
        assert all(r.status == "submitted" and r.reference and r.submitted_at for r in responses)
        for response in responses:
            answers = dict(
                db.session.execute(
                    select(Answer.key, Answer.value).where(Answer.response_id == response.id)
                ).all()
            )
            assert answers == effective_answers(q, answers)  # only keys on the route
            for i in range(1, 4):
                ranked = [answers.get(f"q7_rank_ex{i}_{k}") for k in (1, 2, 3)]
                chosen = answers.get(f"q7_ex{i}") or []
                assert all(r in chosen for r in ranked if r)
            examples = 1 + sum(answers.get(f"q11_ex{i}") == "yes" for i in (1, 2))
            assert 1 <= examples <= 3
        types = db.session.scalars(select(Respondent.authority_type)).all()
        assert {"district", "london_borough", "metropolitan", "other_unitary"} <= set(types)


def test_demo_data_trips_every_cleaning_rule_that_the_form_allows(demo_app):
    with demo_app.app_context():
        report = build_report(questionnaire(demo_app), only=[])
    hits = {r["rule"]: r["issues"] for r in report.summary["rules"]}
    for rule in range(1, 8):
        assert hits[rule] > 0, rule
    # Rule 8 (savings delivered for future years) cannot be tripped by a response made through
    # the form, which does not ask for those cells: it is covered by test_scoring_cleaning.
    assert hits[8] == 0
    rule7 = next(r for r in report.summary["rules"] if r["rule"] == 7)
    assert rule7["tables"]["q34"] > 0 and rule7["tables"]["q8"] > 0


def test_same_figures_from_the_database_as_in_memory(demo_app):
    """The database adds nothing and loses nothing: run on SQLite and on PostgreSQL, both equal
    the in-memory figures, so they equal each other."""
    with demo_app.app_context():
        q = questionnaire(demo_app)
        from_db = build_report(q).to_json()
    generated = generate(q, scoring_config(q), 107, 1)
    memory = build_report(
        q,
        responses=[
            RawResponse(i + 1, "submitted", r.answers, r.reference, r.authority_type)
            for i, r in enumerate(generated)
        ],
    ).to_json()
    assert from_db["figures"] == memory["figures"]
    assert from_db["data_quality"] == memory["data_quality"]
    assert json.dumps(from_db["figures"])  # plain JSON throughout


def test_partial_responses_count_only_when_asked(demo_app):
    with demo_app.app_context():
        respondent, _ = create_respondent(QID, "Partial district", "district")
        version = demo_app.extensions["survey_registry"].ensure_version(questionnaire(demo_app))
        response = Response(respondent_id=respondent.id, questionnaire_version_id=version.id)
        db.session.add(response)
        db.session.flush()
        db.session.add(Answer(response_id=response.id, key="q2", value="district"))
        db.session.add(Answer(response_id=response.id, key="q28", value=["housing"]))
        db.session.commit()
        q = questionnaire(demo_app)
        submitted = build_report(q, only=["appendix_b", "figure_2"])
        both = build_report(q, only=["appendix_b", "figure_2"], include_in_progress=True)
    district = submitted.figure("appendix_b")["cells"][4]
    assert [c["display"] for c in district] == ["201", "46", "23%", "1"]  # partial beside
    assert submitted.figure("figure_2")["n"] == 107
    assert both.figure("figure_2")["n"] == 108
    assert both.responses == {"submitted": 107, "in_progress": 1, "used": 108}


def test_report_command_writes_every_output(demo_app, tmp_path):
    out = tmp_path / "report"
    result = demo_app.test_cli_runner().invoke(report_command, [QID, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "figures.json").read_text())
    config = scoring_config(questionnaire(demo_app))
    assert [f["id"] for f in data["figures"]] == [f.id for f in config.figures]
    for figure in data["figures"]:
        assert isinstance(figure["n"], int)
        assert figure["heading"].endswith(")") and "n = " in figure["heading"]
        raw = (out / f"{figure['id']}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # a byte order mark, for Excel
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == len(figure["rows"]) + 1
        if figure["chart"]:
            svg = (out / f"{figure['id']}.svg").read_text()
            assert svg.startswith("<svg") and "<title" in svg
    for name in ("cleaning_log.csv", "data_quality.csv", "figure_2__district.csv"):
        assert (out / name).exists()
    for name in ("cleaning_log.csv", "data_quality.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    log = list(
        csv.DictReader(io.StringIO((out / "cleaning_log.csv").read_text(encoding="utf-8-sig")))
    )
    assert {row["rule"] for row in log} >= {"1", "2", "3", "4", "5", "6", "7"}
    # each line names the authority and the question, and says when it was decided
    assert all(row["authority"] and row["question"].startswith("Q") for row in log)
    assert all(row["decided_at"] for row in log if row["decided_by"] == "automatic")
    pending = [row for row in log if row["status"] == "pending"]
    thousands = [row for row in pending if row["rule"] == "2"]  # x1,000 suggested
    assert thousands and all(
        float(row["suggested"]) == 1000 * float(row["original"]) for row in thousands
    )
    from pypdf import PdfReader

    pdf = PdfReader(out / "report.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Figure 17" in text and "Data quality" in text and "Appendix B" in text


def test_the_streamed_cleaning_log_file_is_the_downloads_log(demo_app, tmp_path):
    """``survey report`` writes the cleaning log a line at a time: the file holds exactly the
    log the web page's download gives for the same report, and issues on the same fields share
    their labels (one dict for all of them, the same labels as before)."""
    from survey.scoring.output import log_csv, write_outputs
    from survey.spreadsheets import CSV_ENCODING

    with demo_app.app_context():
        report = build_report(questionnaire(demo_app))
    write_outputs(report, tmp_path, pdf=False)
    assert (tmp_path / "cleaning_log.csv").read_bytes() == log_csv(report).encode(CSV_ENCODING)
    assert len(report.log()) == sum(len(i.entries()) for i in report.issues) > 0
    by_fields: dict = {}
    for issue in report.issues:
        fields = tuple({**issue.touched, **issue.original})
        first = by_fields.setdefault(fields, issue)
        assert issue.field_labels == first.field_labels
        assert issue.question_label == first.question_label
    assert len(by_fields) < len(report.issues)


@pytest.mark.parametrize("processes", [2, 3, 7])
def test_the_cleaning_log_written_by_several_processes_is_the_same_file(
    demo_app, tmp_path, monkeypatch, processes
):
    """Over several processes (each a run of the issues, copied after the header in order),
    the cleaning log is byte for byte the file one process writes."""
    from survey.scoring import output

    with demo_app.app_context():
        report = build_report(questionnaire(demo_app), processes=2)
    out = tmp_path / "out"
    out.mkdir()
    output.write_log_file(report, out / "one.csv")
    monkeypatch.setattr(output, "LOG_SPLIT_FROM", 1)
    output.write_log_file(report, out / "split.csv", processes)
    one = (out / "one.csv").read_bytes()
    assert (out / "split.csv").read_bytes() == one
    assert one.startswith(codecs.BOM_UTF8) and one.count(b"\r\n") > 100
    assert sorted(p.name for p in out.iterdir()) == ["one.csv", "split.csv"]  # no part left


def _fail(_):
    raise OSError("disk full")


def _kill(_):
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer does


@pytest.mark.parametrize(
    ("failure", "raised", "message"),
    [(_fail, OSError, "disk full"), (_kill, ChunkFailed, "ended abruptly")],
    ids=["raises", "killed"],
)
def test_a_failed_part_of_the_cleaning_log_fails_it_and_writes_no_file(
    demo_app, tmp_path, monkeypatch, failure, raised, message
):
    """A part's process that raises, or is killed (which would leave a pool waiting for it),
    fails the writing at once; no part and no log are left."""
    from survey.scoring import issue_store, output

    with demo_app.app_context():
        report = build_report(questionnaire(demo_app))
    monkeypatch.setattr(output, "LOG_SPLIT_FROM", 1)
    reading = issue_store.Issues.between

    def between(self, first, last):  # in the second run's process
        if first > 1:
            failure(first)
        return reading(self, first, last)

    monkeypatch.setattr(issue_store.Issues, "between", between)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(raised, match=message):
        output.write_log_file(report, out / "log.csv", 2)
    assert list(out.iterdir()) == []


def test_demo_data_stored_a_chunk_at_a_time_is_what_the_seed_generates(app):
    """Generated lazily and stored in chunks (memory stays flat), the stored responses are still
    exactly the list the seed gives, in its order, across chunk boundaries."""
    from survey.responses.reading import load_answers
    from survey.scoring.demo import generated
    from survey.scoring.demo_storage import store

    with app.app_context():
        q = questionnaire(app)
        config = scoring_config(q)
        expected = generate(q, config, 11, 4)
        assert store(q, generated(q, config, 11, 4), chunk_size=3) == 11
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        stored = [(r.reference, r.respondent.name, r.submitted_at, load_answers(r)) for r in rows]
    assert stored == [(e.reference, e.name, e.submitted_at, e.answers) for e in expected]

"""Statistics for every question: frequencies, multiple choices, grids, numeric summaries and
crosstabs (survey.scoring.statistics), computed from plain answers, with the minimum-cell rule
and its complementary cells for sponsors; and the pages, charts and CSV downloads by role."""

from __future__ import annotations

import csv
import io

import pytest

from survey.questionnaire.model import Option
from survey.questionnaire.variables import Variable
from survey.scoring import statistics as stats
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from survey.scoring.statistics_output import crosstab_csv, questions_csv

OPTIONS = (
    Option(id="yes", label="Yes"),
    Option(id="no", label="No"),
    Option(id="dk", label="Don't know"),
)


def _var(name: str, kind: str, **kw) -> Variable:
    defaults = {"key": name, "question_type": "t", "question_id": name.split("_")[0],
                "number": "1", "text": "A question"}  # fmt: skip
    return Variable(name=name, kind=kind, **{**defaults, **kw})


def _run(variables, answers, minimum=3, published=False):
    s = stats.Statistics(variables, minimum, published)
    for a in answers:
        s.add(a)
    return {q.id: q for q in s.result()}


def test_frequencies_of_a_closed_question_are_of_those_answering():
    q = _run([_var("q1", "code", options=OPTIONS)],
             [{"q1": "yes"}] * 3 + [{"q1": "no"}] + [{}])["q1"]  # fmt: skip
    (f,) = q.frequencies
    assert [(c.id, c.count) for c in f.categories] == [("yes", 3), ("no", 1), ("dk", 0)]
    assert f.answered == 4 and q.responses == 5
    assert [c.percent for c in f.categories] == [75.0, 25.0, 0.0]
    assert not q.grid


def test_an_answer_no_longer_offered_is_counted_apart():
    (f,) = _run([_var("q1", "code", options=OPTIONS)], [{"q1": "yes"}, {"q1": "gone"}])[
        "q1"
    ].frequencies
    assert f.categories[-1].label.startswith("Other answers") and f.categories[-1].count == 1


def test_multiple_choice_counts_each_option_of_those_answering():
    flags = [_var("q5_a", "flag", key="q5", option="a", sub="A", question_id="q5"),
             _var("q5_b", "flag", key="q5", option="b", sub="B", question_id="q5")]  # fmt: skip
    q = _run(flags, [{"q5": ["a", "b"]}, {"q5": ["a"]}, {"q5": []}, {}])["q5"]
    (f,) = q.frequencies
    assert f.multiple and f.answered == 2
    assert [(c.label, c.count, c.percent) for c in f.categories] == [
        ("A", 2, 100.0),
        ("B", 1, 50.0),
    ]


def test_a_grid_is_its_rows():
    rows = [_var("q9_r1", "code", options=OPTIONS, sub="Row 1", question_id="q9"),
            _var("q9_r2", "code", options=OPTIONS, sub="Row 2", question_id="q9")]  # fmt: skip
    q = _run(rows, [{"q9_r1": "yes", "q9_r2": "no"}, {"q9_r1": "yes"}])["q9"]
    assert q.grid and [f.label for f in q.frequencies] == ["Row 1", "Row 2"]
    assert [f.answered for f in q.frequencies] == [2, 1]


def test_numeric_summary():
    q = _run([_var("q7", "number", pounds=True)],
             [{"q7": v} for v in (10, 20, 30, 40, 1000)] + [{"q7": "x"}, {}])["q7"]  # fmt: skip
    (s,) = q.summaries
    assert (s.n, s.mean, s.median, s.q1, s.q3) == (5, 220, 30, 20, 40)
    assert (s.minimum, s.maximum, s.total, s.money) == (10, 1000, 1100, True)


def test_published_numeric_summary_hides_small_n_and_extremes():
    many = _run([_var("q7", "number")], [{"q7": v} for v in (1, 2, 3, 4)], published=True)["q7"]
    assert many.summaries[0].mean == 2.5 and many.summaries[0].minimum is None
    assert many.summaries[0].maximum is None and many.summaries[0].total is None
    few = _run([_var("q7", "number")], [{"q7": 1}, {"q7": 2}], published=True)["q7"]
    assert few.summaries[0].suppressed and few.summaries[0].mean is None


def test_published_frequencies_hide_small_counts_and_their_complement():
    answers = [{"q1": "yes"}] * 10 + [{"q1": "no"}] * 5 + [{"q1": "dk"}] * 2
    (f,) = _run([_var("q1", "code", options=OPTIONS)], answers, published=True)["q1"].frequencies
    shown = {c.id: (c.suppressed, c.count) for c in f.categories}
    # 2 "don't know" is hidden; so is the smallest other cell, or 17 - 10 - 5 would give it back
    assert shown == {"yes": (False, 10), "no": (True, 0), "dk": (True, 0)}
    full = _run([_var("q1", "code", options=OPTIONS)], answers)["q1"].frequencies[0]
    assert [c.count for c in full.categories] == [10, 5, 2]  # the team sees every count


def test_crosstab_by_type_with_column_percentages_and_suppression():
    rows = stats.Closed("q1", "Q1", "q1", OPTIONS)
    records = ([({"q1": "yes"}, "a")] * 6 + [({"q1": "no"}, "a")] * 4 + [({"q1": "yes"}, "b")] * 5
               + [({"q1": "dk"}, "b")] * 1 + [({}, "b")])  # fmt: skip
    columns = [("a", "Type A"), ("b", "Type B")]
    table = stats.crosstab(rows, columns, records, 3, published=False)
    assert table.total == 16 and table.column_totals["b"].count == 6
    assert table.cells[("yes", "a")].count == 6 and table.cells[("yes", "a")].percent == 60.0
    assert table.row_totals["yes"].count == 11
    published = stats.crosstab(rows, columns, records, 3, published=True)
    assert published.cells[("dk", "b")].suppressed
    # the hidden 1 cannot be worked out from its row, its column or the totals
    row_hidden = [published.cells[("dk", c)].suppressed for c, _ in columns] + [
        published.row_totals["dk"].suppressed
    ]
    column_hidden = [published.cells[(o.id, "b")].suppressed for o in OPTIONS if o.id != "dk"]
    assert sum(row_hidden) >= 2 and any(column_hidden)
    text = crosstab_csv(published, "type").lstrip("\ufeff")
    assert "N/A" in text and text.startswith("Q1 by type")


def test_crosstab_of_a_multiple_choice():
    rows = stats.Closed(
        "q5", "Q5", "q5", (Option(id="a", label="A"), Option(id="b", label="B")), multiple=True
    )
    table = stats.crosstab(
        rows, [("x", "X")], [({"q5": ["a", "b"]}, "x"), ({"q5": ["a"]}, "x")], 3, False
    )
    assert table.cells[("a", "x")].count == 2 and table.cells[("b", "x")].percent == 50.0


def test_csv_has_a_bom_and_every_table():
    q = _run([_var("q1", "code", options=OPTIONS), _var("q7", "number", question_id="q7")],
             [{"q1": "yes", "q7": 5}, {"q1": "=cmd", "q7": 7}])  # fmt: skip
    text = questions_csv(list(q.values()))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["question", "text", "row", "answer"]
    assert ["1", "A question", "", "Yes", "1", "50.0", "2"] in rows
    assert any(r[:4] == ["1", "A question", "", "5"] or r[3:5] == ["2", "6"] for r in rows)


# -- the pages ----------------------------------------------------------------------------------------

QID = "good_practice_savings"
BASE = f"/research/{QID}/statistics"


@pytest.fixture
def data(app):
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        from survey.scoring.config import scoring_config

        store(q, generate(q, scoring_config(q), 40, seed=5))
    return app


@pytest.mark.parametrize("role", ["admin", "researcher", "sponsor"])
def test_statistics_page_for_every_role(data, client, sign_in, role):
    sign_in(role)
    page = client.get(f"{BASE}/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "over the 40 submitted responses" in html
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    assert "<script" not in html.split("<main", 1)[1]
    assert "Numeric summary" in html or "numeric summary" in html
    if role == "sponsor":
        assert "Counts from fewer than 3 authorities" in html
        assert "Minimum</th>" not in html
        assert "Name of authority" not in html  # identifying questions are left out
    else:
        assert "Minimum</th>" in html
    download = client.get(f"{BASE}/statistics.csv")
    assert download.status_code == 200 and download.data.startswith("\ufeff".encode())


def test_crosstab_pages(data, client, sign_in):
    sign_in("researcher")
    page = client.get(f"{BASE}/crosstab?row=q3&by=authority_type")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "by type of authority" in html and "<svg" in html
    assert "District councils" in html or "District" in html
    by_question = client.get(f"{BASE}/crosstab?row=q3&by=q2")
    assert by_question.status_code == 200
    bad = client.get(f"{BASE}/crosstab?row=nonsense&by=q2")
    assert bad.status_code == 400 and "Choose a closed question" in bad.get_data(as_text=True)
    assert client.get(f"{BASE}/crosstab.csv?row=nonsense").status_code == 404
    text = client.get(f"{BASE}/crosstab.csv?row=q3&by=authority_type").data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Q3 Role of lead respondent by type of authority")


def test_sponsor_crosstab_uses_report_groups_and_hides_small_cells(data, client, sign_in):
    sign_in("sponsor")
    html = client.get(f"{BASE}/crosstab?row=q3&by=authority_type").get_data(as_text=True)
    assert "N/A" in html and "(report group)" in html


def test_the_team_can_preview_the_sponsor_view(data, client, sign_in):
    sign_in("researcher")
    preview = client.get(f"{BASE}/crosstab?row=q3&by=authority_type&view=published")
    full = client.get(f"{BASE}/crosstab?row=q3&by=authority_type")
    hidden = "Not available: fewer than 3 authorities"
    assert hidden in preview.get_data(as_text=True) and hidden not in full.get_data(as_text=True)


def test_a_correction_changes_the_statistics(data, app, client, sign_in):
    from survey.extensions import db
    from survey.models import Response
    from survey.responses import editing, edits

    sign_in("researcher")
    with app.app_context():
        response = db.session.query(Response).order_by(Response.id).first()
        before = edits.edited_answers(response).get("q3")
        new = "chief_executive" if before != "chief_executive" else "chief_finance_officer"
        scope = stats.Scope.of(app.extensions["survey_registry"].get(QID), published=False)
        counts = {
            c.id: c.count
            for c in next(q for q in stats.question_statistics(scope) if q.id == "q3")
            .frequencies[0]
            .categories
        }
        editing.edit_answers(response.id, response.respondent_id, response.version,
                             [editing.AnswerChange("q3", before, before, new)], "test", "r@x")  # fmt: skip
        after = {
            c.id: c.count
            for c in next(q for q in stats.question_statistics(scope) if q.id == "q3")
            .frequencies[0]
            .categories
        }
    assert after[new] == counts.get(new, 0) + 1 and after[before] == counts[before] - 1

"""The ASCE year-end return's figures, declared in its YAML as instances of three generic kinds
(mean_of_fields, ratio_distribution, totals_by_field): each kind on small datasets worked out by
hand in the comments, its declaration checks, ``survey report`` on responses stored in the
database, the figure pages, and demonstration data for the questionnaire."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json

import pytest
from flask import current_app
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Respondent, Response
from survey.questionnaire.loader import load
from survey.questionnaire.routing import effective_answers
from survey.scoring.cli import demo_data_command, report_command
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.scoring.demo import allocate
from survey.scoring.kinds import KINDS
from survey.scoring.kinds.base import Context, Record
from tests.conftest import ROOT

QID = "asce_year_end_return"
Q = load(ROOT / "questionnaires" / f"{QID}.yaml")
CONFIG = scoring_config(Q)


def run(figure_id, records, min_authorities=3, **params):
    figure = CONFIG.figure(figure_id)
    if params:
        figure = dataclasses.replace(figure, params={**figure.params, **params})
    kind = KINDS[figure.kind](figure, Context(Q, CONFIG, min_authorities))
    for record in records:
        kind.add(record)
    return kind.result()


def rec(rid, **answers):
    return Record(rid, answers, type_id="unitary", group_id="single_tier")


def table(result):
    """{row id: [display, ...]} of a result."""
    return {
        row["id"]: [c["display"] for c in cells]
        for row, cells in zip(result["rows"], result["cells"], strict=True)
    }


def cell(result, row_id, column_id):
    i = [r["id"] for r in result["rows"]].index(row_id)
    j = [c["id"] for c in result["columns"]].index(column_id)
    return result["cells"][i][j]


def test_the_declarations():
    assert [f.id for f in CONFIG.figures] == [
        "savings_percent_of_budget",
        "projected_savings_percent",
        "projected_savings_totals",
        "table_1",
    ]
    assert [f.kind for f in CONFIG.figures] == [
        "ratio_distribution",
        "ratio_distribution",
        "totals_by_field",
        "mean_of_fields",
    ]
    assert CONFIG.type_question == "q2"
    assert CONFIG.type_for("metropolitan_district").group == "single_tier"
    assert CONFIG.type_for("county").group == "county"
    # no totals are known; the demonstration counts are section 4's councils (36)
    assert CONFIG.total_population == 0
    assert sum(t.demo_respondents for t in CONFIG.types) == 36
    assert CONFIG.min_authorities == 3 and CONFIG.cleaning is None


# -- ratio_distribution --------------------------------------------------------------------------

SAVINGS = [
    rec(1, q3=200, q5=9),  # 4.5%  (mode: rounds half away to 5)
    rec(2, q3=1000, q5=70),  # 7%
    rec(3, q3=300, q5=21),  # 7%
    rec(4, q3=400, q5=2),  # 0.5%  (mode: rounds to 1)
    rec(5, q3=0, q5=10),  # a zero budget: left out, counted as excluded
    rec(6, q5=10),  # no budget: not counted
    rec(7, q3=500),  # no savings: not counted
]


def test_ratio_distribution_range_mean_and_mode():
    result = run("savings_percent_of_budget", SAVINGS)
    # n = 4; lowest 0.5%, highest 7%; mean (4.5 + 7 + 7 + 0.5) / 4 = 19 / 4 = 4.75 -> 4.8%
    # (one decimal, halves away from zero); the rounded values 5, 7, 7, 1: the mode is 7 (twice)
    assert table(result) == {"2012_13": ["4", "0.5%", "7.0%", "4.8%", "7%"]}
    assert [c["id"] for c in result["columns"]] == ["n", "min", "max", "mean", "mode"]
    assert cell(result, "2012_13", "mean")["value"] == pytest.approx(4.75)
    assert cell(result, "2012_13", "min")["value"] == 0.5
    mode = cell(result, "2012_13", "mode")
    assert (mode["value"], mode["count"], mode["modes"]) == (7, 2, [7])
    assert result["n"] == 4 and result["unit"] == "percent"
    assert result["heading"].startswith("Efficiency savings: Savings delivered in 2012/13")
    assert result["heading"].endswith("(All authorities, n = 4)")
    assert result["details"]["excluded_non_positive_denominator"] == {"2012_13": 1}
    assert result["details"]["distribution"]["2012_13"] == [
        {"value": 1, "display": "1%", "count": 1},
        {"value": 5, "display": "5%", "count": 1},
        {"value": 7, "display": "7%", "count": 2},
    ]
    # the chart: lowest, highest and average (the mode is in the table), one decimal on the bars
    assert [s["id"] for s in result["chart"]["series"]] == ["min", "max", "mean"]
    assert result["chart"]["places"] == 1


def test_ratio_distribution_pooled_ties_and_smaller_cells():
    # pooled: (9 + 70 + 21 + 2) / (200 + 1000 + 300 + 400) = 102 / 1900 = 5.368...% -> 5.4%
    pooled = run("savings_percent_of_budget", SAVINGS, statistics=["n", "pooled"])
    assert table(pooled) == {"2012_13": ["4", "5.4%"]}
    # ties: 5%, 5%, 7%, 7%, 3% -> both modes, listed together, each reported twice
    tied = run(
        "savings_percent_of_budget",
        [rec(i, q3=100, q5=v) for i, v in enumerate([5, 5, 7, 7, 3])],
    )
    mode = cell(tied, "2012_13", "mode")
    assert (mode["display"], mode["value"], mode["count"]) == ("5% and 7%", [5, 7], 2)
    three = run(
        "savings_percent_of_budget",
        [rec(i, q3=100, q5=v) for i, v in enumerate([5, 5, 7, 7, 3, 3])],
    )
    assert cell(three, "2012_13", "mode")["display"] == "3%, 5% and 7%"
    # the mode to one decimal: 4.45% and 4.5% both round to 4.5%; 4.44% to 4.4%
    finer = run(
        "savings_percent_of_budget",
        [rec(1, q3=10000, q5=445), rec(2, q3=1000, q5=45), rec(3, q3=10000, q5=444)],
        mode_places=1,
    )
    assert cell(finer, "2012_13", "mode")["display"] == "4.5%"
    # fewer than the minimum: every statistic N/A but the number of authorities
    small = run("savings_percent_of_budget", SAVINGS, min_authorities=5)
    assert table(small) == {"2012_13": ["4", "N/A", "N/A", "N/A", "N/A"]}
    assert cell(small, "2012_13", "min")["na_reason"] == "fewer than 5 authorities"
    assert small["details"]["distribution"] == {}


def test_projections_as_a_percentage_of_the_budget():
    records = [
        # 2013/14: 6%, 6%, 5%, 5%; 2014/15: 5%, 5%, 5%; 2015/16: 4%, 2.5%, 3%
        rec(1, q3=100, q7_2013_14=6, q7_2014_15=5, q7_2015_16=4),
        rec(2, q3=50, q7_2013_14=3, q7_2014_15=2.5),
        rec(3, q3=80, q7_2013_14=4, q7_2014_15=4, q7_2015_16=2),
        rec(4, q3=200, q7_2013_14=10, q7_2015_16=6),
    ]
    result = run("projected_savings_percent", records)
    # means: 22 / 4 = 5.5; 15 / 3 = 5.0; 9.5 / 3 = 3.1666... -> 3.2%
    assert table(result) == {
        "2013_14": ["4", "5.5%", "5.0%", "6.0%"],
        "2014_15": ["3", "5.0%", "5.0%", "5.0%"],
        "2015_16": ["3", "3.2%", "2.5%", "4.0%"],
    }
    assert result["n"] == 4


# -- mean_of_fields (Table 1) ----------------------------------------------------------------------


def split(prefix, bureaucracy, demand, prevention, other):
    return {
        f"{prefix}_bureaucracy": bureaucracy,
        f"{prefix}_demand": demand,
        f"{prefix}_prevention": prevention,
        f"{prefix}_other": other,
    }


TYPES = [
    rec(1, q5=300, q7_2013_14=100, **split("q8", 50, 30, 0, 20), **split("q9", 40, 40, 10, 10)),
    rec(2, q5=100, **split("q8", 10, 50, 20, 20), **split("q9", 20, 20, 20, 40)),
    rec(3, q5=0, q7_2013_14=300, **split("q8", 100, 0, 0, 0), **split("q9", 50, 30, 10, 10)),
    rec(4, q5=200, q7_2013_14=100, **split("q8", 25, 25, 25, 25), **split("q9", 30, 30, 30, 10)),
    rec(5, q5=500),  # savings but no split: not counted
]


def test_mean_of_fields_weighted_by_savings():
    result = run("table_1", TYPES)
    # 2012/13, weighted by Q5 over 1, 2 and 4 (3 delivered nothing): sum of weights 600
    #   bureaucracy (300x50 + 100x10 + 200x25) / 600 = 21000 / 600 = 35
    #   demand      (300x30 + 100x50 + 200x25) / 600 = 19000 / 600 = 31.67 -> 32%
    #   prevention  (300x0  + 100x20 + 200x25) / 600 =  7000 / 600 = 11.67 -> 12%
    #   other       (300x20 + 100x20 + 200x25) / 600 = 13000 / 600 = 21.67 -> 22%
    # 2013/14, weighted by Q7 2013/14 over 1, 3 and 4 (2 gave no projection): sum 500
    #   bureaucracy (100x40 + 300x50 + 100x30) / 500 = 22000 / 500 = 44
    #   demand      (100x40 + 300x30 + 100x30) / 500 = 16000 / 500 = 32
    #   prevention  (100x10 + 300x10 + 100x30) / 500 =  7000 / 500 = 14
    #   other       (100x10 + 300x10 + 100x10) / 500 =  5000 / 500 = 10
    assert table(result) == {
        "bureaucracy": ["35%", "44%"],
        "demand": ["32%", "32%"],
        "prevention": ["12%", "14%"],
        "other": ["22%", "10%"],
        "total": ["100%", "100%"],
    }
    assert cell(result, "demand", "2012_13")["value"] == pytest.approx(95 / 3)
    assert cell(result, "total", "2012_13")["value"] == 100  # exact: the shares are fractions
    assert [r["label"] for r in result["rows"]] == [
        "Reducing bureaucracy",
        "Managing demand",
        "Prevention",
        "Other",
        "Total",
    ]
    assert [c["label"] for c in result["columns"]] == ["2012/13", "2013/14 (projected)"]
    # 3 councils in each year, 4 in all
    assert result["details"]["authorities_by_column"] == {"2012_13": 3, "2013_14": 3}
    assert cell(result, "bureaucracy", "2012_13")["n"] == 3
    assert result["n"] == 4
    assert result["heading"] == (
        "Table 1: Efficiency savings by type, 2012/13 and projected 2013/14 "
        "(All authorities, n = 4)"
    )
    assert [s["id"] for s in result["chart"]["series"]] == ["2012_13", "2013_14"]
    assert [c["id"] for c in result["chart"]["categories"]] == [
        "bureaucracy",
        "demand",
        "prevention",
        "other",
    ]


def test_mean_of_fields_unweighted_and_smaller_cells():
    unweighted = run(
        "table_1",
        TYPES,
        columns=[{"id": "2012_13", "label": "2012/13", "question": "q8"}],
        places=2,
    )
    # every council with a split counts the same: over 1, 2, 3 and 4
    #   bureaucracy (50 + 10 + 100 + 25) / 4 = 46.25; demand (30 + 50 + 0 + 25) / 4 = 26.25
    #   prevention (0 + 20 + 0 + 25) / 4 = 11.25; other (20 + 20 + 0 + 25) / 4 = 16.25
    assert table(unweighted) == {
        "bureaucracy": ["46.25%"],
        "demand": ["26.25%"],
        "prevention": ["11.25%"],
        "other": ["16.25%"],
        "total": ["100.00%"],
    }
    small = run("table_1", TYPES, min_authorities=4)
    assert table(small)["bureaucracy"] == ["N/A", "N/A"]
    assert table(small)["total"] == ["N/A", "N/A"]
    assert cell(small, "demand", "2013_14")["na_reason"] == "fewer than 4 authorities"


# -- totals_by_field -------------------------------------------------------------------------------


def test_totals_by_field():
    records = [
        rec(1, q7_2013_14=100, q7_2014_15=50),
        rec(2, q7_2013_14=200, q7_2015_16=30),
        rec(3, q7_2013_14=300, q7_2014_15=70),
        rec(4, q3=1000),  # no projections: not counted
    ]
    result = run("projected_savings_totals", records)
    # 2013/14: 3 councils, 100 + 200 + 300 = 600, mean 200; 2014/15 (2) and 2015/16 (1): fewer
    # than 3 councils, so only their number is shown
    assert table(result) == {
        "q7_2013_14": ["3", "£600", "£200"],
        "q7_2014_15": ["2", "N/A", "N/A"],
        "q7_2015_16": ["1", "N/A", "N/A"],
    }
    assert [r["label"] for r in result["rows"]] == ["2013/14", "2014/15", "2015/16"]
    assert result["n"] == 3 and result["unit"] == "money"
    assert [s["id"] for s in result["chart"]["series"]] == ["total"]
    assert result["chart"]["series"][0]["values"] == [600, None, None]
    # with a minimum of 2: 2014/15 50 + 70 = 120, mean 60; lowest and highest when asked for
    wider = run(
        "projected_savings_totals",
        records,
        min_authorities=2,
        statistics=["n", "total", "mean", "min", "max"],
    )
    assert table(wider)["q7_2014_15"] == ["2", "£120", "£60", "£50", "£70"]
    assert table(wider)["q7_2013_14"] == ["3", "£600", "£200", "£100", "£300"]


# -- declaration checks --------------------------------------------------------------------------


def refused(figure):
    figure = {"id": "bad", "title": "T", **figure}
    q = dataclasses.replace(Q, extra={**Q.extra, "figures": [figure]})
    with pytest.raises(ScoringConfigError) as error:
        scoring_config(q)
    return [str(p) for p in error.value.problems]


@pytest.mark.parametrize(
    "figure, message",
    [
        (
            {"kind": "ratio_distribution"},
            "figure 'bad': missing parameter 'rows' for kind ratio_distribution",
        ),
        (
            {"kind": "ratio_distribution", "rows": [{"id": "x", "numerator": "q2", "denominator": "q3"}]},
            "figure 'bad': rows[0].numerator: 'q2' is not a numeric answer",
        ),
        (
            {"kind": "ratio_distribution", "rows": [{"id": "x", "numerator": "q5", "denominator": "q7_2020_21"}]},
            "figure 'bad': rows[0].denominator: 'q7_2020_21' is not a numeric answer",
        ),
        (
            {"kind": "ratio_distribution", "rows": [{"id": "x", "numerator": "q5", "denominator": "q3", "scale": 1}]},
            "figure 'bad': rows[0]: unknown key 'scale'",
        ),
        (
            {"kind": "ratio_distribution", "rows": "q5/q3"},
            "figure 'bad': rows: needs a list of {id, label, numerator, denominator}",
        ),
        (
            {"kind": "ratio_distribution", "statistics": ["n", "median"],
             "rows": [{"id": "x", "numerator": "q5", "denominator": "q3"}]},
            "figure 'bad': statistics: unknown statistic 'median'",
        ),
        (
            {"kind": "ratio_distribution", "places": 9,
             "rows": [{"id": "x", "numerator": "q5", "denominator": "q3"}]},
            "figure 'bad': places: must be a whole number from 0 to 4",
        ),
        (
            {"kind": "mean_of_fields", "columns": [{"question": "q5"}]},
            "figure 'bad': columns[0].question: 'q5' is not a group question",
        ),
        (
            {"kind": "mean_of_fields", "columns": [{"question": "q8", "weight": "q8"}]},
            "figure 'bad': columns[0].weight: 'q8' is not a numeric answer",
        ),
        (
            {"kind": "mean_of_fields", "columns": [{"question": "q8"}], "rows": ["bureaucracy", "nope"]},
            "figure 'bad': rows: 'nope' is not a numeric field of q8",
        ),
        (
            {"kind": "mean_of_fields", "columns": [{"question": "q8"}, {"question": "q7"}]},
            "figure 'bad': rows: 'bureaucracy' is not a numeric field of q7",
        ),
        (
            {"kind": "mean_of_fields", "columns": [{"question": "q8"}, {"question": "q8"}]},
            "figure 'bad': columns[1]: duplicate column id 'q8'",
        ),
        (
            {"kind": "totals_by_field", "fields": ["q7_2013_14", "q8_bureaucracy"]},
            "figure 'bad': fields: the answers mix money and percentage",
        ),
        (
            {"kind": "totals_by_field", "fields": ["q1"]},
            "figure 'bad': fields[0]: 'q1' is not a numeric answer",
        ),
        (
            {"kind": "totals_by_field", "fields": ["q3"], "chart_of": ["n"]},
            "figure 'bad': chart_of: 'n' is not one of total, mean, min, max",
        ),
        (
            {"kind": "totals_by_field", "fields": ["q3"], "chart_of": ["max"]},
            "figure 'bad': chart_of: 'max' is not among the statistics shown",
        ),
    ],
)  # fmt: skip
def test_bad_declarations_are_refused_naming_the_figure(figure, message):
    problems = refused(figure)
    assert any(p.startswith(message) for p in problems), problems


# -- survey report on responses stored in the database --------------------------------------------

COUNCILS = [
    # name, type, Q3 budget, Q5 delivered, Q7 projections (2013/14, 2014/15, 2015/16), Q8, Q9
    ("Council A", "county", 100_000_000, 5_000_000, (6_000_000, 5_000_000, 4_000_000),
     (60, 20, 10, 10), (50, 30, 10, 10)),
    ("Council B", "london_borough", 50_000_000, 3_500_000, (3_000_000, 2_500_000, None),
     (40, 30, 0, 30), (40, 20, 20, 20)),
    ("Council C", "unitary", 80_000_000, 5_600_000, (4_000_000, 4_000_000, 2_000_000),
     (50, 10, 10, 30), (30, 30, 10, 30)),
    ("Council D", "metropolitan_district", 200_000_000, 1_000_000, (10_000_000, None, 6_000_000),
     (50, 25, 5, 20), (45, 25, 5, 25)),
]  # fmt: skip


def store_response(q, name, type_, answers, status="submitted"):
    registry = current_app.extensions["survey_registry"]
    now = dt.datetime(2013, 4, 2, 10, 0)
    respondent = Respondent(
        questionnaire_id=q.id,
        name=name,
        authority_type=type_,
        token_hash=hashlib.sha256(name.encode()).hexdigest(),
    )
    db.session.add(respondent)
    db.session.flush()
    response = Response(
        respondent_id=respondent.id,
        questionnaire_version_id=registry.ensure_version(q).id,
        status=status,
        reference=f"ASCE-{respondent.id:04d}",
        page_states={},
        drafts={},
        started_at=now,
        updated_at=now,
        submitted_at=now if status == "submitted" else None,
    )
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        db.session.add(Answer(response_id=response.id, key=key, value=value, updated_at=now))


def council_answers(name, type_, budget, delivered, projected, q8, q9):
    answers = {"q1": name, "q2": type_, "q3": budget, "q4": delivered, "q5": delivered}
    answers["q6"] = "met_target"
    for year, value in zip(("2013_14", "2014_15", "2015_16"), projected, strict=True):
        if value is not None:
            answers[f"q7_{year}"] = value
    answers.update(split("q8", *q8))
    answers.update(split("q9", *q9))
    answers["q10"] = ["reducing_staffing"]
    return answers


@pytest.fixture
def asce_app(app):
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        for council in COUNCILS:
            store_response(q, council[0], council[1], council_answers(*council))
        # in progress: not counted (it would be the highest saving, 50%)
        partial = council_answers(
            "Council E", "unitary", 10_000_000, 5_000_000, (1, 1, 1), (100, 0, 0, 0), (100, 0, 0, 0)
        )
        store_response(q, "Council E", "unitary", partial, status="in_progress")
        db.session.commit()
    return app


def read_csv(path):
    return {
        row["row_id"]: row
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    }


def test_survey_report_on_stored_responses(asce_app, tmp_path):
    out = tmp_path / "report"
    result = asce_app.test_cli_runner().invoke(report_command, [QID, "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "asce_year_end_return: 4 responses, 4 figures" in result.output
    data = json.loads((out / "figures.json").read_text())
    assert data["responses"] == {"submitted": 4, "in_progress": 1, "used": 4}
    figures = {f["id"]: f for f in data["figures"]}

    # savings as a percentage of the budget: A 5%, B 7%, C 7%, D 0.5%
    #   range 0.5% to 7%; mean (5 + 7 + 7 + 0.5) / 4 = 19.5 / 4 = 4.875 -> 4.9%; mode 7% (twice)
    savings = figures["savings_percent_of_budget"]
    assert table(savings) == {"2012_13": ["4", "0.5%", "7.0%", "4.9%", "7%"]}
    assert cell(savings, "2012_13", "mean")["value"] == pytest.approx(4.875)
    assert cell(savings, "2012_13", "mode")["count"] == 2
    assert savings["heading"].endswith("range, average and mode (All authorities, n = 4)")

    # projections as a percentage of the 2012/13 budget
    #   2013/14: 6/100, 3/50, 4/80, 10/200 = 6, 6, 5, 5 -> mean 5.5%
    #   2014/15: 5/100, 2.5/50, 4/80 = 5, 5, 5 -> 5.0% (D gave none)
    #   2015/16: 4/100, 2/80, 6/200 = 4, 2.5, 3 -> 9.5 / 3 = 3.17 -> 3.2% (B gave none)
    assert table(figures["projected_savings_percent"]) == {
        "2013_14": ["4", "5.5%", "5.0%", "6.0%"],
        "2014_15": ["3", "5.0%", "5.0%", "5.0%"],
        "2015_16": ["3", "3.2%", "2.5%", "4.0%"],
    }

    # projections in pounds: 2013/14 6 + 3 + 4 + 10 = £23m (mean £5.75m); 2014/15 5 + 2.5 + 4 =
    # £11.5m (mean £3,833,333.33); 2015/16 4 + 2 + 6 = £12m (mean £4m)
    totals = figures["projected_savings_totals"]
    assert table(totals) == {
        "q7_2013_14": ["4", "£23,000,000", "£5,750,000"],
        "q7_2014_15": ["3", "£11,500,000", "£3,833,333"],
        "q7_2015_16": ["3", "£12,000,000", "£4,000,000"],
    }

    # Table 1, weighted by savings (£m): 2012/13 weights 5, 3.5, 5.6, 1 (sum 15.1)
    #   bureaucracy 5x60 + 3.5x40 + 5.6x50 + 1x50 = 770 / 15.1 = 50.99 -> 51%
    #   demand      5x20 + 3.5x30 + 5.6x10 + 1x25 = 286 / 15.1 = 18.94 -> 19%
    #   prevention  5x10 + 3.5x0  + 5.6x10 + 1x5  = 111 / 15.1 =  7.35 ->  7%
    #   other       5x10 + 3.5x30 + 5.6x30 + 1x20 = 343 / 15.1 = 22.72 -> 23%
    # 2013/14 weights (projected) 6, 3, 4, 10 (sum 23)
    #   bureaucracy 6x50 + 3x40 + 4x30 + 10x45 = 990 / 23 = 43.04 -> 43%
    #   demand      6x30 + 3x20 + 4x30 + 10x25 = 610 / 23 = 26.52 -> 27%
    #   prevention  6x10 + 3x20 + 4x10 + 10x5  = 210 / 23 =  9.13 ->  9%
    #   other       6x10 + 3x20 + 4x30 + 10x25 = 490 / 23 = 21.30 -> 21%
    table_1 = figures["table_1"]
    assert table(table_1) == {
        "bureaucracy": ["51%", "43%"],
        "demand": ["19%", "27%"],
        "prevention": ["7%", "9%"],
        "other": ["23%", "21%"],
        "total": ["100%", "100%"],
    }
    assert cell(table_1, "bureaucracy", "2012_13")["value"] == pytest.approx(770 / 15.1)
    assert cell(table_1, "prevention", "2013_14")["value"] == pytest.approx(210 / 23)

    # the CSVs at full precision, the SVG charts
    rows = read_csv(out / "table_1.csv")
    assert float(rows["demand"]["2012/13"]) == pytest.approx(286 / 15.1)
    assert rows["total"]["2013/14 (projected)"] == "100"
    rows = read_csv(out / "savings_percent_of_budget.csv")
    assert rows["2012_13"]["Lowest"] == "0.5" and rows["2012_13"]["Authorities"] == "4"
    assert rows["2012_13"]["n"] == "4"
    mode_column = "Mode (most frequently reported, to the nearest whole per cent)"
    assert rows["2012_13"][mode_column] == "7"
    assert rows["2012_13"][f"{mode_column} (count)"] == "2"
    rows = read_csv(out / "projected_savings_totals.csv")
    assert rows["q7_2014_15"]["Total projected savings"] == "11500000"
    for figure_id in figures:
        svg = (out / f"{figure_id}.svg").read_text()
        assert svg.startswith("<svg") and "style=" not in svg
    assert "4.9%" in (out / "savings_percent_of_budget.svg").read_text()


def test_the_figure_pages_for_a_researcher(asce_app, client, sign_in):
    sign_in("researcher")
    base = f"/research/{QID}/figures"
    index = client.get(f"{base}/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Table 1" in html and "Efficiency savings" in html and "Projected savings" in html
    page = client.get(f"{base}/figure/table_1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Table 1: Efficiency savings by type, 2012/13 and projected 2013/14" in html
    assert "n = 4" in html and "51%" in html and "<svg" in html
    page = client.get(f"{base}/figure/savings_percent_of_budget")
    assert page.status_code == 200 and "4.9%" in page.get_data(as_text=True)
    assert client.get(f"{base}/figure/projected_savings_totals.csv").status_code == 200
    assert client.get(f"{base}/figures.json").get_json()["responses"]["used"] == 4


# -- demonstration data ----------------------------------------------------------------------------


def test_demo_data_for_the_year_end_return(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(demo_data_command, [QID, "--respondents", "12", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "stored 12 submitted demonstration responses" in result.output
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        responses = db.session.scalars(select(Response)).all()
        assert len(responses) == 12
        for response in responses:
            answers = dict(
                db.session.execute(
                    select(Answer.key, Answer.value).where(Answer.response_id == response.id)
                ).all()
            )
            assert answers == effective_answers(q, answers)
            # the page checks hold: each split adds up to 100
            for prefix in ("q8", "q9"):
                parts = [answers[k] for k in answers if k.startswith(f"{prefix}_")]
                assert len(parts) == 4 and sum(parts) == 100
            # savings of 1.8-11.5% of a £40m-£300m budget, delivered against a 3-10% target
            assert 40_000_000 <= answers["q3"] <= 300_000_000
            assert 0.017 <= answers["q5"] / answers["q3"] <= 0.116
            assert 0.6 <= answers["q5"] / answers["q4"] <= 1.16
            assert 0.024 <= answers["q7_2013_14"] / answers["q3"] <= 0.091
    out = tmp_path / "demo"
    result = runner.invoke(report_command, [QID, "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    figures = {f["id"]: f for f in json.loads((out / "figures.json").read_text())["figures"]}
    assert figures["savings_percent_of_budget"]["n"] == 12
    assert table(figures["table_1"])["total"] == ["100%", "100%"]


def test_demo_allocation_without_declared_counts():
    # neither demo counts nor populations: as many of each type (12 over 4 types: 3 each)
    bare = dataclasses.replace(
        CONFIG,
        types=tuple(dataclasses.replace(t, demo_respondents=0) for t in CONFIG.types),
    )
    assert [n for _, n in allocate(bare, 12)] == [3, 3, 3, 3]
    # declared: 12 in proportion to 6, 9, 8, 13 (of 36): 2, 3, 2.67, 4.33 -> 2, 3, 3, 4
    assert [n for _, n in allocate(CONFIG, 12)] == [2, 3, 3, 4]

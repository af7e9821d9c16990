"""Generic engine features, each on a small fixture questionnaire (tests/fixtures/features.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from survey import create_app
from survey.extensions import db
from survey.questionnaire.loader import load, loads
from survey.questionnaire.model import GroupField
from survey.questionnaire.types.number import parse_number
from survey.questionnaire.versioning import answered_question_ids, orphaning_changes
from survey.responses.writing import create_respondent
from tests.conftest import Journey, database_url

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_fixture_loads_with_checks():
    q = load(FIXTURES / "features.yaml")
    target = q.page("target")
    assert target.checks[0].kind == "percent_of" and target.checks[0].level == "warning"
    assert q.question("share").maximum == 100 and q.question("staff").unit == "people"


@pytest.mark.parametrize(
    ("typed", "kind", "expected"),
    [("5", "percentage", 5), ("7.25", "percentage", 7.25), (" 12 % ", "percentage", 12),
     ("1,200", "number", 1200), ("0", "number", 0)],
)  # fmt: skip
def test_numbers_accepted(typed, kind, expected):
    spec = GroupField("x", kind, "X", minimum=0, maximum=100 if kind == "percentage" else None)
    assert parse_number(typed, spec) == expected


@pytest.mark.parametrize(
    ("typed", "kind", "message"),
    [("7.255", "percentage", "Enter a percentage as a number, like 5 or 7.25"),
     ("101", "percentage", "Enter a number of 100% or less"),
     ("-1", "percentage", "Enter a number of 0% or more"),
     ("1.5", "number", "Enter a whole number, like 12"),
     ("ten", "number", "Enter a whole number, like 12")],
)  # fmt: skip
def test_numbers_refused(typed, kind, message):
    spec = GroupField("x", kind, "X", minimum=0, maximum=100 if kind == "percentage" else None)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_number(typed, spec)


def test_a_check_on_a_key_that_is_not_numeric_is_refused():
    text = (
        (FIXTURES / "features.yaml")
        .read_text()
        .replace("keys: [split_a, split_b]", "keys: [split_a, any_other]")
    )
    from survey.questionnaire.loader import DefinitionError

    with pytest.raises(DefinitionError, match="'any_other' is not the answer key of a number"):
        loads(text, "features.yaml")


# -- versioning ---------------------------------------------------------------------------------


def test_removing_or_retyping_an_answered_question_is_refused_unless_retired():
    old = load(FIXTURES / "features.yaml")
    text = (FIXTURES / "features.yaml").read_text()
    removed = loads(text.replace(
        '      - {id: details, number: 8, type: textarea, text: "Details", show_if: {question: any_other, equals: "yes"}}\n', ""
    ))  # fmt: skip
    retyped = loads(
        text.replace(
            "{id: staff, number: 2, type: number,", "{id: staff, number: 2, type: text,"
        ).replace(", min: 0, max: 500, unit: people", "")
    )
    answered = answered_question_ids(old, ["details", "staff", "budget", "target_percent"])
    assert answered == {"details", "staff", "budget", "target"}
    assert orphaning_changes(old, removed, answered) == [
        "question 'details' was removed but responses hold answers to it; list it under 'retired:' to confirm"
    ]
    assert "changed type from number to text" in orphaning_changes(old, retyped, answered)[0]
    retired = loads(text.replace(
        '      - {id: details, number: 8, type: textarea, text: "Details", show_if: {question: any_other, equals: "yes"}}\n', ""
    ).replace("opens: 2020-01-01", "opens: 2020-01-01\nretired: [details]"))  # fmt: skip
    assert orphaning_changes(old, retired, answered) == []
    reworded = loads(text.replace('text: "Staff"', 'text: "Number of staff"'))
    assert orphaning_changes(old, reworded, answered) == []


# -- through the web ------------------------------------------------------------------------------


@pytest.fixture
def features_app(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(FIXTURES / "features.yaml", folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "QUESTIONNAIRE_DIR": str(folder),
            "SURVEY_SCHEDULE": {},
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        _, token = create_respondent("features", "Somewhere")
        db.session.commit()
    app.config["token"] = token
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def fj(features_app):
    return Journey(features_app.test_client(), features_app.config["token"])


def test_number_percentage_and_date_inputs(fj):
    fj.page("numbers")
    assert 'name="started-day"' in fj.html and 'inputmode="decimal"' in fj.html
    bad = fj.answer(
        "numbers",
        {
            "budget": "1000",
            "staff": "1.5",
            "share": "120",
            "started-day": "31",
            "started-month": "2",
            "started-year": "2013",
        },
    )
    assert bad.status_code == 400
    assert fj.errors() == [
        "Enter a whole number, like 12",
        "Enter a number of 100% or less",
        "The date must be a real date, like 27 3 2012",
    ]
    assert 'value="31"' in fj.html  # the typed date is kept
    good = fj.answer(
        "numbers",
        {
            "budget": "1000",
            "staff": "12",
            "share": "7.5",
            "started-day": "1",
            "started-month": "4",
            "started-year": "2013",
        },
    )
    assert good.status_code == 302
    fj.page("numbers")
    assert 'value="2013"' in fj.html and 'value="7.5"' in fj.html


def test_soft_warning_can_be_confirmed(fj):
    fj.answer("numbers", {"budget": "1000"})
    warned = fj.answer("target", {"target_percent": "10", "target_pounds": "50"})
    assert warned.status_code == 400
    assert fj.errors() == ["The target in pounds does not match the percentage of the budget"]
    assert 'name="confirm_target_matches"' in fj.html
    confirmed = fj.post(
        {"target_percent": "10", "target_pounds": "50", "confirm_target_matches": "y"}
    )
    assert confirmed.status_code == 302
    agreeing = fj.answer("target", {"target_percent": "10", "target_pounds": "100"})
    assert agreeing.status_code == 302


def test_sums_must_match(fj):
    bad = fj.answer("split", {"split_a": "60", "split_b": "30"})
    assert bad.status_code == 400
    assert fj.errors() == ["The percentages must add up to 100% (they add up to 90)"]
    assert fj.answer("split", {"split_a": "60", "split_b": "40"}).status_code == 302


def test_conditional_question(fj):
    fj.page("conditional")
    assert 'name="details"' not in fj.html
    assert (
        fj.client.get(f"/s/{fj.token}/page/conditional_details").status_code == 302
    )  # off the route
    fj.answer("conditional", {"any_other": "yes"})
    fj.page("conditional_details")
    assert 'name="details"' in fj.html

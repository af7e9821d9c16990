"""The small example questionnaires of questionnaires/examples/, each run whole: checked,
described, answered through the respondent pages (conditions, checks across answers, soft
warnings), printed and exported. The examples are not served by default (``survey load`` reads
``questionnaires/*.yaml``); here the app serves that folder."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from survey.cli import check_command, describe_command, load_command, print_command
from survey.exports import export_to
from survey.extensions import db
from survey.responses.writing import create_respondent
from survey.scoring.cli import demo_data_command
from tests.conftest import ROOT, Journey, serving

EXAMPLES = ROOT / "questionnaires" / "examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture
def examples_app(tmp_path):
    with serving(EXAMPLES, tmp_path) as app:
        yield app


def journey(app, questionnaire_id: str) -> Journey:
    with app.app_context():
        _, token = create_respondent(questionnaire_id, "Somewhere")
        db.session.commit()
    return Journey(app.test_client(), token)


def test_the_examples_folder_has_the_examples():
    assert {f.stem for f in FILES} >= {"conditions", "validation", "piping"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_example_checks_describes_loads_and_prints(examples_app, path, tmp_path):
    runner = examples_app.test_cli_runner()
    checked = runner.invoke(check_command, [str(path)])
    assert checked.exit_code == 0, checked.output
    described = runner.invoke(describe_command, [str(path), "--format", "json"])
    data = json.loads(described.output)
    assert data["pages"]
    explained = runner.invoke(describe_command, [str(path), "--format", "text"])
    assert explained.exit_code == 0 and "[" in explained.output
    loaded = runner.invoke(load_command)
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "blank.pdf"
    printed = runner.invoke(print_command, [data["id"], "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) >= 1
    # demonstration data for a questionnaire that declares no figures, exported
    demo = runner.invoke(demo_data_command, [data["id"], "--respondents", "4"])
    assert demo.exit_code == 0, demo.output
    assert len(_csv(examples_app, data["id"])) == 4


def test_check_explain_prints_the_route_in_words(examples_app):
    result = examples_app.test_cli_runner().invoke(
        check_command, ["--explain", str(EXAMPLES / "conditions.yaml")]
    )
    assert result.exit_code == 0
    assert "[large_budget] A large budget" in result.output
    assert "asked only if the answer to q3 is more than 1e+06" not in result.output
    assert "asked only if the answer to q3 is more than 1000000" in result.output
    assert "asked only if the number of options chosen at q2 is at least 2" in result.output


def test_a_misspelt_key_is_answered_with_the_closest_and_the_allowed_keys(tmp_path):
    from survey.questionnaire.loader import loads
    from survey.questionnaire.reading import DefinitionError

    text = (EXAMPLES / "validation.yaml").read_text().replace("mandatory: true", "mandatroy: true")
    with pytest.raises(DefinitionError) as caught:
        loads(text, "validation.yaml")
    (problem,) = caught.value.problems
    assert "pages[0](budgets).questions[0](q1).mandatroy: unknown key 'mandatroy'" in str(problem)
    assert "(did you mean 'mandatory'?); allowed here: " in str(problem)
    assert "hint, id, " in str(problem)


def _csv(app, questionnaire_id: str) -> list[dict[str, str]]:
    buffer = io.BytesIO()
    with app.app_context():
        export_to(questionnaire_id, "csv-wide", buffer)
    return list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))


def test_conditions_route_a_respondent_and_the_export_keeps_only_what_was_asked(examples_app):
    j = journey(examples_app, "example_conditions")
    first = {
        "q1": "district",
        "q2": ["housing", "waste"],
        "q3": "2,500,000",
        "q4-day": "1",
        "q4-month": "4",
        "q4-year": "2013",
    }
    response = j.answer("authority", first)
    # a budget over a million: the large budget page comes next
    assert response.status_code == 302 and response.location.endswith("/page/large_budget")
    assert j.answer("large_budget", {"q5": "A board"}).location.endswith("/page/several_services")
    j.page("several_services")
    assert 'name="q7"' in j.html  # district and housing
    assert j.post({"q6": "yes", "q7": "The housing team"}).location.endswith("/page/not_county")
    # the start in 2013 skips the early-start page; a county skips "other authorities"
    j.answer("authority", {**first, "q1": "county", "q2": ["waste"], "q3": "900"})
    assert j.page("large_budget").status_code == 302
    assert j.page("several_services").status_code == 302
    assert j.page("not_county").status_code == 302
    j.answer(
        "authority", {**first, "q1": "county", "q2": ["waste"], "q3": "900", "q4-year": "2012"}
    )
    assert j.page("early_start").status_code == 200
    j.post({"q8": "Savings"})
    j.open(f"/s/{j.token}/check")
    j.post({}, action="submit", path=f"/s/{j.token}/check")
    (row,) = _csv(examples_app, "example_conditions")
    assert row["q1"] == "county" and row["q8"] == "Savings"
    assert row["q5"] == "" and row["q7"] == ""  # answered, then off the route


def test_checks_across_answers_refuse_and_warn(examples_app):
    j = journey(examples_app, "example_validation")
    # a soft warning: more than last year, confirmed
    warned = j.answer("budgets", {"q1": "1,000", "q2": "900"})
    assert warned.status_code == 400
    assert j.errors() == ["This is more than last year's budget: confirm or change it"]
    assert 'name="confirm_budget_up"' in j.html
    assert j.post({"q1": "1,000", "q2": "900", "confirm_budget_up": "y"}).status_code == 302
    # parts that must add up to an earlier total
    bad = j.answer("spending", {"q3_staff": "600", "q3_premises": "300", "q3_other": "50"})
    assert bad.status_code == 400
    assert j.errors() == ["The parts of the budget must add up to the budget at question 1"]
    assert 'value="600"' in j.html  # nothing typed is lost
    good = j.post({"q3_staff": "600", "q3_premises": "300", "q3_other": "100"})
    assert good.status_code == 302
    # a maximum taken from another answer
    assert j.answer("staff", {"q4": "10", "q5": "11"}).status_code == 400
    assert j.errors() == ["The staff working on savings cannot be more than all staff (question 4)"]
    assert j.post({"q4": "10", "q5": "10"}).status_code == 302


def _date(key: str, day: int, month: int, year: int) -> dict[str, str]:
    return {f"{key}-day": str(day), f"{key}-month": str(month), f"{key}-year": str(year)}


def test_date_ranges_and_a_check_that_applies_only_when_another_answer_holds(examples_app):
    j = journey(examples_app, "example_validation")
    backwards = {**_date("q6", 1, 6, 2012), **_date("q7", 1, 5, 2012), "q8": "long"}
    assert j.answer("period", backwards).status_code == 400
    assert j.errors() == ["The end date must be after the start date"]
    outside = {**_date("q6", 1, 6, 2013), **_date("q7", 1, 5, 2014), "q8": "long"}
    assert j.answer("period", outside).status_code == 400
    assert j.errors() == ["The start date must be within 2012/13 (1 April 2012 to 31 March 2013)"]
    short = {**_date("q6", 1, 6, 2012), **_date("q7", 1, 5, 2014), "q8": "short"}
    assert j.answer("period", short).status_code == 400
    assert "A short programme usually ends by December 2013" in j.errors()[0]
    assert j.answer("period", {**short, "q8": "long"}).status_code == 302
    # blanks are never refused by a check: it runs once the answers it compares are given
    assert j.answer("period", {"q8": "short"}).status_code == 302


def test_the_examples_are_not_served_by_default():
    default = Path(ROOT / "questionnaires")
    assert not list(default.glob("example*.yaml"))


def _pdf_text(pdf: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)


def test_piped_answers_and_names_are_shown_escaped_with_their_fallbacks(examples_app):
    with examples_app.app_context():
        _, token = create_respondent("example_piping", "Barnet <b>&</b> Co")
        db.session.commit()
    j = Journey(examples_app.test_client(), token)
    j.page("welcome")
    assert "Welcome, Barnet &lt;b&gt;&amp;&lt;/b&gt; Co" in j.html  # escaped, in the title too
    assert "<strong>Barnet &lt;b&gt;&amp;&lt;/b&gt; Co</strong>" in j.html
    assert (
        "It closes on Friday 12 July 2013" in j.html
    )  # the schedule lifts the limit: the definition's
    j.page("budget")
    assert "What was the budget of Barnet &lt;b&gt;" in j.html
    j.post({"q1": "78,500", "q2": "**Waste** <i>", "q3_planned": "100"})
    j.page("savings")
    assert "Savings from **Waste** &lt;i&gt;" in j.html  # never markup, not even rich text's **
    assert "You told us the budget was £78,500 and that you delivered some savings." in j.html
    assert "How were savings of (your answer to question 3) made in **Waste** &lt;i&gt;?" in j.html
    assert "Write {n/a} if none were made." in j.html
    j.answer("budget", {"q1": "78,500", "q2": "Waste", "q3_delivered": "5,000"})
    j.page("savings")
    assert "How were savings of £5,000 made in Waste?" in j.html
    j.open(f"/s/{token}/check")
    assert "How were savings of £5,000 made in Waste?" in j.html


def test_the_printed_closing_date_follows_the_schedule(examples_app):
    from survey.printing.pdf import guidance_pdf

    registry = examples_app.extensions["survey_registry"]
    with examples_app.app_context():
        questionnaire = registry.get("example_piping")
        assert "Friday 12 July 2013" in _pdf_text(guidance_pdf(questionnaire))
        examples_app.config["SURVEY_SCHEDULE"] = {"example_piping": {"closes": "2013-07-26"}}
        text = _pdf_text(guidance_pdf(questionnaire))
    assert "Friday 26 July 2013" in text and "12 July" not in text


def test_appendix_a_prints_the_closing_date_of_the_schedule(app):
    from survey.printing.pdf import guidance_pdf

    questionnaire = app.extensions["survey_registry"].get("good_practice_savings")
    with app.app_context():
        assert "Wednesday 19 June 2013" in _pdf_text(guidance_pdf(questionnaire))
        app.config["SURVEY_SCHEDULE"] = {"good_practice_savings": {"closes": "2013-07-12"}}
        text = _pdf_text(guidance_pdf(questionnaire))
    assert "Friday 12 July 2013" in text and "19 June" not in text


def test_the_engine_texts_are_worded_per_questionnaire(examples_app):
    j = journey(examples_app, "example_piping")
    j.page("budget")
    assert "Leave it blank if it does not apply" in j.html
    assert "At most 300 characters, please" in j.html
    assert "If this is not applicable, enter n/a" not in j.html
    v = journey(examples_app, "example_validation")
    v.answer("budgets", {"q1": "1,000", "q2": "900"})
    assert "Please check your answers" in v.html and "These figures are right" in v.html
    assert "There is a problem" not in v.html
    c = journey(examples_app, "example_conditions")  # no texts: today's wording
    c.answer("authority", {"q2": ["housing"]})
    assert "There is a problem" in c.html


def test_an_unknown_engine_text_is_refused_with_the_names():
    from survey.questionnaire.loader import loads
    from survey.questionnaire.reading import DefinitionError

    text = (EXAMPLES / "validation.yaml").read_text()
    text = text.replace("  confirm_figures:", "  confirm_figure:").replace(
        '"Please check your answers"', '"Check {field}"'
    )
    with pytest.raises(DefinitionError) as caught:
        loads(text, "validation.yaml")
    found = [str(p) for p in caught.value.problems]
    assert any(
        "unknown engine text 'confirm_figure' (did you mean 'confirm_figures'?)" in p for p in found
    )
    assert any("'{field}' is not filled in here (this text has: none)" in p for p in found), found


def test_a_calculated_summary_shows_the_totals_to_confirm_or_change(examples_app):
    j = journey(examples_app, "example_validation")
    j.answer("budgets", {"q1": "1,000", "q2": "1,000"})
    spent = j.answer("spending", {"q3_staff": "600", "q3_premises": "300", "q3_other": "100"})
    assert spent.location.endswith("/page/totals")
    j.page("totals")
    assert "Are these totals correct?" in j.html
    assert "Spending for 2012/13" in j.html and "£1,000" in j.html and "£900" in j.html
    assert f'href="/s/{j.token}/page/spending#q3_staff"' in j.html  # the way back to fix them
    assert "Yes, these totals are correct" in j.html
    assert j.post({}).location.endswith("/page/staff")
    # changed, the totals follow the answers
    j.answer("spending", {"q3_staff": "500", "q3_premises": "300", "q3_other": "200"})
    j.page("totals")
    assert "£800" in j.html and "£900" not in j.html and "£1,000" in j.html


def test_a_summary_of_something_not_numeric_is_refused():
    from survey.questionnaire.loader import loads
    from survey.questionnaire.reading import DefinitionError

    text = (
        (EXAMPLES / "validation.yaml")
        .read_text()
        .replace('{label: "Budget for 2012/13", question: q1}', '{label: "Budget", question: q8}')
    )
    with pytest.raises(DefinitionError, match="'q8' is not the answer key of a number"):
        loads(text, "validation.yaml")


def test_date_arithmetic_refuses_and_warns_on_shifted_dates(examples_app):
    j = journey(examples_app, "example_validation")
    period = {**_date("q6", 31, 1, 2013), **_date("q7", 1, 5, 2014), "q8": "long"}
    assert j.answer("period", period).status_code == 302
    # 31 January 2013 + 1 month is 28 February 2013 (calendar-correct, no 31 February)
    assert j.answer("review", _date("q9", 27, 2, 2013)).status_code == 400
    assert j.errors() == ["The first review must be at least a month after the programme starts"]
    assert j.answer("review", _date("q9", 28, 2, 2013)).status_code == 302
    # 31 March 2013 + 6 months is 30 September 2013: later is a soft warning, confirmed
    assert j.answer("review", _date("q9", 1, 10, 2013)).status_code == 400
    assert "usually by the end of September 2013" in j.errors()[0]
    assert 'name="confirm_review_by_autumn"' in j.html
    confirmed = {**_date("q9", 1, 10, 2013), "confirm_review_by_autumn": "y"}
    assert j.post(confirmed).status_code == 302
    assert j.answer("review", _date("q9", 30, 9, 2013)).status_code == 302
    explained = examples_app.test_cli_runner().invoke(
        check_command, ["--explain", str(EXAMPLES / "validation.yaml")]
    )
    assert "the answer to q9 is at least 1 month after the answer to q6" in explained.output
    assert "the answer to q9 is at most 6 months after “2013-03-31”" in explained.output

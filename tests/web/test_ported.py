"""Questionnaires ported from other survey systems' own test schemas (tests/fixtures/ported/,
each naming its source), run whole: checked, described, loaded, printed blank, answered through
the respondent pages with answers that take every branch, submitted and exported."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader

from survey.cli import check_command, describe_command, load_command, print_command
from survey.exports import export_to
from survey.extensions import db
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, serving

PORTED = ROOT / "tests" / "fixtures" / "ported"
FILES = sorted(PORTED.glob("*.yaml"))


@pytest.fixture
def ported_app(tmp_path):
    with serving(PORTED, tmp_path) as app:
        yield app


def test_each_ported_questionnaire_names_its_source():
    assert len(FILES) >= 8
    for path in FILES:
        assert path.read_text().startswith("# Ported from "), path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_ported_questionnaire_checks_describes_loads_and_prints(ported_app, path, tmp_path):
    runner = ported_app.test_cli_runner()
    checked = runner.invoke(check_command, [str(path)])
    assert checked.exit_code == 0, checked.output
    data = json.loads(runner.invoke(describe_command, [str(path), "--format", "json"]).output)
    assert data["pages"]
    explained = runner.invoke(describe_command, [str(path), "--format", "text"])
    assert explained.exit_code == 0 and "[" in explained.output
    loaded = runner.invoke(load_command)
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "blank.pdf"
    printed = runner.invoke(print_command, [data["id"], "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) >= 1


class Walk:
    """A respondent going through the pages as the route sends them, each page posted once or
    refused and posted again, then the check page submitted."""

    def __init__(self, app, questionnaire_id: str, first: str):
        with app.app_context():
            _, token = create_respondent(questionnaire_id, "Somewhere")
            db.session.commit()
        self.app = app
        self.questionnaire_id = questionnaire_id
        self.j = Journey(app.test_client(), token)
        self.location = f"/s/{token}/page/{first}"

    def at(self, key: str) -> str:
        assert f"/page/{key}" in self.location, (key, self.location)
        self.j.open(self.location)
        return self.j.html

    def post(self, key: str, data: dict | None = None, action: str = "next") -> None:
        self.at(key)
        response = self.j.post(data, action=action)
        assert response.status_code == 302, (key, self.j.errors())
        self.location = response.location

    def refused(self, key: str, data: dict, *messages: str) -> None:
        self.at(key)
        response = self.j.post(data)
        assert response.status_code == 400, key
        errors = self.j.errors()
        for message in messages:
            assert any(message in e for e in errors), (message, errors)

    def submit(self) -> str:
        assert self.location.endswith("/check"), self.location
        check = self.j.open(self.location).get_data(as_text=True)
        response = self.j.post({}, action="submit", path=self.location)
        assert response.status_code == 302 and response.location.endswith("/confirmation")
        return check


def _rows(app, questionnaire_id: str) -> list[dict[str, str]]:
    buffer = io.BytesIO()
    with app.app_context():
        export_to(questionnaire_id, "csv-wide", buffer)
    return list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))


def _date(key: str, day: int, month: int, year: int) -> dict[str, str]:
    return {f"{key}-day": str(day), f"{key}-month": str(month), f"{key}-year": str(year)}


def test_checkbox_detail_answer_numeric(ported_app):
    w = Walk(ported_app, "ported_checkbox_detail_numeric", "checkbox_numeric_detail")
    w.refused("checkbox_numeric_detail", {"toppings": ["none", "one"]}, "select 'None' on its own")
    w.refused("checkbox_numeric_detail", {"toppings": ["other"], "toppings_other_answer": "21"})
    w.post("checkbox_numeric_detail", {"toppings": ["other"], "toppings_other_answer": "12"})
    assert "Why 12 toppings?" in w.at("many_toppings")  # a condition on the revealed follow-up
    w.post("many_toppings", {"why": "Hungry"})
    w.submit()
    # the follow-up of an option not ticked is neither kept nor counted: the later page is skipped
    other = Walk(ported_app, "ported_checkbox_detail_numeric", "checkbox_numeric_detail")
    other.post("checkbox_numeric_detail", {"toppings": ["one"], "toppings_other_answer": "15"})
    other.submit()
    first, second = _rows(ported_app, "ported_checkbox_detail_numeric")
    assert (first["toppings_other_answer"], first["why"]) == ("12", "Hungry")
    assert (second["toppings_other_answer"], second["why"]) == ("", "")


def test_date_validation_range(ported_app):
    w = Walk(ported_app, "ported_date_range", "date_range_block")
    backwards = {**_date("date_range_from", 1, 6, 2017), **_date("date_range_to", 1, 5, 2017)}
    w.refused("date_range_block", backwards, "later than the 'period from' date")
    w.refused("date_range_block", _date("date_range_from", 31, 2, 2017))
    short = {**_date("date_range_from", 1, 5, 2017), **_date("date_range_to", 23, 5, 2017)}
    w.refused("date_range_block", short, "greater than or equal to 23 days")
    # 31 January + 1 month is 28 February, + 20 days is 20 March: 21 March is too late
    long = {**_date("date_range_from", 31, 1, 2017), **_date("date_range_to", 21, 3, 2017)}
    w.refused("date_range_block", long, "less than or equal to 1 month, 20 days")
    w.post(
        "date_range_block",
        {**_date("date_range_from", 31, 1, 2017), **_date("date_range_to", 20, 3, 2017)},
    )
    assert "20 March 2017" in w.submit()
    (row,) = _rows(ported_app, "ported_date_range")
    assert (row["date_range_from"], row["date_range_to"]) == ("2017-01-31", "2017-03-20")
    shortest = Walk(ported_app, "ported_date_range", "date_range_block")
    shortest.post(
        "date_range_block",
        {**_date("date_range_from", 1, 5, 2017), **_date("date_range_to", 24, 5, 2017)},
    )
    assert "24 May 2017" in shortest.submit()


def test_date_range_limits_are_explained(ported_app):
    path = PORTED / "ons_date_validation_range.yaml"
    runner = ported_app.test_cli_runner()
    data = runner.invoke(describe_command, [str(path), "--format", "json"]).output
    (page,) = json.loads(data)["pages"]
    limit = {"question": "date_range_from", "plus": {"months": 1, "days": 20}}
    assert page["checks"][2]["condition"] == {"question": "date_range_to", "at_most": limit}
    explained = runner.invoke(describe_command, [str(path), "--format", "text"])
    assert "is at least 23 days after the answer to" in explained.output
    assert "is at most 1 month and 20 days after the answer to" in explained.output


def _months(key: str, month: int, year: int) -> dict[str, str]:
    return {f"{key}-month": str(month), f"{key}-year": str(year)}


def test_date_validation_month_year_range(ported_app):
    w = Walk(ported_app, "ported_month_year_range", "date_range_block")
    early = {**_months("date_range_from", 1, 2016), **_months("date_range_to", 5, 2016)}
    w.refused("date_range_block", early, "The date must be the same as or after")
    backwards = {**_months("date_range_from", 6, 2016), **_months("date_range_to", 4, 2016)}
    w.refused("date_range_block", backwards, "later than the 'period from' month")
    short = {**_months("date_range_from", 4, 2016), **_months("date_range_to", 5, 2016)}
    w.refused("date_range_block", short, "greater than or equal to 2 months")
    long = {**_months("date_range_from", 4, 2016), **_months("date_range_to", 8, 2016)}
    w.refused("date_range_block", long, "less than or equal to 3 months")
    w.post(
        "date_range_block",
        {**_months("date_range_from", 4, 2016), **_months("date_range_to", 6, 2016)},
    )
    assert "June 2016" in w.submit()
    (row,) = _rows(ported_app, "ported_month_year_range")
    assert (row["date_range_from"], row["date_range_to"]) == ("2016-04", "2016-06")


def _amounts(w: Walk) -> None:
    w.post("first_number_block", {"first_number_answer": "1.50"})
    w.post(
        "second_number_block",
        {"second_number_answer": "2.25", "second_number_answer_unit_total": "7",
         "second_number_answer_also_in_total": "0.25"},
    )  # fmt: skip
    w.post("third_number_block", {"third_number_answer": "10"})


def test_calculated_summary(ported_app):
    w = Walk(ported_app, "ported_calculated_summary", "first_number_block")
    _amounts(w)
    w.post("skip_fourth_block", {"skip_fourth_block_answer": "no"})
    w.post(
        "fourth_number_block",
        {"fourth_number_answer": "5", "fourth_and_a_half_number_answer_also_in_total": "1.10"},
    )
    w.refused(
        "fifth_number_block", {"fifth_percent_answer": "50", "fifth_number_answer": "1.234"},
        "no more than 2 decimal places",
    )  # fmt: skip
    w.post("fifth_number_block", {"fifth_percent_answer": "50", "fifth_number_answer": "1.23"})
    summary = w.at("currency_total_with_fourth")
    assert "Are these totals correct?" in summary and "£20.10" in summary
    w.post("currency_total_with_fourth")
    assert "Set a minimum of £1.50 or more" in w.at("set_minimum")
    w.refused("set_minimum", {"minimum_answer": "3"}, "less than the first two currency answers")
    w.post("set_minimum", {"minimum_answer": "3", "confirm_above_first": "y"})
    w.submit()
    # skipping the fourth block: the other summary, without its answers
    skipped = Walk(ported_app, "ported_calculated_summary", "first_number_block")
    _amounts(skipped)
    skipped.post("skip_fourth_block", {"skip_fourth_block_answer": "yes"})
    skipped.post("fifth_number_block", {"fifth_percent_answer": "7.5"})
    assert "£14" in skipped.at("currency_total_skipped_fourth")
    skipped.post("currency_total_skipped_fourth")
    skipped.post("set_minimum", {"minimum_answer": "4"})
    skipped.submit()
    first, second = _rows(ported_app, "ported_calculated_summary")
    assert (first["fourth_number_answer"], first["fifth_number_answer"]) == ("5", "1.23")
    assert (second["fourth_number_answer"], second["fifth_percent_answer"]) == ("", "7.5")


@pytest.mark.parametrize(
    ("drink", "page", "key"),
    [
        ("yes", "response_any", "coffee_cups"),
        ("sometimes", "response_any", "coffee_cups"),
        ("prefer_tea", "response_not_any", "tea_cups"),
        ("dislike_coffee", None, None),
        ("no_hot_drinks", None, None),
    ],
)
def test_conditional_combined_routing(ported_app, drink, page, key):
    w = Walk(ported_app, "ported_combined_routing", "conditional_routing_block")
    w.refused("conditional_routing_block", {}, "")
    w.post("conditional_routing_block", {"drinks": drink})
    if page:
        w.refused(page, {key: ""})  # mandatory
        w.post(page, {key: "3"})
    w.submit()
    (row,) = _rows(ported_app, "ported_combined_routing")
    assert row["drinks"] == drink
    assert (row["coffee_cups"], row["tea_cups"]) == (
        "3" if key == "coffee_cups" else "",
        "3" if key == "tea_cups" else "",
    )


def test_dropdown_mandatory(ported_app):
    w = Walk(ported_app, "ported_dropdown", "dropdown_mandatory")
    html = w.at("dropdown_mandatory")
    assert "<select" in html and "accessible-autocomplete" in html
    w.refused("dropdown_mandatory", {}, "Select an answer")
    w.refused("dropdown_mandatory", {"team": "arsenal"})
    w.post("dropdown_mandatory", {"team": "rugby"})
    assert "So you chose Rugby is better!: which club?" in w.at("rugby_fan")
    w.post("rugby_fan", {"rugby_club": "Bath"})
    w.submit()
    other = Walk(ported_app, "ported_dropdown", "dropdown_mandatory")
    other.post("dropdown_mandatory", {"team": "chelsea"})
    other.submit()
    first, second = _rows(ported_app, "ported_dropdown")
    assert (first["team"], first["rugby_club"]) == ("rugby", "Bath")
    assert (second["team"], second["rugby_club"]) == ("chelsea", "")


def test_list_collector(ported_app):
    w = Walk(ported_app, "ported_list_collector", "intro")
    w.post("intro")
    assert "Household members" in w.at("people_list")
    # at least one person ('min'): Continue with none is refused on the summary page
    w.at("people_list")
    refused = w.j.post(action="next")
    assert refused.status_code == 400
    assert w.j.errors() == ["Add at least 1 to the list 'Household members': you have added 0"]
    assert 'href="#list-add"' in w.j.html and 'id="list-add"' in w.j.html
    for first, last in (("Marie", "Curie"), ("Pierre", "Curie"), ("Irène", "Joliot")):
        w.post("people_list", action="add")
        w.refused("add_person", {f"first_name_person{_n(w)}": first}, "")
        n = _n(w)
        w.post("add_person", {f"first_name_person{n}": first, f"last_name_person{n}": last})
    listed = w.at("people_list")
    assert "Marie" in listed and "Pierre" in listed and "Irène" in listed
    # remove the second: later ones move up
    w.j.open(f"/s/{w.j.token}/remove/people/2")
    response = w.j.post({"confirm": "yes"})
    assert response.status_code == 302
    w.location = response.location
    w.post("people_list", action="next")
    w.post("next_interstitial", {"anything_else": "No"})
    w.submit()
    (row,) = _rows(ported_app, "ported_list_collector")
    assert (row["first_name_person1"], row["first_name_person2"]) == ("Marie", "Irène")
    assert row["last_name_person2"] == "Joliot" and row["first_name_person3"] == ""


def _n(w: Walk) -> int:
    """The item number of the item page the walk is at (``?item=N`` or ``add_person-N``)."""
    import re

    match = re.search(r"add_person-(\d+)", w.location) or re.search(r"item=(\d+)", w.location)
    assert match, w.location
    return int(match.group(1))


def test_confirmation_question(ported_app):
    w = Walk(ported_app, "ported_confirmation_question", "number_of_employees_total_block")
    assert "How many employees work at Somewhere?" in w.at("number_of_employees_total_block")
    w.refused(
        "number_of_employees_total_block", {"number_of_employees_total": "0"}, "for Somewhere is 0"
    )
    w.post(
        "number_of_employees_total_block",
        {"number_of_employees_total": "0", "confirm_confirm_zero_employees": "y"},
    )
    w.submit()  # no employees: the split is not asked
    many = Walk(ported_app, "ported_confirmation_question", "number_of_employees_total_block")
    many.post("number_of_employees_total_block", {"number_of_employees_total": "10"})
    assert "Of the 10 total employees employed" in many.at("number_of_employees_split_block")
    too_many = {"employees_male_more_30_hours": "11", "employees_female_more_30_hours": "3"}
    many.refused("number_of_employees_split_block", too_many, "male employees cannot be more")
    many.post("number_of_employees_split_block", {**too_many, "employees_male_more_30_hours": "6"})
    many.submit()
    first, second = _rows(ported_app, "ported_confirmation_question")
    assert (first["number_of_employees_total"], first["employees_male_more_30_hours"]) == ("0", "")
    assert (second["employees_male_more_30_hours"], second["employees_female_more_30_hours"]) == (
        "6",
        "3",
    )


def test_checkbox_detail_answer_dropdown(ported_app):
    w = Walk(ported_app, "ported_checkbox_detail_dropdown", "toppings_block")
    html = w.at("toppings_block")
    assert 'data-module="app-autocomplete"' in html and "Fruit detail answer is optional" in html
    w.refused("toppings_block", {"toppings": ["jam"]}, "Please select the type of Jam")
    w.refused("toppings_block", {"toppings": ["jam"], "toppings_jam_type": "mango"})  # not its own
    w.post("toppings_block", {"toppings": ["fruit", "jam"], "toppings_jam_type": "strawberry"})
    page = w.at("strawberry_jam")
    assert "Which brand of Strawberry jam?" in page
    w.post("strawberry_jam", {"jam_brand": "Bonne Maman"})
    w.submit()
    other = Walk(ported_app, "ported_checkbox_detail_dropdown", "toppings_block")
    other.post("toppings_block", {"toppings": ["fruit"], "toppings_fruit_type": "peach"})
    other.submit()  # no jam: its page is not asked
    first, second = _rows(ported_app, "ported_checkbox_detail_dropdown")
    assert (first["toppings_jam_type"], first["jam_brand"]) == ("strawberry", "Bonne Maman")
    assert (second["toppings_fruit_type"], second["toppings_jam_type"]) == ("peach", "")

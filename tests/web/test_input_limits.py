"""Huge inputs get a clear message that keeps what was typed, never a 500: money cells of
thousands of digits, whole numbers past Python's int-string limit, invitation lists with fields
longer than csv (or the respondent table) can hold."""

from __future__ import annotations

import pytest

from survey.cli import invite_command
from survey.extensions import db
from survey.models import Respondent
from survey.questionnaire.loader import load
from survey.questionnaire.model import GroupField
from survey.questionnaire.money import TOO_LARGE_HELP, MoneyError, parse_money
from survey.questionnaire.types.number import NUMBER_DIGITS, parse_number
from survey.responses.invitations import parse_invitations
from tests.conftest import APPENDIX_A
from tests.web.test_researcher import upload
from tests.web.test_respondent import stored

QUESTIONNAIRE = load(APPENDIX_A)
HEADER = "name,type,contact_name,email\n"


@pytest.mark.parametrize("digits", [13, 4301, 100_000])
def test_a_money_cell_of_thousands_of_digits_is_refused_and_kept(app, journey, digits):
    typed = "9" * digits
    response = journey.answer("example_savings-1", {"q8_ex1_2010_11_base": typed})
    assert response.status_code == 400
    assert journey.errors() == [f"Base budget (£), 2010/11: {TOO_LARGE_HELP}"]
    assert f'value="{typed}"' in journey.html
    assert stored(app)["drafts"] == {"q8_ex1_2010_11_base": typed}


def test_leading_zeros_do_not_make_an_amount_too_large():
    assert parse_money("0" * 5000 + "78500") == 78500
    with pytest.raises(MoneyError, match="smaller than"):
        parse_money("-" + "1" * 5000)


@pytest.mark.parametrize("kind", ["number", "percentage"])
def test_whole_numbers_past_the_int_string_limit_are_refused_in_words(kind):
    spec = GroupField(id="n", type=kind, text="Number")
    with pytest.raises(ValueError, match=f"no more than {NUMBER_DIGITS} digits"):
        parse_number("9" * 5000, spec)
    with pytest.raises(ValueError, match=f"no more than {NUMBER_DIGITS} digits"):
        parse_number("9" * 400 + ".5", spec)  # as a float: infinity, which JSON cannot store
    assert parse_number("9" * NUMBER_DIGITS, spec) == int("9" * NUMBER_DIGITS)


def test_an_invitation_field_longer_than_csv_reads_names_its_row():
    data = HEADER + "Barnet,London Borough,,\n" + "Leeds," + "x" * 200_000 + ",,\n"
    invitees, errors = parse_invitations(data, QUESTIONNAIRE, set())
    assert invitees == [] and len(errors) == 1
    assert errors[0].line == 3 and "cannot be read" in errors[0].message


@pytest.mark.parametrize(
    ("column", "limit"), [("name", 300), ("contact_name", 300), ("email", 254), ("type", 100)]
)
def test_invitation_fields_longer_than_the_table_holds_are_refused(column, limit):
    row = {"name": "Barnet", "type": "london_borough", "contact_name": "Ann", "email": "a@b.uk"}
    row[column] = "x" * (limit - 5) + "@b.uk" if column == "email" else "x" * limit
    invitees, errors = parse_invitations(HEADER + ",".join(row.values()), QUESTIONNAIRE, set())
    if column != "type":  # a type of exactly 100 characters is merely not a known type
        assert errors == [] and len(invitees) == 1
    row[column] = "y" + row[column]
    invitees, errors = parse_invitations(HEADER + ",".join(row.values()), QUESTIONNAIRE, set())
    words = column.replace("_", " ")
    assert invitees == [] and [e.line for e in errors] == [2]
    assert f"the {words} is longer than {limit} characters" in errors[0].message.lower()


def test_an_uploaded_list_with_a_huge_field_is_a_400_naming_the_row(app, client, sign_in):
    sign_in("researcher")
    response = upload(client, HEADER + "Barnet,London Borough," + "A" * 200_000 + ",\n")
    assert response.status_code == 400
    assert "cannot be read" in response.get_data(as_text=True)
    response = upload(client, HEADER + "Barnet,London Borough," + "A" * 301 + ",\n")
    assert response.status_code == 400
    assert "contact name is longer than 300 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Respondent).count() == 0


def test_survey_invite_refuses_fields_too_long_before_creating_anyone(app, tmp_path):
    source = tmp_path / "authorities.csv"
    source.write_text(HEADER + "Barnet,london_borough,,\nLeeds,metropolitan," + "A" * 200_000)
    runner = app.test_cli_runner()
    result = runner.invoke(
        invite_command, ["--questionnaire", "good_practice_savings", "--csv", str(source)]
    )
    assert result.exit_code == 2 and "line 3" in result.output, result.output
    result = runner.invoke(
        invite_command,
        ["--questionnaire", "good_practice_savings", "--name", "Barnet", "--email", "e" * 300],
    )
    assert result.exit_code == 2 and "email is longer than 254" in result.output
    with app.app_context():
        assert db.session.query(Respondent).count() == 0


def test_adding_one_authority_with_a_contact_too_long_keeps_what_was_typed(app, client, sign_in):
    """On PostgreSQL a 301-character contact name was a 500 (varchar(300))."""
    from tests.web.test_researcher import csrf

    sign_in("researcher")
    url = "/research/good_practice_savings/invitations"
    contact = "Jo " + "B" * 298
    response = client.post(
        f"{url}/add",
        data={"csrf_token": csrf(client, url), "name": "Barnet", "type": "london_borough",
              "contact_name": contact, "email": "jo@barnet.gov.uk"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "contact name is longer than 300 characters" in html
    assert contact in html  # kept in the form
    with app.app_context():
        assert db.session.query(Respondent).count() == 0

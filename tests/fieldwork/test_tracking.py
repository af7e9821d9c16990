"""What the tracking page says: opened is not in progress, and one rule for the type of an
authority, flagged where its answer differs from the type it was invited as."""

from __future__ import annotations

import dataclasses
import re

from survey.responses.invitations import authority_type_rule, type_differs, type_preference
from survey.web.researcher.views import response_rates

Q = "good_practice_savings"


def _row_status(html: str, name: str) -> str:
    row = re.search(rf">{name}</a></td>.*?</tr>", html, re.S)
    assert row, name
    return re.search(r'govuk-tag--[a-z-]+">([^<]+)<', row.group(0)).group(1)


def test_following_a_link_is_opened_not_in_progress(client, sign_in, journey):
    # a mail scanner follows the link and the page it leads to, saving nothing
    assert client.get(f"/s/{journey.token}").status_code == 302
    assert journey.page("authority_information").status_code == 200
    sign_in("researcher")
    tracking = client.get(f"/research/{Q}/").get_data(as_text=True)
    assert _row_status(tracking, "Barnet") == "Opened, nothing saved"
    # the response-rate table counts it apart
    assert re.search(
        r"Total</th>(?:\s*<td[^>]*>[^<]*</td>){4}\s*<td[^>]*>0</td>\s*<td[^>]*>1</td>", tracking
    )
    home = client.get("/research/").get_data(as_text=True)
    row = re.search(r"Good practice in delivering.*?</tr>", home, re.S).group(0)
    assert re.findall(r'numeric">(\d+)</td>', row) == ["1", "1", "0", "0"]


def test_an_answer_saved_makes_it_in_progress(client, sign_in, journey):
    assert (
        journey.answer("authority_information", {"q2": "london_borough"}, action="save").status_code
        == 302
    )
    sign_in("researcher")
    tracking = client.get(f"/research/{Q}/").get_data(as_text=True)
    assert _row_status(tracking, "Barnet") == "In progress"


def test_a_link_never_followed_is_not_started(client, sign_in, make_link):
    make_link("Camden")
    sign_in("researcher")
    assert (
        _row_status(client.get(f"/research/{Q}/").get_data(as_text=True), "Camden") == "Not started"
    )


def test_the_answer_decides_the_type_and_a_difference_is_flagged(app, client, sign_in, journey):
    # invited as a London borough, it answers that it is a district council
    journey.answer("authority_information", {"q2": "district", "q3": "chief_finance_officer"})
    sign_in("researcher")
    tracking = client.get(f"/research/{Q}/").get_data(as_text=True)
    row = re.search(r">Barnet</a></td>\s*<td[^>]*>(.*?)</td>", tracking, re.S).group(1)
    assert row.startswith("District Council") and "Type differs: London Borough" in row
    # filtered by type, and counted in the response rates, by the same rule
    assert "Barnet" in client.get(f"/research/{Q}/?type=district").get_data(as_text=True)
    assert "Barnet" not in client.get(f"/research/{Q}/?type=london_borough").get_data(as_text=True)


def test_the_rule_is_the_definitions_and_defaults_to_the_answer(app):
    questionnaire = app.extensions["survey_registry"].get(Q)
    assert authority_type_rule(questionnaire) == "answer"
    assert type_preference(questionnaire, "london_borough", "district") == (
        "district",
        "london_borough",
    )
    assert type_preference(questionnaire, "london_borough", None) == ("london_borough",)
    invited_rule = dataclasses.replace(
        questionnaire,
        extra={
            **questionnaire.extra,
            "invitations": {"authority_type_question": "q2", "authority_type_rule": "invited"},
        },
    )
    assert type_preference(invited_rule, "london_borough", "district") == (
        "london_borough",
        "district",
    )
    assert type_differs("london_borough", "district") and not type_differs("district", "district")
    assert not type_differs(None, "district")


def test_tracking_and_the_report_count_the_same_types(app, client, sign_in, make_link):
    """The tracking page's response rates and the report's Appendix B agree on the same data."""
    from tests.conftest import Journey

    for name, answer in (("Barnet", "district"), ("Camden", "london_borough")):
        j = Journey(client, make_link(name))
        j.answer("authority_information", {"q2": answer, "q3": "chief_finance_officer"})
    with app.test_request_context():
        from survey.scoring.report import build_report
        from survey.web.researcher.views import _tracking_rows

        questionnaire = app.extensions["survey_registry"].get(Q)
        rows = _tracking_rows(questionnaire)
        rates = {r["label"]: r["in_progress"] for r in response_rates(questionnaire, rows)}
        report = build_report(questionnaire, include_in_progress=True)
        appendix = report.figure("appendix_b", full=True)
    in_progress = {
        row["label"]: cells[3]["value"]
        for row, cells in zip(appendix["rows"], appendix["cells"], strict=True)
    }
    assert rates["District"] == in_progress["District"] == 1
    assert rates["London borough"] == in_progress["London borough"] == 1

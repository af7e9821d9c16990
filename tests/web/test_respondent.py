"""The respondent journey through Flask's test client, from a fresh link to submission."""

from __future__ import annotations

import re
import time

import pytest

from survey.extensions import db
from survey.models import Answer, AuditEvent, Respondent, Response
from tests.conftest import Journey

SECTION_A = {"q2": "london_borough", "q3": "chief_finance_officer"}
FACTORS_EX = {"q9_ex{n}_corporate_leadership": "strongly_assisted", "q9_ex{n}_it_systems": "na"}


def fill_example(j: Journey, n: int, another: str) -> None:
    """Answer the pages of example n with plausible values."""
    assert (
        j.answer(
            f"example_service-{n}", {f"q4_ex{n}": "housing", f"q5_ex{n}": f"Example {n}"}
        ).status_code
        == 302
    )
    assert (
        j.answer(
            f"example_approaches-{n}", {f"q7_ex{n}": ["service_redesign", "assets", "insourcing"]}
        ).status_code
        == 302
    )
    assert (
        j.answer(
            f"example_approaches_ranking-{n}",
            {f"q7_rank_ex{n}_1": "assets", f"q7_rank_ex{n}_2": "service_redesign"},
        ).status_code
        == 302
    )
    assert (
        j.answer(
            f"example_savings-{n}",
            {f"q8_ex{n}_2010_11_base": "£1,000,000", f"q8_ex{n}_2012_13_delivered": "-1200"},
        ).status_code
        == 302
    )
    factors = {k.format(n=n): v for k, v in FACTORS_EX.items()}
    assert j.answer(f"example_factors-{n}", factors).status_code == 302
    links = {f"q10_ex{n}_link_1": "https://www.example.gov.uk/savings"}
    if n < 3:
        links[f"q11_ex{n}"] = another
    assert j.answer(f"example_links-{n}", links).status_code == 302


def fill_rest(j: Journey) -> None:
    for key, data in [
        ("lessons", {"q27": "n/a"}),
        ("experience_areas", {"q28": ["housing", "education"]}),
        ("experience_areas_ranking", {"q28_rank_1": "education"}),
        ("experience_approaches", {"q29": ["assets"]}),
        ("experience_approaches_ranking", {}),
        ("experience_factors", {"q30_corporate_strategy": "assisted"}),
        ("commissioning_factors", {"q31_market_capacity": "dk"}),
        ("future_areas", {"q32": ["housing"]}),
        ("future_areas_ranking", {}),
        ("future_approaches", {"q33": ["assets", "other"], "q33_other_text": "Digital by default"}),
        ("future_approaches_ranking", {}),
        ("overview", {"q34_housing_base_2010_11": "1000", "q34_education_base_2010_11": "2,500"}),
        ("further_research", {"q35_email": "cfo@barnet.gov.uk", "q35_telephone": "020 8359 2000"}),
    ]:
        response = j.answer(key, data)
        assert response.status_code == 302, (key, j.errors())


def complete(j: Journey, examples: int = 1) -> None:
    assert j.answer("authority_information", SECTION_A).status_code == 302
    for n in range(1, examples + 1):
        fill_example(j, n, "yes" if n < examples else "no")
    fill_rest(j)


def stored(app, token_name: str = "Barnet") -> dict:
    with app.app_context():
        respondent = db.session.query(Respondent).filter_by(name=token_name).one()
        response = respondent.response
        answers = {
            a.key: a.value for a in db.session.query(Answer).filter_by(response_id=response.id)
        }
        return {
            "status": response.status,
            "answers": answers,
            "drafts": response.drafts,
            "reference": response.reference,
        }


def submit(j: Journey):
    j.open(f"/s/{j.token}/check")
    return j.post({}, path=f"/s/{j.token}/check")


# -- the whole journey ----------------------------------------------------------------------------


def test_fresh_link_starts_at_the_welcome_page(client, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 302 and response.location.endswith("/page/welcome")
    page = client.get(response.location).get_data(as_text=True)
    assert "Welcome to the good practice in delivering local government savings survey." in page
    assert "Wednesday 19 June 2013" in page or "19 June 2013" in page
    assert "Download the guidance notes to print (PDF)" in page
    assert "Reference code: <strong>WELCOME</strong>" in page


def test_complete_with_one_example_and_submit(app, journey):
    complete(journey, examples=1)
    response = submit(journey)
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    page = journey.client.get(response.location).get_data(as_text=True)
    data = stored(app)
    assert data["status"] == "submitted"
    assert data["reference"] in page
    answers = data["answers"]
    assert answers["q2"] == "london_borough"
    assert answers["q8_ex1_2010_11_base"] == 1_000_000
    assert answers["q8_ex1_2012_13_delivered"] == -1200
    assert answers["q7_rank_ex1_1"] == "assets"
    assert answers["q34_education_base_2010_11"] == 2500
    assert not any(k.endswith("_ex2") or "_ex2_" in k for k in answers)


def test_complete_with_three_examples_numbered_as_printed(app, journey):
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    fill_example(journey, 1, "yes")
    journey.page("example_service-2")
    assert "Example 2" in journey.html and ">12)</span>" in journey.html
    fill_example(journey, 2, "yes")
    journey.page("example_factors-3")
    assert ">25)</span>" in journey.html  # question 9 of the third example
    journey.page("example_links-3")
    assert ">26)</span>" in journey.html and "q11_ex3" not in journey.html
    fill_example(journey, 3, "")
    fill_rest(journey)
    assert submit(journey).status_code == 302
    answers = stored(app)["answers"]
    assert answers["q4_ex3"] == "housing" and answers["q11_ex2"] == "yes"
    answers_page = journey.client.get(f"/s/{journey.token}/answers").get_data(as_text=True)
    assert "Section B: Examples of specific savings – Example 3" in answers_page


def test_reference_codes_on_each_page(journey):
    journey.page("example_savings-1")
    assert "Reference code: <strong>B-EX1-Q8</strong>" in journey.html


def test_leaving_and_resuming_goes_to_the_first_unfinished_page(client, journey):
    journey.answer("welcome")
    journey.answer("definitions")
    response = journey.answer("authority_information", {"q2": "district"}, action="save")
    assert response.location.endswith("/saved")
    assert "Your answers have been saved" in client.get(response.location).get_data(as_text=True)
    again = client.get(f"/s/{journey.token}")
    assert again.location.endswith("/page/authority_information")
    page = client.get(again.location).get_data(as_text=True)
    assert re.search(r'value="district" checked', page)


def test_task_list_shows_section_status(journey):
    journey.answer("welcome")
    journey.answer("authority_information", SECTION_A)
    journey.answer("example_service-1", {"q4_ex1": "housing"}, action="save")
    journey.open(f"/s/{journey.token}/overview")
    html = journey.html
    a = html.index("Section A: Authority information")
    b = html.index("Section B: Examples of specific savings")
    c = html.index("Section C: Experience of delivering savings")
    assert "Completed" in html[a:b]
    assert "In progress" in html[b:c]
    assert "Not started" in html[c:]


# -- validation -----------------------------------------------------------------------------------


def test_mandatory_questions_have_specific_messages(journey):
    response = journey.answer("authority_information", {})
    assert response.status_code == 400
    assert journey.errors() == [
        "Select the type of authority",
        "Select the role of the lead respondent",
    ]
    assert "<title>Error: " in journey.html
    assert 'class="govuk-error-summary"' in journey.html
    assert 'href="#q2"' in journey.html and 'id="q2"' in journey.html


def test_other_needs_its_text_only_when_chosen(journey):
    response = journey.answer("authority_information", {"q2": "district", "q3": "other"})
    assert response.status_code == 400
    assert journey.errors() == ["You chose 'Other (please specify)': say what it is"]
    ok = journey.answer(
        "authority_information", {"q2": "district", "q3": "other", "q3_other_text": "Treasurer"}
    )
    assert ok.status_code == 302


def test_back_saves_without_complaining_about_mandatory_answers(app, journey):
    response = journey.answer("authority_information", {"q2": "district"}, action="back")
    assert response.status_code == 302 and response.location.endswith("/page/definitions")
    assert stored(app)["answers"] == {"q2": "district"}


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("78.5K", "Write the amount in full pounds: 78500"),
        ("78.5k", "Write the amount in full pounds: 78500"),
        ("£0.5m", "Write the amount in full pounds: 500000"),
        ("1.2m", "Write the amount in full pounds: 1200000"),
        (
            "78.50",
            "Whole pounds only: no pence. Enter the amount in full, rounded to whole pounds",
        ),
        ("1e5", "Enter the amount in whole pounds, in full, for example 78500"),
        ("seventy", "Enter the amount in whole pounds, in full, for example 78500"),
    ],
)
def test_bad_money_is_refused_with_what_to_type_and_kept(app, journey, typed, why):
    data = {"q8_ex1_2010_11_base": typed, "q8_ex1_2011_12_base": "£78,500"}
    response = journey.answer("example_savings-1", data)
    assert response.status_code == 400
    assert journey.errors() == [f"Base budget (£), 2010/11: {why}"]
    assert f'value="{typed}"' in journey.html  # what was typed is shown again
    data_after = stored(app)
    assert data_after["answers"] == {"q8_ex1_2011_12_base": 78500}  # the good value was saved
    assert data_after["drafts"] == {"q8_ex1_2010_11_base": typed}
    # coming back later still shows the typed text and its message
    journey.page("example_savings-1")
    assert f'value="{typed}"' in journey.html and "whole pounds" in journey.html


def test_money_as_accountants_type_it_is_saved_and_read_back(app, journey):
    """Brackets are a negative amount and zero pence are whole pounds (Q34 allows negatives)."""
    data = {
        "q34_adult_social_care_delivered_2010_11": "(5,000)",
        "q34_housing_base_2010_11": "1,234,000.00",
    }
    assert journey.answer("overview", data).status_code == 302
    answers = stored(app)["answers"]
    assert answers["q34_adult_social_care_delivered_2010_11"] == -5000
    assert answers["q34_housing_base_2010_11"] == 1234000
    journey.page("overview")
    assert 'value="-5,000"' in journey.html and 'value="1,234,000"' in journey.html


def test_money_inputs_are_numeric_text_not_number(journey):
    journey.page("example_savings-1")
    assert 'inputmode="numeric"' in journey.html and 'type="number"' not in journey.html
    # savings delivered are not asked after the fieldwork year (2012/13)
    assert 'name="q8_ex1_2012_13_delivered"' in journey.html
    assert 'name="q8_ex1_2013_14_delivered"' not in journey.html
    assert "Not asked" in journey.html


def test_total_row_is_computed(journey):
    journey.answer(
        "overview",
        {"q34_housing_base_2010_11": "1000", "q34_education_base_2010_11": "-250"},
        action="save",
    )
    journey.page("overview")
    total = journey.html[journey.html.index("app-total-row") :]
    assert "£750" in total


def test_text_length_limit_is_stated_and_enforced(app, journey):
    journey.page("example_service-1")
    assert "You can enter up to 5,000 characters" in journey.html
    response = journey.answer("example_service-1", {"q4_ex1": "housing", "q5_ex1": "x" * 5001})
    assert response.status_code == 400
    assert "must be 5,000 characters or fewer (you typed 5,001)" in journey.errors()[0]
    assert stored(app)["drafts"]["q5_ex1"] == "x" * 5001


def test_contacts_are_checked_when_given(journey):
    response = journey.answer(
        "further_research", {"q35_email": "not an email", "q35_telephone": "12"}
    )
    assert response.status_code == 400
    assert journey.errors() == [
        "Enter an email address in the correct format, like name@example.gov.uk",
        "Enter a UK telephone number, like 01632 960 001 or 07700 900 982",
    ]


def test_links_must_be_web_addresses(journey):
    response = journey.answer(
        "example_links-1", {"q10_ex1_link_1": "javascript:alert(1)", "q11_ex1": "no"}
    )
    assert response.status_code == 400
    assert journey.errors()[0].startswith("Enter a web link starting with http:// or https://")


# -- rankings -------------------------------------------------------------------------------------


def test_ranking_offers_only_the_options_chosen(journey):
    journey.answer("experience_areas", {"q28": ["housing", "education"]})
    journey.page("experience_areas_ranking")
    options = re.findall(r'<option value="([^"]+)"', journey.html)
    assert sorted(set(options)) == ["education", "housing"]
    # two chosen: two ranks, not three
    assert 'name="q28_rank_2"' in journey.html and 'name="q28_rank_3"' not in journey.html


def test_ranking_refuses_an_option_twice_or_not_chosen(journey):
    journey.answer("example_approaches-1", {"q7_ex1": ["service_redesign", "assets", "insourcing"]})
    response = journey.answer(
        "example_approaches_ranking-1", {"q7_rank_ex1_1": "assets", "q7_rank_ex1_2": "assets"}
    )
    assert response.status_code == 400
    assert journey.errors() == [
        "Choose a different approach for second-greatest contribution to savings: "
        "you already chose it for greatest contribution to savings"
    ]
    response = journey.answer("example_approaches_ranking-1", {"q7_rank_ex1_1": "private_sector"})
    assert response.status_code == 400
    assert journey.errors() == [
        "Choose for greatest contribution to savings one of the approaches you selected "
        "at the question before"
    ]


def test_ranking_page_skipped_when_nothing_chosen(journey):
    journey.answer("experience_areas", {}, action="save")
    response = journey.client.get(f"/s/{journey.token}/page/experience_areas_ranking")
    assert response.status_code == 302 and response.location.endswith("/overview")


# -- repeats and routing --------------------------------------------------------------------------


def test_removing_an_example(app, journey):
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    fill_example(journey, 1, "yes")
    fill_example(journey, 2, "no")
    journey.page("example_service-1")
    assert "Remove example 1" in journey.html
    journey.open(f"/s/{journey.token}/remove/examples/1")
    response = journey.post({"confirm": "yes"}, path=f"/s/{journey.token}/remove/examples/1")
    assert response.status_code == 302
    answers = stored(app)["answers"]
    assert answers["q5_ex1"] == "Example 2"  # example 2 moved up
    assert not any("_ex2" in k for k in answers)
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="example_removed").count() == 1


def test_answers_of_an_example_no_longer_reached_are_dropped_at_submission(app, journey):
    complete(journey, examples=1)
    # say yes, answer part of example 2, then change the answer back to no
    journey.answer("example_links-1", {"q11_ex1": "yes"})
    journey.answer("example_service-2", {"q4_ex2": "education", "q5_ex2": "Example two unique"})
    assert "q4_ex2" in stored(app)["answers"]
    journey.answer("example_links-1", {"q11_ex1": "no"})
    journey.open(f"/s/{journey.token}/check")
    assert "Example two unique" not in journey.html
    assert submit(journey).status_code == 302
    assert not any("_ex2" in k for k in stored(app)["answers"])


# -- check your answers and submission ------------------------------------------------------------


def test_submit_refused_until_mandatory_answers_given(app, journey):
    journey.answer("authority_information", {"q2": "district"}, action="save")
    response = submit(journey)
    assert response.status_code == 400
    assert "You cannot submit yet" in journey.html
    assert "Select the role of the lead respondent" in journey.html
    assert "/page/authority_information?change=1#q3" in journey.html
    assert stored(app)["status"] == "in_progress"


def test_change_link_returns_to_check_page(journey):
    complete(journey)
    journey.open(f"/s/{journey.token}/check")
    assert "Not answered" in journey.html  # q6 is optional and unanswered
    response = journey.answer(
        "authority_information", {"q2": "district", "q3": "chief_executive"}, change=1
    )
    assert response.location.endswith("/check")


def test_submitted_response_is_read_only(app, journey):
    complete(journey)
    submit(journey)
    response = journey.client.get(f"/s/{journey.token}/page/authority_information")
    assert response.location.endswith("/answers")
    response = journey.client.post(
        f"/s/{journey.token}/page/authority_information", data={"q2": "district"}
    )
    assert response.status_code == 302
    assert stored(app)["answers"]["q2"] == "london_borough"
    start = journey.client.get(f"/s/{journey.token}")
    assert start.location.endswith("/answers")
    page = journey.client.get(start.location).get_data(as_text=True)
    assert "London Borough" in page and "Download a copy of your answers (PDF)" in page


def test_double_submit_is_idempotent(app, journey):
    complete(journey)
    journey.open(f"/s/{journey.token}/check")
    first = journey.post({}, path=f"/s/{journey.token}/check")
    reference = stored(app)["reference"]
    second = journey.post({}, path=f"/s/{journey.token}/check")
    assert first.status_code == second.status_code == 302
    assert stored(app)["reference"] == reference


# -- links, dates, CSRF, concurrency ----------------------------------------------------------------


def test_unknown_and_revoked_links_get_the_same_plain_page(app, client, token):
    unknown = client.get("/s/" + "A" * 43)
    with app.app_context():
        respondent = db.session.query(Respondent).one()
        from survey.models import utcnow

        respondent.revoked_at = utcnow()
        db.session.commit()
    revoked = client.get(f"/s/{token}")
    assert unknown.status_code == revoked.status_code == 404
    assert "This link is not valid" in unknown.get_data(as_text=True)
    assert unknown.get_data() == revoked.get_data()


def test_only_a_hash_of_the_token_is_stored(app, token):
    with app.app_context():
        respondent = db.session.query(Respondent).one()
        assert token not in respondent.token_hash and len(respondent.token_hash) == 64
    assert len(token) >= 43  # 32 random bytes, base64url


def test_closed_survey_shows_a_clear_page_and_refuses_saving(app, client, token):
    app.config["SURVEY_SCHEDULE"] = {"good_practice_savings": {"closes": "2013-06-19"}}
    page = client.get(f"/s/{token}/page/authority_information")
    assert page.status_code == 403
    assert "This survey is closed" in page.get_data(as_text=True)
    assert "19 June 2013" in page.get_data(as_text=True)
    post = client.post(f"/s/{token}/page/authority_information", data={"q2": "district"})
    assert post.status_code == 403
    with app.app_context():
        assert db.session.query(Answer).count() == 0


def test_not_yet_open(app, client, token):
    app.config["SURVEY_SCHEDULE"] = {"*": {"opens": "2999-01-01"}}
    page = client.get(f"/s/{token}")
    assert page.status_code == 403 and "not open yet" in page.get_data(as_text=True)


def test_missing_csrf_token_refused_without_losing_the_page(app, journey):
    journey.page("authority_information")
    response = journey.client.post(
        journey.path,
        data={
            "q2": "district",
            "q3": "other",
            "q3_other_text": "Treasurer",
            "action": "next",
            "state": journey.hidden("state"),
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This page was not saved" in html
    assert 'value="Treasurer"' in html and 'value="district" checked' in html
    with app.app_context():
        assert db.session.query(Answer).count() == 0


def test_page_left_open_all_day_still_saves(app, journey, monkeypatch):
    journey.page("authority_information")
    later = time.time() + 10 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = journey.post(SECTION_A)
    assert response.status_code == 302
    assert stored(app)["answers"] == SECTION_A


def test_concurrent_edit_is_detected_and_shows_both_values(app, client, token):
    first, second = Journey(client, token), Journey(client, token)
    first.page("authority_information")
    second.page("authority_information")
    assert first.post({"q2": "district", "q3": "chief_executive"}).status_code == 302
    response = second.post({"q2": "metropolitan", "q3": "chief_executive"})
    assert response.status_code == 409
    assert "changed in another window or by someone else" in second.html
    conflict = second.html[second.html.index("Answers that differ") :]
    assert "district" in conflict and "metropolitan" in conflict
    assert stored(app)["answers"]["q2"] == "district"
    # pressing the button again (with the new state) saves deliberately
    assert second.post({"q2": "metropolitan", "q3": "chief_executive"}).status_code == 302
    assert stored(app)["answers"]["q2"] == "metropolitan"


def test_double_clicked_next_is_idempotent(app, journey):
    journey.page("authority_information")
    state = journey.hidden("state")
    payload = {
        "csrf_token": journey.hidden("csrf_token"),
        "state": state,
        "action": "next",
        **SECTION_A,
    }
    one = journey.client.post(journey.path, data=payload)
    two = journey.client.post(journey.path, data=payload)
    assert one.status_code == two.status_code == 302
    assert one.location == two.location


def test_hostile_text_is_escaped(app, journey):
    hostile = '<script>alert("x")</script> =HYPERLINK("http://evil")'
    journey.answer("example_service-1", {"q4_ex1": "housing", "q5_ex1": hostile})
    journey.open(f"/s/{journey.token}/check")
    assert "<script>alert" not in journey.html
    assert "&lt;script&gt;" in journey.html


def test_security_headers(client, token):
    response = client.get(f"/s/{token}/page/welcome")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_of_another_response_version_keep_working(app, client, token, tmp_path):
    """A response keeps the questionnaire version it started on."""
    Journey(client, token).answer("authority_information", SECTION_A)
    with app.app_context():
        response = db.session.query(Response).one()
        assert response.questionnaire_version.version == 1


def test_notes_in_later_examples_refer_to_their_own_question_numbers(journey):
    journey.answer("example_links-1", {"q11_ex1": "yes"}, action="save")
    journey.answer("example_approaches-2", {"q7_ex2": ["assets", "insourcing"]}, action="save")
    journey.page("example_approaches_ranking-2")
    assert "Approaches are as outlined in question 15" in journey.html


def test_example_2_ranking_names_its_own_question_number(app, journey):
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    fill_example(journey, 1, "yes")
    journey.answer("example_service-2", {"q4_ex2": "housing", "q5_ex2": "Example 2"})
    journey.answer("example_approaches-2", {"q7_ex2": ["assets", "insourcing"]})
    journey.page("example_approaches_ranking-2")
    assert "of the options you selected at question 15." in journey.html
    assert "Approaches are as outlined in question 15" in journey.html
    assert "question 7" not in journey.html
    assert "Reference code: <strong>B-EX2-Q15-RANK</strong>" in journey.html


def test_confirmation_has_no_page_reference_code(app, journey):
    complete(journey, examples=1)
    response = submit(journey)
    page = journey.client.get(response.location).get_data(as_text=True)
    assert stored(app)["reference"] in page
    assert "Reference code:" not in page and "DONE" not in page


def test_change_links_of_two_examples_have_distinct_accessible_names(journey):
    complete(journey, examples=2)
    journey.open(f"/s/{journey.token}/check")
    names = re.findall(r'>Change<span class="govuk-visually-hidden"> ([^<]*)</span>', journey.html)
    rankings = [n for n in names if n.startswith("Of the approaches")]
    assert len(rankings) == 2 and len(set(rankings)) == 2
    assert rankings[1].endswith("(Example 2)")
    assert len(set(names)) == len(names)  # no two Change links share a name

"""The authority's name and the messages of a page (issue 17): the confirmation page and the
answers PDF name the authority as given in Q1 when it was given, else as invited; the boxes for a
name carry no n/a advice; two identical messages in the error summary name their questions."""

from __future__ import annotations

import io

from pypdf import PdfReader

from survey.questionnaire.authority import authority_name, authority_question
from tests.web.test_respondent import SECTION_A, complete, submit

NA_HINT = "If this is not applicable, enter n/a"


def _pdf_text(pdf: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_confirmation_and_the_pdf_name_the_authority_as_given_in_q1(journey):
    complete(journey)
    assert (
        journey.answer(
            "authority_information", {**SECTION_A, "q1": "London Borough of  Barnet"}
        ).status_code
        == 302
    )
    confirmation = journey.client.get(submit(journey).location).get_data(as_text=True)
    assert "We have recorded your response for London Borough of Barnet on" in confirmation
    pdf = journey.client.get(f"/s/{journey.token}/answers.pdf")
    assert pdf.status_code == 200
    text = " ".join(_pdf_text(pdf.data).split())
    assert "Authority London Borough of Barnet" in text


def test_without_q1_they_name_the_authority_as_invited(journey):
    complete(journey)  # Q1 is optional and left blank
    confirmation = journey.client.get(submit(journey).location).get_data(as_text=True)
    assert "We have recorded your response for Barnet on" in confirmation
    text = " ".join(_pdf_text(journey.client.get(f"/s/{journey.token}/answers.pdf").data).split())
    assert "Authority Barnet" in text


def test_one_home_for_the_authority_question(app):
    registry = app.extensions["survey_registry"]
    appendix_a = registry.get("good_practice_savings")
    assert authority_question(appendix_a).id == "q1"  # "Name of authority"
    asce = registry.get("asce_application")
    assert (
        authority_question(asce).id == "q1"
    )  # "Name", its hint: "The name of your local authority"
    assert authority_name(appendix_a, {"q1": " n/a "}, "Barnet") == "Barnet"
    assert authority_name(appendix_a, {"q1": "Barnet Council"}, "Barnet") == "Barnet Council"


def test_no_n_a_advice_under_a_name_or_an_email_box(journey):
    journey.page("authority_information")  # Q1 "Name of authority"
    assert "You can enter up to 200 characters" in journey.html and NA_HINT not in journey.html
    journey.page("further_research")  # Q35 and Q36: full name, email address, telephone
    assert NA_HINT not in journey.html
    assert 'id="q35_name" name="q35_name" type="text" autocomplete="name"' in journey.html
    assert 'id="q35_email" name="q35_email" type="email" autocomplete="email"' in journey.html
    # a box that is not for a name keeps the advice (Q5, the example described)
    journey.page("example_service-1")
    assert NA_HINT in journey.html


def test_two_identical_messages_in_the_summary_name_their_questions(journey):
    response = journey.answer(
        "further_research", {"q35_email": "not an email", "q36_email": "nor this"}
    )
    assert response.status_code == 400
    message = "Enter an email address in the correct format, like name@example.gov.uk"
    assert journey.errors() == [
        f"Question 35: Email address – {message}",
        f"Question 36: Email address – {message}",
    ]
    assert journey.html.count(f"</span> {message}") == 2  # beside each box, as it is

"""Resuming from the link (issue 17): "Save and return later" leads back to the page it was
pressed on, even a page answered in full; following the link after pressing "Continue" leads
to the first unfinished page, as before."""

from __future__ import annotations

from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Answer, Response
from tests.web.test_respondent import SECTION_A, fill_example


def _link(journey) -> str:
    return journey.client.get(f"/s/{journey.token}").location


def _section_a(journey) -> None:
    for key in ("welcome", "definitions"):
        assert journey.answer(key).status_code == 302
    assert journey.answer("authority_information", SECTION_A).status_code == 302


def test_save_and_return_later_on_a_complete_page_returns_to_that_page(journey):
    journey.answer("welcome")
    journey.answer("definitions")
    saved = journey.answer("authority_information", SECTION_A, action="save")
    assert saved.location.endswith("/saved")
    # the page is answered in full, yet the link leads back to it, not to the next one
    assert _link(journey).endswith("/page/authority_information")
    page = journey.client.get(_link(journey)).get_data(as_text=True)
    assert 'value="london_borough" checked' in page


def test_save_and_return_later_mid_questionnaire_then_following_the_link(journey):
    _section_a(journey)
    journey.answer("section_b_intro")
    journey.answer("example_service-1", {"q4_ex1": "housing", "q5_ex1": "Example 1"})
    chosen = {"q7_ex1": ["assets", "insourcing"]}
    saved = journey.answer("example_approaches-1", chosen, action="save")
    assert saved.location.endswith("/saved")
    assert _link(journey).endswith("/page/example_approaches-1")
    assert _link(journey).endswith("/page/example_approaches-1")  # as often as it is followed
    # back at work: "Continue" from there forgets the saved place
    assert journey.answer("example_approaches-1", chosen).status_code == 302
    assert _link(journey).endswith("/page/example_approaches_ranking-1")


def test_following_the_link_mid_questionnaire_leads_to_the_first_unfinished_page(journey):
    _section_a(journey)
    journey.answer("section_b_intro")
    journey.answer("example_service-1", {"q4_ex1": "housing", "q5_ex1": "Example 1"})
    # the officer closed the tab after "Continue": the link leads on, not back
    assert _link(journey).endswith("/page/example_approaches-1")


def test_a_saved_place_no_longer_on_the_route_is_not_followed(app, journey):
    _section_a(journey)
    journey.answer("section_b_intro")
    fill_example(journey, 1, "yes")
    journey.answer("example_service-2", {"q4_ex2": "housing"}, action="save")
    assert _link(journey).endswith("/page/example_service-2")
    # the research team corrects the answer to Q11 (no second example) after the save: the
    # saved place leaves the route, and the link leads to the first unfinished page instead
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        assert response.resume_page == "example_service-2"
        db.session.execute(
            update(Answer)
            .where(Answer.response_id == response.id, Answer.key == "q11_ex1")
            .values(value="no")
        )
        db.session.commit()
    assert _link(journey).endswith("/page/lessons")

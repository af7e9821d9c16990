"""A response's state: its route and effective answers are a fixed point, so an answer that is
off the route never decides which page comes next (issue 14)."""

from __future__ import annotations

import pytest

from survey import create_app
from survey.extensions import db
from survey.questionnaire.loader import loads
from survey.responses.state import ResponseState
from survey.responses.writing import create_respondent
from tests.conftest import Journey, database_url

# A=yes shows P, whose B=yes shows Q; R is shown while B is not "yes"; S comes last.
CHAIN = """
id: chain
title: Chain
option_lists:
  yes_no:
    - {id: "yes", label: "Yes"}
    - {id: "no", label: "No"}
pages:
  - id: first
    title: First
    questions:
      - {id: a, number: 1, type: single, text: "A?", options: yes_no}
  - id: p
    title: P
    show_if: {question: a, equals: "yes"}
    questions:
      - {id: b, number: 2, type: single, text: "B?", options: yes_no}
  - id: q
    title: Q
    show_if: {question: b, equals: "yes"}
    questions:
      - {id: c, number: 3, type: text, text: "C?"}
  - id: r
    title: R
    show_if: {question: b, not_equals: "yes"}
    questions:
      - {id: d, number: 4, type: text, text: "D?"}
  - id: s
    title: S
    questions:
      - {id: e, number: 5, type: text, text: "E?"}
"""


def _state(answers: dict) -> ResponseState:
    return ResponseState.of(loads(CHAIN), answers, {})


def test_an_answer_off_the_route_does_not_decide_the_next_page():
    on = _state({"a": "yes", "b": "yes", "c": "kept"})
    assert [p.key for p in on.route] == ["first", "p", "q", "s"]
    off = _state({"a": "no", "b": "yes", "c": "kept", "d": "typed"})
    assert [p.key for p in off.route] == ["first", "r", "s"]  # B is off the route: no Q
    assert off.effective == {"a": "no", "d": "typed"}
    _, following = off.neighbours("first")
    assert following is not None and following.key == "r"
    assert off.page("q") is None


def test_stored_answers_off_the_route_are_kept_for_when_the_route_returns():
    state = _state({"a": "no", "b": "yes", "c": "kept"})
    assert state.stored["b"] == "yes" and "b" not in state.effective
    back = state.after({"a": "yes"}, {})
    assert [p.key for p in back.route] == ["first", "p", "q", "s"]
    assert back.effective == {"a": "yes", "b": "yes", "c": "kept"}


def test_the_page_keys_and_questions_are_judged_on_the_effective_answers():
    state = _state({"a": "no", "b": "yes"})
    first = state.page("first")
    assert first is not None and state.field_keys(first) == ["a"]
    assert [qi.key for qi in state.questions(first)] == ["a"]


@pytest.fixture
def chain_journey(tmp_path):
    """A respondent of the chain questionnaire, driven through the real pages."""
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "chain.yaml").write_text(CHAIN)
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
        _, token = create_respondent("chain", "Somewhere")
        db.session.commit()
    yield Journey(app.test_client(), token)
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def test_the_pages_follow_the_route_of_the_answers_on_it(chain_journey):
    """Through the respondent's pages: B = yes on P, then A changed to no. "Next" from the first
    page leads to R (B is off the route), not to Q, and check-your-answers lists no B or C."""
    journey = chain_journey
    assert journey.answer("first", {"a": "yes"}).location.endswith("/page/p")
    assert journey.answer("p", {"b": "yes"}).location.endswith("/page/q")
    assert journey.answer("q", {"c": "kept"}).location.endswith("/page/s")
    assert journey.answer("first", {"a": "no"}).location.endswith("/page/r")
    assert journey.page("q").location.endswith("/overview")  # Q is not on the route
    assert journey.answer("r", {"d": "typed"}).location.endswith("/page/s")
    journey.open(f"/s/{journey.token}/check")
    assert "typed" in journey.html and "kept" not in journey.html
    assert journey.answer("first", {"a": "yes"}).location.endswith("/page/p")
    journey.page("p")
    assert 'value="yes" checked' in journey.html  # B was kept for when the route came back


def test_the_downloads_see_the_same_response_as_the_pages():
    """What a response *is* for the downloads (routing.effective_answers, read by the exports)
    is the pages' fixed point too: B left behind on the skipped page P keeps neither Q's answer
    nor hides R's."""
    from survey.questionnaire.routing import effective_answers

    stored = {"a": "no", "b": "yes", "c": "kept", "d": "typed", "e": "last"}
    assert effective_answers(loads(CHAIN), stored) == {"a": "no", "d": "typed", "e": "last"}
    assert effective_answers(loads(CHAIN), stored) == _state(stored).effective

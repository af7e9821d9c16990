"""A page shown on a GET (:func:`survey.questionnaire.checking.shown_form`) holds exactly what the WTForms form
built for the same answers holds: the same fields, choices and values, on every page."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.questionnaire.checking import apply_drafts, check_page, shown_form
from survey.questionnaire.loader import load
from survey.questionnaire.routing import asked_questions, route
from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.web.forms import build_form

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRES = sorted((ROOT / "questionnaires").glob("*.yaml"))


def _answer_sets(questionnaire):
    """No answers, and demonstration responses (one to three examples, every question type)."""
    yield {}
    try:
        config = scoring_config(questionnaire)
    except Exception:  # a questionnaire without figures has no demonstration data
        return
    for demo in generate(questionnaire, config, 6, seed=3):
        yield demo.answers


def _compare(questionnaire, answers, app):
    compared = 0
    with app.test_request_context():
        for pi in route(questionnaire, answers):
            questions = asked_questions(pi, answers)
            wtf = build_form(questionnaire, questions, answers, page=pi)
            shown = shown_form(questionnaire, questions, answers, page=pi)
            wtf_fields = {k: f for k, f in wtf._fields.items() if k not in ("csrf_token", "state")}
            assert list(shown._fields) == list(wtf_fields), pi.key
            for key, field in wtf_fields.items():
                assert shown[key].data == field.data, (pi.key, key)
                assert type(shown[key].data) is type(field.data), (pi.key, key)
                assert list(shown[key].choices) == list(getattr(field, "choices", None) or [])
                compared += 1
            # what a GET then checks (drafts' messages) comes out the same from either
            assert (
                check_page(questionnaire, questions, shown, False).errors
                == check_page(questionnaire, questions, wtf, False).errors
            )
    return compared


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda p: p.stem)
def test_shown_form_matches_the_wtforms_form_on_every_page(app, path):
    questionnaire = load(path)
    compared = sum(_compare(questionnaire, answers, app) for answers in _answer_sets(questionnaire))
    assert compared > 20


def test_shown_form_coerces_stored_values_as_wtforms_does(app):
    questionnaire = load(ROOT / "questionnaires" / "good_practice_savings.yaml")
    # odd stored values: a number where text is expected, a string where a list is expected
    answers = {"q2": 7, "q3": "chief_finance_officer", "q6_ex1": "not a list"}
    assert _compare(questionnaire, answers, app) > 0


def test_drafts_show_on_a_shown_form(app):
    questionnaire = load(ROOT / "questionnaires" / "good_practice_savings.yaml")
    answers = {"q2": "district", "q3": "chief_finance_officer"}
    pi = next(p for p in route(questionnaire, answers) if p.key == "example_service-1")
    questions = asked_questions(pi, answers)
    with app.test_request_context():
        form = shown_form(questionnaire, questions, answers, page=pi)
        apply_drafts(form, {"q4_ex1": "typed"}, ["q4_ex1"])
        assert form["q4_ex1"].data == "typed"

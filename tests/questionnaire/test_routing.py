"""Which pages are asked, the keys answers live under, and removing an example."""

import pytest

from survey.questionnaire.loader import load, loads
from survey.questionnaire.routing import effective_answers, field_keys, instance_count, route
from survey.responses.answers import missing_answers, remove_instance
from tests.conftest import APPENDIX_A


@pytest.fixture(scope="module")
def q():
    return load(APPENDIX_A)


def keys(pages):
    return [p.key for p in pages]


def test_one_example_route(q):
    pages = keys(route(q, {}))
    assert pages[:4] == ["welcome", "definitions", "authority_information", "section_b_intro"]
    assert "example_service-1" in pages and "example_service-2" not in pages
    # rankings are only asked once something is chosen
    assert "example_approaches_ranking-1" not in pages
    assert pages.index("example_links-1") + 1 == pages.index("lessons")


def test_yes_to_another_adds_the_next_example_up_to_three(q):
    answers = {"q11_ex1": "yes", "q11_ex2": "yes", "q7_ex2": ["assets"]}
    pages = keys(route(q, answers))
    assert "example_service-3" in pages and "example_approaches_ranking-2" in pages
    assert instance_count(q.repeat("examples"), answers) == 3
    # the third example does not ask "another example?"
    links_3 = next(p for p in route(q, answers) if p.key == "example_links-3")
    from survey.questionnaire.routing import asked_questions

    assert [qi.key for qi in asked_questions(links_3, answers)] == ["q10_ex3"]


def test_no_after_yes_drops_the_later_example_from_the_response(q):
    answers = {"q11_ex1": "no", "q4_ex2": "housing", "q4_ex1": "education", "q2": "district"}
    kept = effective_answers(q, answers)
    assert kept == {"q11_ex1": "no", "q4_ex1": "education", "q2": "district"}


def test_other_text_dropped_when_other_not_chosen(q):
    kept = effective_answers(q, {"q3": "chief_executive", "q3_other_text": "Treasurer"})
    assert kept == {"q3": "chief_executive"}


def test_ranking_of_an_option_no_longer_chosen_is_dropped(q):
    answers = {"q28": ["housing"], "q28_rank_1": "housing", "q28_rank_2": "education"}
    assert effective_answers(q, answers) == {"q28": ["housing"], "q28_rank_1": "housing"}


def test_future_delivered_savings_are_not_asked(q):
    from survey.questionnaire.model import QuestionInstance

    keys_q8 = field_keys(q, QuestionInstance(q.question("q8"), 1, q.repeat("examples")))
    assert "q8_ex1_2012_13_delivered" in keys_q8
    assert "q8_ex1_2013_14_delivered" not in keys_q8
    assert "q8_ex1_2015_16_budgeted" in keys_q8
    assert len(keys_q8) == 6 * 3 - 3


def test_q34_keys_match_the_spec(q):
    from survey.questionnaire.model import QuestionInstance

    keys_q34 = field_keys(q, QuestionInstance(q.question("q34")))
    assert "q34_housing_delivered_2011_12" in keys_q34
    assert "q34_other_text" in keys_q34
    assert len(keys_q34) == 12 * 9 + 1


def test_missing_mandatory_answers_are_listed(q):
    missing = missing_answers(q, {"q2": "district", "q3": "other"}, {})
    messages = [m.message for m in missing]
    assert "You chose 'Other (please specify)': say what it is" in messages
    assert "Select the service area of this example" in messages
    assert "Select the type of authority" not in messages


def test_removing_a_middle_example_moves_the_last_up(q):
    repeat = q.repeat("examples")
    answers = {
        "q4_ex1": "housing", "q11_ex1": "yes",
        "q4_ex2": "education", "q5_ex2": "two", "q11_ex2": "yes",
        "q4_ex3": "central_services", "q9_ex3_corporate_leadership": "assisted",
        "q27": "lessons",
    }  # fmt: skip
    after = remove_instance(q, repeat, 2, answers)
    assert after == {
        "q4_ex1": "housing", "q11_ex1": "yes",
        "q4_ex2": "central_services", "q9_ex2_corporate_leadership": "assisted",
        "q11_ex2": "no", "q27": "lessons",
    }  # fmt: skip


def test_removing_the_only_example_clears_it(q):
    after = remove_instance(q.repeat("examples") and q, q.repeat("examples"), 1, {"q4_ex1": "x"})
    assert after == {}


def test_conditions_on_questions():
    text = """
id: c
title: Conditions
option_lists:
  yn: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
pages:
  - id: p1
    title: One
    questions:
      - {id: a, type: single, text: "A?", options: yn}
  - id: p1b
    title: One (b)
    questions:
      - {id: b, type: text, text: "Why?", show_if: {question: a, equals: "yes"}}
  - id: p2
    title: Two
    show_if: {not: {question: a, equals: "no"}}
    questions:
      - {id: c, type: text, text: C}
"""
    questionnaire = loads(text)
    assert keys(route(questionnaire, {"a": "no"})) == ["p1"]
    assert keys(route(questionnaire, {"a": "yes"})) == ["p1", "p1b", "p2"]
    assert effective_answers(questionnaire, {"a": "no", "b": "x", "c": "y"}) == {"a": "no"}

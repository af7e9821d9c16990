"""A follow-up's answer piped on its own reads as its type formats it (money in pounds, a
dropdown's label); the question's own key still reads back as its lines."""

from __future__ import annotations

from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import load_question

QUESTION = """\
- id: plans
  type: single
  text: "Do you plan to share more services?"
  options:
    - id: "yes"
      label: "Yes"
      follow_up:
        - {id: saving, type: money, text: "Expected saving"}
        - {id: lead, type: dropdown, text: "Who leads?", options: [{id: us, label: "We do"}, {id: them, label: "They do"}]}
    - {id: "no", label: "No"}
"""


def test_a_follow_up_pipes_as_its_type_formats_it():
    questionnaire, qi = load_question(QUESTION)
    answers = {"plans": "yes", "plans_saving": 12000, "plans_lead": "them"}
    qtype = question_type(qi.question)
    assert qtype.piped(questionnaire, qi, "plans_saving", answers) == "£12,000"
    assert qtype.piped(questionnaire, qi, "plans_lead", answers) == "They do"
    assert qtype.piped(questionnaire, qi, "plans", answers).startswith("Yes")


def test_a_follow_up_and_a_group_field_say_their_own_required_message():
    from survey.questionnaire.types.base import PageCheck
    from tests.questionnaire.types.helpers import post

    question = QUESTION.replace(
        '{id: saving, type: money, text: "Expected saving"}',
        '{id: saving, type: money, text: "Expected saving", mandatory: true, '
        'required_message: "Enter the saving you expect"}',
    )
    questionnaire, qi = load_question(question)
    result: PageCheck = post(questionnaire, qi, {"plans": "yes"})
    assert result.errors["plans_saving"] == "Enter the saving you expect"
    assert question_type(qi.question).missing(qi, {"plans": "yes"}) == [
        ("plans_saving", "Enter the saving you expect")
    ]
    group = """\
- id: contact
  type: group
  text: "Contact"
  fields:
    - {id: name, type: text, text: "Name", mandatory: true, required_message: "Enter your name"}
    - {id: email, type: email, text: "Email", mandatory: true}
"""
    questionnaire, qi = load_question(group)
    result = post(questionnaire, qi, {})
    assert result.errors["contact_name"] == "Enter your name"
    assert result.errors["contact_email"] == "Enter 'Email'"

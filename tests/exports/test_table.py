"""The neutral table (survey.exports.table): variables named by stable ids, in questionnaire
order, covering exactly the answer keys, with printed numbers in their labels."""

from __future__ import annotations

from survey.exports.table import repeat_variables, variables
from survey.questionnaire.model import PageInstance, Repeat
from survey.questionnaire.routing import field_keys
from tests.exports.helpers import QID

# -- variables -----------------------------------------------------------------------------------


def test_variables_are_named_by_stable_ids(app):
    with app.app_context():
        names = [v.name for v in variables(app.extensions["survey_registry"].get(QID))]
    for expected in (
        "q1", "q2", "q3_other_text", "q28_adult_social_care", "q28_other", "q28_other_text",
        "q7_rank_ex1_1", "q9_ex2_corporate_leadership", "q34_housing_delivered_2011_12",
        "q35_email", "q8_ex3_2015_16_budgeted", "q11_ex1", "q11_ex2",
    ):  # fmt: skip
        assert expected in names
    assert "q11_ex3" not in names  # the last example never asks for another
    assert "q8_ex1_2014_15_delivered" not in names  # savings not yet delivered are never asked
    assert len(names) == len(set(names))
    assert names.index("q9_ex1_corporate_leadership") < names.index("q4_ex2")


def test_variables_read_exactly_the_answer_keys_of_each_question(app):
    """The columns cover routing.field_keys of every question, and nothing else."""
    questionnaire = app.extensions["survey_registry"].get(QID)
    by_question: dict[str, set[str]] = {}
    for v in variables(questionnaire):
        by_question.setdefault(v.question_id + str(v.instance), set()).add(v.key)
    for item in questionnaire.items:
        instances = (
            [(p, n, item) for n in range(1, item.max + 1) for p in item.pages]
            if isinstance(item, Repeat)
            else [(item, None, None)]
        )
        for page, n, repeat in instances:
            for qi in PageInstance(page, n, repeat).questions():
                if repeat and qi.question.id == repeat.another and n == repeat.max:
                    continue
                keys = set(field_keys(questionnaire, qi))
                assert by_question[qi.question.id + str(n)] == keys, qi.key


def test_long_variables_drop_the_instance_part(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    long, keys = repeat_variables(questionnaire, questionnaire.repeat("examples"))
    names = [v.name for v in long]
    assert names[:4] == ["q4", "q4_other_text", "q5", "q6"]
    for name in ("q7_service_redesign", "q7_rank_1", "q8_2010_11_base", "q9_corporate_leadership"):
        assert name in names
    assert keys[2][names.index("q8_2010_11_base")] == "q8_ex2_2010_11_base"
    assert keys[3][names.index("q7_service_redesign")] == "q7_ex3"


def test_labels_carry_printed_numbers(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    found = {v.name: v for v in variables(questionnaire)}
    assert found["q4_ex2"].number == "12"  # the second example is questions 12-19
    assert found["q9_ex2_corporate_leadership"].label.startswith("Q17 [Corporate leadership] ")
    assert found["q7_rank_ex1_1"].number == "7 ranking"
    assert found["q7_rank_ex3_1"].number == "23 ranking"

"""When each variable is asked, in words (survey.questionnaire.asked), as the codebook says."""

from __future__ import annotations

from survey.exports.table import variables
from survey.questionnaire.loader import load


def _asked(path: str) -> dict[str, str]:
    return {v.name: v.asked for v in variables(load(path))}


def test_appendix_a_route_conditions_in_words():
    asked = _asked("questionnaires/good_practice_savings.yaml")
    assert asked["q2"] == "always" and asked["q4_ex1"] == "always"
    assert asked["q3_other_text"] == "if Q3 (q3) is “Other (please specify)” (other)"
    assert asked["q4_ex2"] == "if Q11 (q11_ex1) is “Yes”"
    assert asked["q5_ex3"] == "if Q19 (q11_ex2) is “Yes”"
    assert asked["q7_rank_ex2_1"] == "if Q11 (q11_ex1) is “Yes” and Q15 (q7_ex2) is answered"
    assert asked["q7_ex1_other_text"].startswith("if Q7 (q7_ex1) includes “Other means")


def test_conditions_beyond_options_use_the_engine_words():
    asked = _asked("questionnaires/examples/conditions.yaml")
    assert asked["q5"] == "if the answer to Q3 (q3) is more than 1000000"
    assert asked["q6"] == "if the number of options chosen at Q2 (q2) is at least 2"

"""The Appendix A definition, as the foundation issue's "done when" list describes it."""

import pytest

from survey.questionnaire.describe import describe
from survey.questionnaire.loader import load
from survey.questionnaire.model import PageInstance, QuestionInstance
from tests.conftest import APPENDIX_A


@pytest.fixture(scope="module")
def appendix_a():
    return load(APPENDIX_A)


@pytest.fixture(scope="module")
def described(appendix_a):
    data = describe(appendix_a)
    return {q["id"]: q for p in data["pages"] for q in p["questions"]}, data


def test_printed_numbers_are_1_to_11_and_27_to_36(appendix_a):
    numbers = [q.number for q in appendix_a.questions() if q.number]
    assert numbers == [str(n) for n in [*range(1, 12), *range(27, 37)]]


def test_type_of_authority_has_eight_options_and_its_note(described):
    questions, _ = described
    q2 = questions["q2"]
    assert q2["mandatory"] and q2["type"] == "single"
    assert [o["label"] for o in q2["options"]] == [
        "Metropolitan",
        "London Borough",
        "Other Unitary",
        "County Council with Fire and Rescue Authority",
        "County Council without Fire and Rescue Authority",
        "District Council",
        "Metropolitan Fire and Rescue Authority",
        "Combined Fire and Rescue Authority",
    ]
    assert "County Fire and Rescue Authorities" in q2["note"]


def test_twelve_service_areas_everywhere(described):
    questions, _ = described
    for qid in ("q4", "q28", "q32"):
        assert len(questions[qid]["options"]) == 12, qid
    assert len(questions["q34"]["rows"]) == 12
    assert questions["q34"]["money"]["total_row"] == "TOTAL"
    assert questions["q4"]["options"][-1]["specify"] is True


def test_thirteen_approaches_each_followed_by_a_ranking_of_the_selected(described):
    questions, data = described
    order = [q["id"] for p in data["pages"] for q in p["questions"]]
    for qid in ("q7", "q29", "q33"):
        assert len(questions[qid]["options"]) == 13
        ranking = questions[f"{qid}_rank"]
        assert ranking["ranking"]["of"] == qid and ranking["ranking"]["ranks"] == 3
        assert order.index(f"{qid}_rank") == order.index(qid) + 1
    for qid in ("q28", "q32"):
        assert questions[f"{qid}_rank"]["ranking"]["of"] == qid


def test_factor_grids(described):
    questions, _ = described
    for qid, rows in (("q9", 18), ("q30", 18), ("q31", 10)):
        assert len(questions[qid]["rows"]) == rows
        assert [c["label"] for c in questions[qid]["columns"]] == [
            "Strongly challenged", "Challenged", "Neutral", "Assisted", "Strongly assisted",
            "N/A", "D/K",
        ]  # fmt: skip
        assert [c["missing"] for c in questions[qid]["columns"]][-2:] == [True, True]


def test_money_tables(described):
    questions, _ = described
    q8 = questions["q8"]
    assert [r["label"] for r in q8["rows"]] == [
        "2010/11", "2011/12", "2012/13", "2013/14", "2014/15", "2015/16",
    ]  # fmt: skip
    assert [c["id"] for c in q8["columns"]] == ["base", "budgeted", "delivered"]
    assert q8["money"]["allow_negative"] and q8["money"]["not_after_fieldwork_year"] == [
        "delivered"
    ]
    q34 = questions["q34"]
    assert len(q34["columns"]) == 9
    assert q34["columns"][5] == {
        "id": "delivered_2011_12",
        "label": "Savings delivered (£) 2011/12",
        "measure": "delivered",
        "year": "2011_12",
    }


def test_contacts_have_four_fields(described):
    questions, _ = described
    for qid in ("q35", "q36"):
        assert [f["id"] for f in questions[qid]["fields"]] == ["name", "email", "telephone", "who"]
        assert questions[qid]["personal_data"] is True


def test_examples_repeat_three_times_numbered_as_printed(described):
    _, data = described
    (examples,) = data["repeats"]
    assert examples["max"] == 3
    assert examples["numbers"] == [[4, 11], [12, 19], [20, 26]]


def test_instance_keys_and_numbers(appendix_a):
    repeat = appendix_a.repeat("examples")
    q9 = appendix_a.question("q9")
    qi = QuestionInstance(q9, 2, repeat)
    assert qi.key == "q9_ex2" and qi.number == "17"
    assert QuestionInstance(appendix_a.question("q4"), 3, repeat).number == "20"
    page = PageInstance(appendix_a.page("example_savings"), 2, repeat)
    assert page.key == "example_savings-2"
    assert page.reference == "B-EX2-Q16"  # the example's own printed numbers (issue 17)
    ranking = PageInstance(appendix_a.page("example_approaches_ranking"), 2, repeat)
    assert ranking.reference == "B-EX2-Q15-RANK"
    assert PageInstance(appendix_a.page("example_savings"), 1, repeat).reference == "B-EX1-Q8"


def test_mandatory_questions_are_the_asterisked_ones(appendix_a):
    mandatory = [q.id for q in appendix_a.questions() if q.mandatory]
    assert mandatory == ["q2", "q3", "q4", "q5", "q7", "q11", "q28", "q29", "q32", "q33"]


def test_guidance_text_is_word_for_word(appendix_a):
    welcome = appendix_a.page("welcome").content
    assert "Where authorities share Section 151 officer posts" in welcome
    assert "Provisional outturn for 2012/13 is acceptable" in welcome
    definitions = appendix_a.page("definitions").content
    assert "neutral in its impact on service delivery" in definitions
    assert "Changes that relate to an increase in charges paid by service users." in definitions
    assert appendix_a.closes.isoformat() == "2013-06-19"


def test_describe_keeps_printed_numbers_of_numeric_questions():
    from survey.questionnaire.describe import describe as describe_definition

    questionnaire = load(APPENDIX_A.parent / "asce_application.yaml")
    q3 = next(
        q
        for p in describe_definition(questionnaire)["pages"]
        for q in p["questions"]
        if q["id"] == "q3"
    )
    assert q3["number"] == "3" and q3["numeric"]["allow_negative"] is False

"""Refusing bad definitions: every problem at once, each with file, line and path."""

import textwrap

import pytest

from survey.questionnaire.loader import DefinitionError, loads

VALID = """\
id: tiny
title: A tiny questionnaire
option_lists:
  colours:
    - {id: red, label: Red}
    - {id: other, label: Other, specify: true}
  yes_no:
    - {id: "yes", label: "Yes"}
    - {id: "no", label: "No"}
sections:
  - {id: A, title: Section A}
pages:
  - id: first
    title: First page
    section: A
    questions:
      - id: q1
        number: 1
        type: multiple
        text: Favourite colours
        options: colours
      - id: q1_rank
        type: ranking
        of: q1
        ranks: 2
        text: Rank them
  - repeat:
      id: things
      key: th
      max: 2
      another: q3
      pages:
        - id: thing
          title: A thing
          questions:
            - {id: q2, type: text, text: Name}
            - {id: q3, type: single, text: "Another?", options: yes_no}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        loads(textwrap.dedent(text), "tiny.yaml")
    return [str(p) for p in info.value.problems]


def test_the_valid_fixture_loads():
    questionnaire = loads(VALID, "tiny.yaml")
    assert [q.id for q in questionnaire.questions()] == ["q1", "q1_rank", "q2", "q3"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # 1. duplicate question id
        ("- {id: q2, type: text", "- {id: q1, type: text", "duplicate question id 'q1'"),
        # 2. unknown option list
        ("options: colours", "options: colors", "unknown option list 'colors'"),
        # 3. ranking of a question that does not exist
        ("of: q1", "of: q9", "refers to question 'q9', which does not exist"),
        # 4. unknown question type
        ("type: multiple", "type: checkboxes", "unknown question type 'checkboxes'"),
        # 5. missing label on an option
        ("- {id: red, label: Red}", "- {id: red}", "missing 'label'"),
        # 6. a repeat without a maximum
        ("      max: 2\n", "", "a repeat needs a maximum ('max')"),
        # 7. a ranking of a single-choice question
        (
            "options: yes_no}",
            "options: yes_no, show_if: {question: q3, equals: 'yes'}}",
            "refers to question 'q3', which does not come before it",
        ),
        # 8. missing question text
        ("text: Favourite colours", "hint: Favourite colours", "missing 'text'"),
        # 9. unknown key (a typo)
        ("ranks: 2", "rank: 2", "unknown key 'rank'"),
        # 10. invalid id
        ("- id: first", "- id: First Page", "'First Page' is not a valid id"),
        # 11. unknown section
        ("section: A", "section: Z", "unknown section 'Z'"),
        # 12. the continue question is not in the repeat
        ("another: q3", "another: q1", "'q1' is not a question of this repeat"),
        # 13. ranking that points at a later question (a cycle)
        ("of: q1\n", "of: q2\n", "refers to question 'q2', which does not come before it"),
        # 14. duplicate option ids
        ("- {id: other, label: Other", "- {id: red, label: Other", "duplicate option id 'red'"),
    ],
)
def test_each_invalid_definition_is_refused_with_its_message(old, new, expected):
    assert old in VALID, old
    found = problems(VALID.replace(old, new, 1))
    assert any(expected in p for p in found), found


def test_a_grid_without_rows():
    text = VALID.replace(
        "- {id: q2, type: text, text: Name}",
        "- {id: q2, type: grid, text: Grid, columns: colours}",
    )
    assert any("missing 'rows'" in p for p in problems(text))


def test_a_money_table_without_columns():
    text = VALID.replace(
        "- {id: q2, type: text, text: Name}",
        "- {id: q2, type: money_table, text: Money, rows: colours}",
    )
    assert any("a money table needs 'columns'" in p for p in problems(text))


def test_yaml_syntax_errors_name_their_line():
    found = problems("id: x\ntitle: [unclosed\npages: []\n")
    assert len(found) == 1
    assert found[0].startswith("tiny.yaml:") and "YAML syntax error" in found[0]


def test_all_problems_are_reported_at_once_with_lines_and_paths():
    text = VALID.replace("options: colours", "options: colors").replace(
        "type: multiple", "type: multiple\n        mandatory: maybe"
    )
    text = text.replace("of: q1", "of: q9")
    found = problems(text)
    assert len(found) >= 3
    unknown = next(p for p in found if "unknown option list" in p)
    line = VALID.splitlines().index("        options: colours") + 2  # one line added above
    assert unknown.startswith(f"tiny.yaml:{line}: pages[0](first).questions[0](q1).options")
    assert any("must be true or false" in p for p in found)
    assert any("'q9'" in p for p in found)


def test_duplicate_yaml_keys_are_refused():
    found = problems(VALID.replace("title: A tiny questionnaire", "title: A\ntitle: B"))
    assert any("duplicate key" in p for p in found)


def test_conditions_may_only_look_back():
    text = VALID.replace(
        "text: Favourite colours",
        "text: Favourite colours\n        show_if: {question: q2, answered: true}",
    )
    assert any("does not come before it" in p for p in problems(text))

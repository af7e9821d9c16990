"""Nothing outside the question types branches on a question's type (the style guide: a type is
one module, and nothing else branches on ``q.type``).

What other modules need of a question they ask of its type: the :class:`Shape` of its answer
(a scoring kind wants "one coded answer", not ``single``), or whether its type keeps another
type's answers (a new version retyping a question). So a new type of a known shape works with
the scoring kinds, the loader's checks and versioning without editing them, which the tests
below show with types registered for the test only. The source is read with :mod:`ast` so that
a comparison of ``.type`` with a type's name, wherever it is written, fails the suite.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from survey.questionnaire.loader import DefinitionError, loads
from survey.questionnaire.types import FIELD_TYPES, QUESTION_TYPES, has_shape
from survey.questionnaire.types.base import Shape
from survey.questionnaire.types.choice import ChoiceType, MultipleType
from survey.questionnaire.versioning import carry_over, orphaning_changes
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.scoring.data import RawResponse
from survey.scoring.report import build_report

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "survey"
TYPES = PACKAGE / "questionnaire" / "types"


# -- the source -------------------------------------------------------------------------------------


def _is_type(node: ast.AST) -> bool:
    """``x.type`` or ``getattr(x, "type")``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "type"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value == "type"
    )


def _is_name(node: ast.AST) -> bool:
    """A string literal, or a tuple, list, set or frozenset(...) of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_is_name(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("frozenset", "set", "tuple") and any(map(_is_name, node.args))
    return False


def type_branches(source: str) -> list[int]:
    """The lines of ``source`` comparing ``.type`` with a literal name (==, !=, in, not in,
    either way round) or with another ``.type`` (name equality, where the question is whether
    one type keeps the other's answers), or matching ``.type`` against cases."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            types = sum(map(_is_type, sides))
            if types > 1 or (types and any(map(_is_name, sides))):
                found.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_type(node.subject):
            found.append(node.lineno)
    return found


def test_no_module_outside_the_types_compares_a_type_with_its_name():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(TYPES):
            continue
        for line in type_branches(path.read_text()):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], (
        "ask the question's type (a Shape, keeps_answers_of, or a new hook in "
        "survey/questionnaire/types/base.py) instead of comparing its name"
    )


@pytest.mark.parametrize(
    "source",
    [
        'if q.type == "single": pass',
        'if "grid" != question.type: pass',
        'ok = spec.type in ("money", "number")',
        'ok = f.type not in {"group"}',
        'ok = q.type in frozenset({"ranking"})',
        'ok = getattr(q, "type") == "single"',
        'match q.type:\n    case "single":\n        pass',
        "same = before.type == after.type",
    ],
)
def test_the_check_finds_each_spelling(source):
    assert type_branches(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        'draw = chart["type"] == "stacked"',  # a mapping's key, not a question's type
        "column_type = column.type",
    ],
)
def test_the_check_leaves_other_code_alone(source):
    assert type_branches(source) == []


# -- shapes -----------------------------------------------------------------------------------------


def test_each_shape_is_declared_by_the_types_that_have_it():
    shaped = {name: {s.name for s in t.shapes} for name, t in QUESTION_TYPES.items() if t.shapes}
    assert shaped == {
        "single": {"ONE_CODE"},
        "dropdown": {"ONE_CODE"},
        "multiple": {"CODES"},
        "ranking": {"RANKS"},
        "grid": {"GRID"},
        "money_table": {"AMOUNT_TABLE"},
        "group": {"FIELDS"},
    }
    assert not has_shape(None, Shape.ONE_CODE)


MINI = """
id: mini
title: Mini survey
pages:
  - id: p1
    title: About you
    questions:
      - {id: kind, type: %(one)s, text: Kind, options: kinds}
      - {id: likes, type: %(many)s, text: Likes, options: fruit}
      - {id: likes_rank, type: ranking, of: likes, ranks: 2, text: Rank}
option_lists:
  kinds: [{id: a, label: A}, {id: b, label: B}]
  fruit: [{id: apple, label: Apple}, {id: pear, label: Pear}, {id: fig, label: Fig}]
groups:
  question: kind
  types:
    - {id: ta, label: Type A, answers: [a], group: ga}
    - {id: tb, label: Type B, answers: [b], group: gb}
  report_groups: [{id: ga, label: Group A}, {id: gb, label: Group B}]
populations: {ta: {total: 10}, tb: {total: 4}}
settings: {min_authorities: 1}
figures:
  - {id: rates, kind: response_rates, label: Table 1, title: Response}
  - {id: fav, kind: ranking_counts, label: Figure 1, title: Fruit, question: likes,
     ranking: likes_rank}
"""

RESPONSES = [
    RawResponse(1, "submitted", {"kind": "a", "likes": ["fig", "pear"], "likes_rank_1": "fig"}),
    RawResponse(2, "submitted", {"kind": "b", "likes": ["pear"], "likes_rank_1": "pear"}),
]


@pytest.fixture
def new_types(monkeypatch):
    """Two types unknown to scoring and to the loader's checks, of the shapes of a single and
    a multiple choice (registered for this test only)."""
    monkeypatch.setitem(QUESTION_TYPES, "scale", ChoiceType("scale", FIELD_TYPES))
    monkeypatch.setitem(QUESTION_TYPES, "checklist", MultipleType("checklist", FIELD_TYPES))


def _figures(one: str, many: str) -> list[list[list[object]]]:
    report = build_report(
        loads(MINI % {"one": one, "many": many}, "mini.yaml"), responses=RESPONSES
    )
    return [
        [[c["value"] for c in row] for row in report.figure(f)["cells"]] for f in ("rates", "fav")
    ]


def test_a_new_type_of_a_known_shape_works_with_the_scoring_kinds(new_types):
    """The groups question, a ranking's ``of`` and ranking_counts' question take any type of
    their shape: the figures are a single's and a multiple's to the cell."""
    assert _figures("scale", "checklist") == _figures("single", "multiple")
    assert _figures("dropdown", "multiple") == _figures("single", "multiple")


def test_a_question_of_the_wrong_shape_is_refused_naming_what_was_expected():
    wrong = MINI % {"one": "text", "many": "multiple"}
    wrong = wrong.replace("text: Kind, options: kinds", "text: Kind")
    with pytest.raises(ScoringConfigError) as error:
        scoring_config(loads(wrong, "mini.yaml"))
    assert "groups.question: 'kind' is not a single-choice question" in map(
        str, error.value.problems
    )
    ranked_single = MINI % {"one": "single", "many": "single"}
    with pytest.raises(DefinitionError, match="a ranking must rank a multiple-choice question"):
        loads(ranked_single, "mini.yaml")


REPEAT = """
id: r
title: Repeat
pages:
  - id: p0
    title: Start
    questions:
      - {id: name, type: text, text: Name}
  - repeat:
      id: items
      key: item
      max: 3
      another: more
      pages:
        - id: p1
          title: Item
          questions:
            - {id: what, type: text, text: What}
            - {id: more, type: %s, text: "Another?", options: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]}
"""


def test_the_another_question_may_be_of_any_single_choice_shape(new_types):
    for one in ("single", "dropdown", "scale"):
        assert loads(REPEAT % one, "r.yaml").question("more") is not None
    with pytest.raises(DefinitionError, match="'more' must be a single-choice question"):
        loads(REPEAT % "multiple", "r.yaml")


# -- versions ---------------------------------------------------------------------------------------


def _retyped(before: str, after: str) -> tuple[list[str], dict, dict]:
    text = MINI % {"one": "single", "many": "multiple"}
    old_text = text.replace(
        "      - {id: likes_rank",
        f"      - {{id: note, type: {before}, text: Note}}\n      - {{id: likes_rank",
    )
    new_text = old_text.replace(f"{{id: note, type: {before},", f"{{id: note, type: {after},")
    old, new = loads(old_text, "old.yaml"), loads(new_text, "new.yaml")
    answers = {"kind": "a", "note": "Fine"}
    return orphaning_changes(old, new, ["kind", "note"]), *carry_over(old, new, answers)


def test_a_retyped_question_keeps_its_answers_when_its_new_type_reads_them():
    assert _retyped("text", "textarea") == ([], {"kind": "a", "note": "Fine"}, {})
    assert _retyped("email", "textarea") == ([], {"kind": "a", "note": "Fine"}, {})
    messages, kept, dropped = _retyped("textarea", "text")  # a paragraph may hold line breaks
    assert messages == [
        "question 'note' changed type from textarea to text but responses hold answers to it; "
        "give it a new id, or list it under 'retired:'"
    ]
    assert (kept, dropped) == ({"kind": "a"}, {"note": "Fine"})


@pytest.mark.parametrize("before, after, kept", [
    ("single", "dropdown", True),
    ("dropdown", "single", True),
    ("single", "multiple", False),  # a list of ids is not one id
    ("multiple", "single", False),
])  # fmt: skip
def test_a_single_and_a_dropdown_keep_each_others_answers(before, after, kept):
    text = MINI % {"one": before, "many": "multiple"}
    if before == "multiple":
        text = text.replace("  question: kind", "  question: other").replace(
            "      - {id: likes_rank",
            "      - {id: other, type: single, text: O, options: kinds}\n      - {id: likes_rank",
        )
    old = loads(text, "old.yaml")
    new_text = text.replace(f"{{id: kind, type: {before},", f"{{id: kind, type: {after},")
    new = loads(new_text, "new.yaml")
    messages = orphaning_changes(old, new, ["kind"])
    assert (messages == []) is kept
    if not kept:
        assert messages[0].startswith(f"question 'kind' changed type from {before} to {after}")
    answers = {"kind": ["a"] if before == "multiple" else "a"}
    assert carry_over(old, new, answers) == ((answers, {}) if kept else ({}, answers))

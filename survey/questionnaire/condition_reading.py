"""Reading conditions from YAML, and refusing those that could never do what they say.

The grammar (documented in docs/questionnaire-authoring.md, "Conditions"): a leaf has one left
side, ``question: <id or answer key>``, ``count: <multiple choice>`` or ``sum: [keys or
numbers]``, and one operator: ``equals``, ``not_equals``, ``includes``, ``answered``,
``greater_than``, ``less_than``, ``at_least``, ``at_most``, whose value is a constant or another
side (``{question: q4}``, ``{sum: [...]}``, ``{count: q7}``), or a date shifted by ``plus`` or
``minus`` (``{question: q6, plus: {days: 23}}``, ``{date: 2013-04-01, minus: {months: 1}}``,
:mod:`survey.questionnaire.date_offsets`); leaves combine with ``all``,
``any`` and ``not``. Reading builds the plain :class:`~survey.questionnaire.model.Condition`;
what a condition refers to is checked once the whole definition is read
(:func:`check_conditions`), because only then are every question's answer keys known.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from survey.questionnaire.conditions import (
    COMBINATORS,
    COMPARISONS,
    LEAF_OPS,
    LEFT_KINDS,
    ORDERINGS,
    as_date,
    keys_read,
)
from survey.questionnaire.date_offsets import DIRECTIONS, read_offset
from survey.questionnaire.model import (
    Condition,
    DateOffset,
    Operand,
    Option,
    Question,
    QuestionInstance,
    Questionnaire,
)
from survey.questionnaire.types import QUESTION_TYPES
from survey.questionnaire.yaml_lines import Map
from survey.questionnaire.yaml_lines import line as line_of


class Reader(Protocol):
    """What reading a condition needs of the loader (survey.questionnaire.reading.Reader)."""

    order: dict[str, tuple[int, str, str | None]]

    def problem(self, node: Any, path: str, message: str, key: str | None = None) -> None: ...
    def problem_at(self, line: int, path: str, message: str) -> None: ...
    def check_keys(self, node: Any, path: str, allowed: set[str], required: set[str]) -> None: ...


NUMBER_KINDS = {"money", "number", "percentage"}
YAML_BOOLEAN_WORDS = "yes/no, on/off and true/false"


@dataclass(frozen=True)
class Placed:
    """A condition as read, with where it is and what holds it, for :func:`check_conditions`.

    ``index`` is the holder's place in document order (questions are numbered in order; a page's
    ``show_if`` comes before its questions, a page's checks after them), ``page`` the holder's
    page id, and ``holder`` "page", "question" or "check"."""

    condition: Condition
    path: str
    line: int
    index: int
    repeat: str | None
    page: str
    holder: str


def read_condition(v: Reader, raw: Any, path: str, node: Any) -> Condition | None:
    """A condition from its YAML, every problem of its shape recorded on ``v``."""
    if not isinstance(raw, Map):
        v.problem(node, path, "a condition must be a mapping")
        return None
    for combinator in ("all", "any"):
        if combinator in raw:
            v.check_keys(raw, path, {combinator}, set())
            parts = raw[combinator]
            if not isinstance(parts, list) or not parts:
                v.problem(raw, f"{path}.{combinator}", "must be a non-empty list")
                return None
            built = [
                read_condition(v, p, f"{path}.{combinator}[{i}]", raw) for i, p in enumerate(parts)
            ]
            return Condition(combinator, parts=tuple(c for c in built if c))
    if "not" in raw:
        v.check_keys(raw, path, {"not"}, set())
        inner = read_condition(v, raw["not"], f"{path}.not", raw)
        return Condition("not", parts=(inner,)) if inner else None
    v.check_keys(raw, path, {*LEFT_KINDS, *LEAF_OPS}, set())
    lefts = [k for k in LEFT_KINDS if k in raw]
    ops = [op for op in LEAF_OPS if op in raw]
    if len(lefts) != 1:
        v.problem(raw, path, f"give exactly one of {', '.join(LEFT_KINDS)} (or all, any, not)")
        return None
    if len(ops) != 1:
        v.problem(raw, path, f"give exactly one of {', '.join(LEAF_OPS)}")
        return None
    op = ops[0]
    left = _operand(v, {lefts[0]: raw[lefts[0]]}, f"{path}.{lefts[0]}", raw)
    if left is None:
        return None
    value = raw[op]
    if op == "answered":
        if left.kind != "answer":
            v.problem(
                raw, f"{path}.answered", "'answered' applies to a question, not a count or sum"
            )
        if not isinstance(value, bool):
            v.problem(raw, f"{path}.answered", "must be true or false", "answered")
        return Condition(op, question=left.keys[0], value=str(value), left=_unless_simple(left))
    if isinstance(value, Map):
        right = _right_side(v, value, f"{path}.{op}", raw, op)
        if right is None:
            return None
        return Condition(op, question=left.keys[0], left=left, right=right)
    constant = _constant(op, value)
    if left.kind == "answer":  # the first grammar's shape: {question: q2, equals: district}
        return Condition(op, question=left.keys[0], value=constant)
    return Condition(op, left=left, right=Operand("constant", value=constant))


def _unless_simple(left: Operand) -> Operand | None:
    return None if left.kind == "answer" else left


def _constant(op: str, value: Any) -> Any:
    """A constant as compared: text for matching option ids (booleans included, so that the
    check can say to quote them), a number or an ISO date for ordering."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if op in ORDERINGS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return _Boolean(value)
    return None if value is None else str(value)


class _Boolean(str):
    """An option id YAML read as a boolean (``equals: yes``): compared as the text "True", as
    before, and flagged by :func:`check_conditions` so the author is told to quote it."""

    __slots__ = ()

    def __new__(cls, value: bool) -> _Boolean:
        return super().__new__(cls, str(value))


def _right_side(v: Reader, raw: Map, path: str, node: Any, op: str) -> Operand | None:
    """The value side: another side, or a date (``{date: 2013-04-01}``), either of them shifted
    by ``plus`` or ``minus`` (:mod:`survey.questionnaire.date_offsets`)."""
    if not any(d in raw for d in DIRECTIONS):
        if "date" in raw:
            v.problem(raw, path, "date: goes with plus or minus; write a constant date as it is "
                      f"({op}: 2013-04-01)")  # fmt: skip
            return None
        return _operand(v, raw, path, node)
    if op not in COMPARISONS:
        v.problem(raw, path, f"plus and minus shift a date compared by {', '.join(COMPARISONS)}, "
                  f"not by {op}")  # fmt: skip
        return None
    offset = read_offset(raw, path, raw, v.problem)
    base = {k: x for k, x in raw.items() if k not in DIRECTIONS}
    if "date" in base:
        return _shifted_date(v, base, path, raw, offset)
    side = _operand(v, base, path, node)
    if side is None or offset is None:
        return None
    if side.kind != "answer":
        v.problem(raw, path, f"plus and minus shift a date; a {side.kind} is a number")
        return None
    return replace(side, offset=offset)


def _shifted_date(
    v: Reader, base: dict, path: str, node: Any, offset: DateOffset | None
) -> Operand | None:
    """``{date: 2013-04-01, plus: {...}}``: a constant date, shifted."""
    value = base["date"]
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if len(base) != 1 or as_date(text) is None:
        v.problem(node, f"{path}.date", "give one date, written YYYY-MM-DD, beside plus or minus")
        return None
    return None if offset is None else Operand("constant", value=text, offset=offset)


def _operand(v: Reader, raw: Mapping[str, Any], path: str, node: Any) -> Operand | None:
    """One side: ``{question: key}``, ``{count: question}`` or ``{sum: [keys or numbers]}``."""
    kinds = [k for k in LEFT_KINDS if k in raw]
    unknown = [k for k in raw if k not in LEFT_KINDS and k != "__duplicate_keys__"]
    if len(kinds) != 1 or unknown:
        v.problem(node, path, f"compare with a constant or with one of {', '.join(LEFT_KINDS)}")
        return None
    kind = kinds[0]
    value = raw[kind]
    if kind == "sum":
        if not isinstance(value, list) or not value:
            v.problem(node, path, "a sum is a non-empty list of answer keys and numbers")
            return None
        keys = tuple(str(t) for t in value if isinstance(t, str))
        numbers = [t for t in value if isinstance(t, (int, float)) and not isinstance(t, bool)]
        if len(keys) + len(numbers) != len(value) or not keys:
            v.problem(node, path, "a sum is a list of answer keys (at least one) and numbers")
            return None
        return Operand("sum", keys, sum(numbers))
    if not isinstance(value, str) or not value:
        v.problem(node, path, f"'{kind}' names a question (or an answer key)")
        return None
    return Operand("answer" if kind == "question" else "count", (value,))


# -- what a condition refers to ---------------------------------------------------------------------


def check_conditions(v: Reader, questionnaire: Questionnaire, placed: list[Placed]) -> None:
    """Refuse conditions that can never hold, or never do what they say (problems go on ``v``)."""
    kinds = answer_kinds(questionnaire)
    options = answer_options(questionnaire)
    for p in placed:
        _check(v, questionnaire, kinds, options, p, p.condition)


def answer_kinds(questionnaire: Questionnaire) -> dict[str, tuple[Question, str]]:
    """Every declared answer key -> its question and what it stores (money, date, choices, ...)."""
    out: dict[str, tuple[Question, str]] = {}
    for q in questionnaire.questions():
        qtype = QUESTION_TYPES.get(q.type)  # an unknown type is reported by the loader
        if qtype is None:
            continue
        try:
            stored = qtype.stored_kinds(questionnaire, QuestionInstance(q))
        except (KeyError, ValueError, TypeError):  # a question refused for other reasons
            stored = {}
        for key, kind in stored.items():
            out[key] = (q, kind)
        out.setdefault(q.id, (q, "answer"))
    return out


def answer_options(questionnaire: Questionnaire) -> dict[str, tuple[Option, ...]]:
    """Every choice key -> the options whose ids it stores (a follow-up's own, a grid's columns)."""
    out: dict[str, tuple[Option, ...]] = {}
    for q in questionnaire.questions():
        qtype = QUESTION_TYPES.get(q.type)
        if qtype is None:
            continue
        try:
            out.update(qtype.answer_options(questionnaire, QuestionInstance(q)))
        except (KeyError, ValueError, TypeError):  # a question refused for other reasons
            continue
    return out


def _check(
    v: Reader, qn: Questionnaire, kinds: dict, options: dict, p: Placed, c: Condition
) -> None:
    if c.op in COMBINATORS:
        for part in c.parts:
            _check(v, qn, kinds, options, p, part)
        return
    for key in keys_read(c):
        _check_reference(v, qn, kinds, p, key)
    left = c.left or Operand("answer", (c.question or "",))
    right = c.right or Operand("constant", value=c.value)
    target = kinds.get(left.keys[0]) if left.kind == "answer" else None
    if isinstance(right.value, _Boolean) and right.kind == "constant":
        word = "yes" if right.value == "True" else "no"
        _say(v, p, f"YAML reads {YAML_BOOLEAN_WORDS} as true or false, not as an option id: "
             f"quote it ({c.op}: \"{word}\")")  # fmt: skip
        return
    if c.op in ("equals", "not_equals", "includes") and target is not None:
        _check_choice(v, p, c, target, right, options.get(left.keys[0], ()))
    if c.op in ORDERINGS or left.kind != "answer" or right.kind != "constant" or right.offset:
        _check_ordering(v, p, c, kinds, left, right)


def _check_reference(v: Reader, qn: Questionnaire, kinds: dict, p: Placed, key: str) -> None:
    if key not in kinds:
        close = difflib.get_close_matches(key, list(kinds), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        _say(v, p, f"refers to '{key}', which is neither a question nor an answer key{hint}")
        return
    question = kinds[key][0]
    index, _, repeat = v.order.get(question.id, (0, "", None))
    holder_page = qn.page_of(question.id)
    if index >= p.index:
        _say(v, p, f"refers to question '{question.id}', which does not come before it "
             "(a question can only depend on earlier answers; this would be a cycle)")  # fmt: skip
    elif p.holder != "check" and holder_page is not None and holder_page.id == p.page:
        _say(v, p, f"refers to '{key}' on the same page, which is not answered yet when the "
             "page is shown: put the question on a later page, or reveal it under the option (follow_up)")  # fmt: skip
    if repeat is not None and repeat != p.repeat:
        _say(v, p, f"refers to question '{question.id}' inside repeat '{repeat}' from outside it")


def _check_choice(
    v: Reader, p: Placed, c: Condition, target: tuple, right: Operand, offered: tuple
) -> None:
    question, kind = target
    if kind == "choices" and c.op != "includes":
        _say(v, p, f"'{question.id}' is a multiple choice, whose answer is a list: "
             f"use includes (or count) rather than {c.op}")  # fmt: skip
        return
    if kind != "choices" and c.op == "includes" and right.kind == "constant":
        _say(
            v, p, f"includes applies to a multiple choice; '{question.id}' is not one (use equals)"
        )
        return
    if right.kind != "constant" or not offered or kind not in ("choice", "choices"):
        return
    if right.value not in {o.id for o in offered}:
        known = ", ".join(o.id for o in offered)
        name = c.question or question.id
        _say(v, p, f"'{right.value}' is not an option of '{name}' (its options: {known}), "
             "so this can never hold")  # fmt: skip


def _check_ordering(
    v: Reader, p: Placed, c: Condition, kinds: dict, left: Operand, right: Operand
) -> None:
    """Both sides of a comparison must be numbers, or both dates; a count counts choices."""
    sides = [_side_kind(v, p, kinds, side) for side in (left, right)]
    if None in sides:
        return
    if c.op in ORDERINGS and "text" in sides:
        _say(v, p, f"{c.op} compares numbers or dates; this compares {sides[0]} with {sides[1]}")
    elif "text" not in sides and sides[0] != sides[1]:
        _say(
            v, p, f"{c.op} compares {sides[0]} with {sides[1]}, which can never be equal or ordered"
        )


def _side_kind(v: Reader, p: Placed, kinds: dict, side: Operand) -> str | None:
    """ "number", "date" or "text" (None once a problem has been said)."""
    if side.kind == "constant":
        value = side.value
        if isinstance(value, (int, float)):
            return "number"
        text = str(value)
        if as_date(text) is not None:
            return "date"
        try:
            float(text)
            return "number"
        except ValueError:
            return "text"
    stored = [kinds[k][1] for k in side.keys if k in kinds]
    if len(stored) != len(side.keys):
        return None  # an unknown key, already reported
    if side.kind == "count":
        if stored[0] != "choices":
            _say(
                v,
                p,
                f"count counts the options chosen at a multiple choice; '{side.keys[0]}' is not one",
            )
            return None
        return "number"
    if side.kind == "sum":
        bad = [k for k, s in zip(side.keys, stored, strict=True) if s not in NUMBER_KINDS]
        if bad:
            _say(
                v,
                p,
                f"a sum adds numbers, and '{bad[0]}' is not a number, percentage or money answer",
            )
            return None
        return "number"
    if side.offset is not None and stored[0] != "date":
        _say(v, p, f"plus and minus shift a date; '{side.keys[0]}' is not a date answer")
        return None
    if stored[0] in NUMBER_KINDS:
        return "number"
    return "date" if stored[0] == "date" else "text"


def _say(v: Reader, p: Placed, message: str) -> None:
    v.problem_at(p.line, p.path, message)


def placed(condition: Condition, path: str, node: Any, index: int, repeat: str | None,
           page: str, holder: str) -> Placed:  # fmt: skip
    return Placed(condition, path, line_of(node), index, repeat, page, holder)

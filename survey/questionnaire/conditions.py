"""The one evaluator of conditions: routing, ``show_if`` of pages and questions, and page checks.

A condition is plain data (:class:`survey.questionnaire.model.Condition`), read once by the
loader (:mod:`survey.questionnaire.condition_reading`); nothing is ever passed to ``eval``. A
comparison has two sides (:class:`~survey.questionnaire.model.Operand`): an answer, the number of
options chosen, a sum of answers, or a constant. Numbers compare as numbers, dates as dates
(answers are stored as ``YYYY-MM-DD``, month-year ones as ``YYYY-MM``: their first day), anything else as text, so ``equals`` keeps the
behaviour of the first grammar (``{question: q2, equals: district}``). A comparison with a side
that is not answered does not hold (``not_equals`` and ``answered: false`` excepted), so an
unanswered question never opens a page by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from survey.questionnaire.date_offsets import comparison_words, offset_data, shift
from survey.questionnaire.model import Condition, Operand

Answers = Mapping[str, Any]
Resolve = Callable[[str], str]  # an answer key as declared -> as stored in this repeat instance

# the comparisons, by the name an author writes
ORDERINGS = ("greater_than", "less_than", "at_least", "at_most")
COMPARISONS = ("equals", "not_equals", *ORDERINGS)
LEAF_OPS = (*COMPARISONS, "includes", "answered")
LEFT_KINDS = ("question", "count", "sum")  # the left side: an answer, a count or a sum
COMBINATORS = ("all", "any", "not")

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def holds(condition: Condition | None, answers: Answers, resolve: Resolve | None = None) -> bool:
    """Whether the condition holds on these answers; no condition always holds."""
    if condition is None:
        return True
    resolve = resolve or _same_key
    op = condition.op
    if op == "all":
        return all(holds(c, answers, resolve) for c in condition.parts)
    if op == "any":
        return any(holds(c, answers, resolve) for c in condition.parts)
    if op == "not":
        return not holds(condition.parts[0], answers, resolve)
    left = value_of(_left(condition), answers, resolve)
    if op == "answered":
        wanted = str(condition.value).lower() in ("true", "yes", "1")
        return answered(left) == wanted
    right = value_of(_right(condition), answers, resolve)
    if op == "includes":
        return isinstance(left, list) and right is not None and str(right) in map(str, left)
    if op == "equals":
        return left is not None and right is not None and same(left, right)
    if op == "not_equals":
        return left is None or right is None or not same(left, right)
    return _ordered(op, left, right)


def ready(condition: Condition | None, answers: Answers, resolve: Resolve | None = None) -> bool:
    """Whether every side the condition compares is answered: a check runs only then, so a
    page is never refused for what the respondent has not reached yet."""
    if condition is None:
        return True
    resolve = resolve or _same_key
    if condition.op in ("all", "any", "not"):
        return all(ready(c, answers, resolve) for c in condition.parts)
    if condition.op == "answered":
        return True
    sides = (_left(condition), _right(condition))
    return all(value_of(side, answers, resolve) is not None for side in sides)


def answered(value: Any) -> bool:
    return value not in (None, "", [])


def value_of(operand: Operand, answers: Answers, resolve: Resolve) -> Any:
    """What one side of a comparison stands for on these answers (None: not answered); a side
    with an offset is the date it names, shifted (None when it is no date)."""
    value = _base_value(operand, answers, resolve)
    if operand.offset is None or value is None:
        return value
    date = value if isinstance(value, dt.date) else as_date(str(value))
    return None if date is None else shift(date, operand.offset)


def _base_value(operand: Operand, answers: Answers, resolve: Resolve) -> Any:
    if operand.kind == "constant":
        return operand.value
    if operand.kind == "answer":
        value = answers.get(resolve(operand.keys[0]))
        return value if answered(value) else None
    if operand.kind == "count":
        value = answers.get(resolve(operand.keys[0]))
        return len(value) if isinstance(value, list) else 0
    numbers = [_number(answers.get(resolve(k))) for k in operand.keys]
    given = [n for n in numbers if n is not None]
    if not given:  # a sum of nothing answered is not answered (a constant alone is no sum)
        return None
    return sum(given) + (operand.value or 0)


def same(left: Any, right: Any) -> bool:
    """Equal as the author means it: as numbers when both are numbers, as dates when both are
    dates, otherwise as text (an option id, "yes")."""
    a, b = comparable(left), comparable(right)
    if a is not None and b is not None and type(a) is type(b):
        return a == b
    return str(left) == str(right)


def comparable(value: Any) -> float | dt.date | None:
    """A number or a date to order by, or None when the value is neither."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return as_date(value)
    return None


def as_date(text: str) -> dt.date | None:
    """A date answer (``2013-04-01``) or a month-year one (``2013-04``, its first day)."""
    match = _ISO_DATE.match(text.strip())
    if not match:
        return None
    try:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        return dt.date(year, month, day)
    except ValueError:
        return None


def _ordered(op: str, left: Any, right: Any) -> bool:
    a, b = comparable(left), comparable(right)
    if a is None or b is None or type(a) is not type(b):
        return False
    if op == "greater_than":
        return a > b  # type: ignore[operator]
    if op == "less_than":
        return a < b  # type: ignore[operator]
    if op == "at_least":
        return a >= b  # type: ignore[operator]
    if op == "at_most":
        return a <= b  # type: ignore[operator]
    raise ValueError(f"unknown comparison {op!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    try:  # a Decimal (money with pence) or another numeric type
        return float(value) if hasattr(value, "as_integer_ratio") else None
    except (TypeError, ValueError):
        return None


def _left(condition: Condition) -> Operand:
    if condition.left is not None:
        return condition.left
    return Operand("answer", (condition.question or "",))


def _right(condition: Condition) -> Operand:
    if condition.right is not None:
        return condition.right
    return Operand("constant", value=condition.value)


def _same_key(key: str) -> str:
    return key


def keys_read(condition: Condition | None) -> list[str]:
    """The answer keys a condition reads, in the order written (for a check's message)."""
    if condition is None:
        return []
    out: list[str] = []
    for part in condition.parts:
        out += [k for k in keys_read(part) if k not in out]
    for side in (condition.left, condition.right):
        if side is not None:
            out += [k for k in side.keys if k not in out]
    if condition.left is None and condition.question and condition.question not in out:
        out.append(condition.question)
    return out


def as_data(c: Condition | None) -> Any:
    """The condition as the YAML that means it (``survey describe``): the same grammar back."""
    if c is None:
        return None
    if c.op in ("all", "any"):
        return {c.op: [as_data(p) for p in c.parts]}
    if c.op == "not":
        return {"not": as_data(c.parts[0])}
    left = _left(c)
    out: dict[str, Any] = _operand_data(left, top=True)
    right = c.right
    out[c.op] = c.value if right is None else _operand_data(right, top=False)
    return out


def _operand_data(o: Operand, top: bool) -> Any:
    if o.offset is not None:
        plain = Operand(o.kind, o.keys, o.value)
        base = {"date": o.value} if o.kind == "constant" else _operand_data(plain, top=False)
        return {**base, **offset_data(o.offset)}
    if o.kind == "constant":
        return o.value
    if o.kind == "answer":
        return {"question": o.keys[0]}
    if o.kind == "count":
        return {"count": o.keys[0]}
    terms: list[Any] = list(o.keys) + ([o.value] if o.value else [])
    return {"sum": terms}


def in_words(c: Condition | None, name: Callable[[str], str] = str) -> str:
    """The condition as a sentence fragment, for ``survey describe`` and the printed form:
    ``name`` says how to call an answer key ("question 3")."""
    if c is None:
        return "always"
    if c.op in ("all", "any"):
        joiner = " and " if c.op == "all" else " or "
        return "(" + joiner.join(in_words(p, name) for p in c.parts) + ")"
    if c.op == "not":
        return f"not {in_words(c.parts[0], name)}"
    left = _operand_words(_left(c), name)
    if c.op == "answered":
        wanted = str(c.value).lower() in ("true", "yes", "1")
        return f"{left} is {'answered' if wanted else 'not answered'}"
    right_side = _right(c)
    right = _operand_words(right_side, name)
    if right_side.offset is not None:
        return f"{left} {comparison_words(c.op, right_side.offset)} {right}"
    verb = {
        "equals": "is",
        "not_equals": "is not",
        "includes": "includes",
        "greater_than": "is more than",
        "less_than": "is less than",
        "at_least": "is at least",
        "at_most": "is at most",
    }[c.op]
    return f"{left} {verb} {right}"


def _operand_words(o: Operand, name: Callable[[str], str]) -> str:
    if o.kind == "constant":
        return f"“{o.value}”" if isinstance(o.value, str) else _number_words(o.value)
    if o.kind == "answer":
        return f"the answer to {name(o.keys[0])}"
    if o.kind == "count":
        return f"the number of options chosen at {name(o.keys[0])}"
    terms = [name(k) for k in o.keys] + ([_number_words(o.value)] if o.value else [])
    return "the sum of " + ", ".join(terms)


def _number_words(value: Any) -> str:
    """1000000 as written, 2.5 as 2.5 (never 1e+06)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)

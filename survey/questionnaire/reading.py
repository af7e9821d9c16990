"""Reading a definition's values and recording its problems: the base of the loader.

Every problem names the file, the line (kept by :mod:`survey.questionnaire.yaml_lines`) and the
path inside the document (``pages[3].questions[1].options``), so an author can fix a definition
in one pass. References between questions and page checks' keys are collected here and resolved
once the whole document is read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, replace
from typing import Any

from survey.questionnaire.condition_reading import Placed, placed, read_condition
from survey.questionnaire.conditions import keys_read
from survey.questionnaire.model import Check, Condition, GroupField, Option, Question
from survey.questionnaire.types import QUESTION_TYPES
from survey.questionnaire.types.base import QuestionType, Shape
from survey.questionnaire.yaml_lines import Map
from survey.questionnaire.yaml_lines import line as line_of

BOOLEAN_WORDS = "yes, no, on, off, true or false"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
OPTION_KEYS = {"id", "label", "specify", "missing", "hint", "exclusive", "follow_up", "asterisk"}


def unknown_key(key: str, allowed: set[str]) -> str:
    """The message for a key that is not allowed here: the closest allowed key ("did you
    mean"), and every allowed key, so an author never has to look them up."""
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; allowed here: {', '.join(sorted(allowed))}"


class _UnknownType(QuestionType):
    """The type of a question whose ``type:`` is unknown while the loader reads on (the problem is
    reported and the definition refused): the base hooks' defaults, one answer key, and nothing to
    check, read back or download, since no response is ever answered against it."""

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        """Nothing is posted to a refused definition."""

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        return []

    def variables(self, questionnaire, qi, var) -> list:
        return []


_UNKNOWN = _UnknownType("")


def type_of(name: str) -> QuestionType:
    """The type named ``name``, or one with the base hooks' defaults when it is unknown."""
    return QUESTION_TYPES.get(name, _UNKNOWN)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DefinitionError(Exception):
    """A definition was refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Reader:
    """The loader's reading primitives and its record of problems and pending references.

    It also implements what a question type's ``parse`` hook may ask
    (:class:`survey.questionnaire.types.base.Validator`)."""

    def __init__(self, filename: str):
        self.file = filename
        self.problems: list[Problem] = []
        self.option_lists: dict[str, tuple[Option, ...]] = {}
        self.seen_question_ids: dict[str, str] = {}
        self.seen_page_ids: dict[str, str] = {}
        # question id -> (order index, type, repeat id) in document order, for back-references
        self.order: dict[str, tuple[int, str, str | None]] = {}
        self.question_options: dict[str, tuple[Option, ...]] = {}
        self.pending_refs: list[tuple[str, str, int, int, str | None, str]] = []
        self.numeric_keys: dict[str, str] = {}  # answer key (without instance) -> type
        self.pending_ranks: list[tuple[str, int, str, int]] = []  # of, ranks, path, line
        self.labels: dict[str, str] | None = None  # the question being read's option_labels
        self.where: tuple[int, str | None] = (0, None)  # its order index and repeat
        self.conditions: list[Placed] = []  # every condition read, checked at the end
        self.current_page = ""  # the id of the page being read, and its show_if's index
        self.page_start = -1
        self.check_index = 0  # the order index of the page's checks: after its questions

    # -- reporting ------------------------------------------------------------------------------
    def problem(self, node: Any, path: str, message: str, key: str | None = None) -> None:
        self.problems.append(Problem(self.file, line_of(node, key), path, message))

    def problem_at(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, path, message))

    def check_keys(self, node: Map, path: str, allowed: set[str], required: set[str]) -> None:
        for key, line in node.get("__duplicate_keys__", []):
            self.problems.append(Problem(self.file, line, f"{path}.{key}", "duplicate key"))
        for key in node:
            if key == "__duplicate_keys__":
                continue
            if key not in allowed:
                self.problem(node, f"{path}.{key}", unknown_key(str(key), allowed), key)
        for key in sorted(required - set(node)):
            self.problem(node, path, f"missing '{key}'")

    def text(self, node: Map, key: str, path: str, required: bool = False) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node, path, f"missing '{key}'")
            return None
        if isinstance(value, bool):
            self.problem(node, f"{path}.{key}", f"must be text (YAML reads an unquoted "
                         f"{BOOLEAN_WORDS} as {str(value).lower()}: quote it)", key)  # fmt: skip
            return None
        if not isinstance(value, (str, int, float)):
            self.problem(node, f"{path}.{key}", "must be text", key)
            return None
        value = str(value).strip()
        if "\x00" in value:  # (a YAML "\0" escape): no database text column holds one
            where = f"{path}.{key}" if path else key
            self.problem(node, where, "must not contain a NUL character (\\0)", key)
            return None
        if required and not value:
            self.problem(node, f"{path}.{key}", "must not be empty", key)
        return value

    def slug(self, node: Map, key: str, path: str, pattern: re.Pattern = SLUG) -> str:
        value = node.get(key)
        if value is None:
            self.problem(node, path, f"missing '{key}'")
            return ""
        if isinstance(value, bool):
            self.problem(node, f"{path}.{key}", f"YAML reads an unquoted {BOOLEAN_WORDS} as "
                         f"{str(value).lower()}, not as an id: quote it ({key}: \"yes\")", key)  # fmt: skip
            return str(value)
        value = str(value)
        if not pattern.fullmatch(value):  # (``$`` alone would let a final newline through)
            self.problem(
                node,
                f"{path}.{key}",
                f"'{value}' is not a valid id (lower case letters, digits and _)",
                key,
            )
        return value

    def flag(self, node: Map, key: str, path: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            self.problem(node, f"{path}.{key}", "must be true or false", key)
            return False
        return value

    def integer(
        self, node: Map, key: str, path: str, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(
                node, f"{path}.{key}", f"must be a whole number of at least {minimum}", key
            )
            return None
        if maximum is not None and value > maximum:
            self.problem(node, f"{path}.{key}", f"must be {maximum:,} or less", key)
            return None
        return value

    def date(self, node: Map, key: str) -> dt.date | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(node, key, f"'{value}' is not a date (use YYYY-MM-DD)", key)
            return None

    # -- option lists -----------------------------------------------------------------------------
    def options(self, raw: Any, path: str, node: Any) -> tuple[Option, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem(node, path, "must be a non-empty list of options")
            return ()
        out: list[Option] = []
        ids: set[str] = set()
        for i, item in enumerate(raw):
            p = f"{path}[{i}]"
            if not isinstance(item, Map):
                self.problem(raw, p, "an option must be a mapping with 'id' and 'label'")
                continue
            self.check_keys(item, p, OPTION_KEYS, {"id"})
            oid = self.slug(item, "id", p) if "id" in item else ""
            label = self.text(item, "label", p, required=True)
            if oid in ids:
                self.problem(item, f"{p}.id", f"duplicate option id '{oid}'", "id")
            ids.add(oid)
            out.append(
                Option(
                    id=oid,
                    label=label or "",
                    specify=self.flag(item, "specify", p),
                    missing=self.flag(item, "missing", p),
                    hint=self.text(item, "hint", p),
                    exclusive=self.flag(item, "exclusive", p),
                    follow_up=self.follow_up(item, p),
                    asterisk=self.flag(item, "asterisk", p),
                )
            )
        return tuple(out)

    def follow_up(self, item: Map, path: str) -> tuple[GroupField, ...]:
        """An option's follow-up fields (one mapping or a list), read as a group's fields are."""
        raw = item.get("follow_up")
        if raw is None:
            return ()
        listed = raw if isinstance(raw, list) else [raw]
        group = QUESTION_TYPES["group"]
        out: list[GroupField] = []
        ids: set[str] = set()
        for i, field in enumerate(listed):
            p = f"{path}.follow_up" + (f"[{i}]" if isinstance(raw, list) else "")
            if not isinstance(field, Map):
                self.problem(item, p, "a follow-up must be a mapping with id, type and text")
                continue
            built = group.parse_field(self, field, p, ids)  # type: ignore[attr-defined]
            if built is not None:
                out.append(built)
        return tuple(out)

    def option_ref(
        self, node: Map, key: str, path: str, labels: dict[str, str] | None = None
    ) -> tuple[tuple[Option, ...], str | None]:
        """Resolve ``options: list_name`` (or an inline list) and apply per-question labels."""
        raw = node.get(key)
        name = None
        if isinstance(raw, str):
            name = raw
            if raw not in self.option_lists:
                known = ", ".join(sorted(self.option_lists)) or "none declared"
                self.problem(
                    node, f"{path}.{key}", f"unknown option list '{raw}' (known: {known})", key
                )
                return (), name
            options = self.option_lists[raw]
        elif raw is None:
            self.problem(node, path, f"missing '{key}'")
            return (), None
        else:
            options = self.options(raw, f"{path}.{key}", node)
        if labels:
            ids = {o.id for o in options}
            for oid in labels:
                if oid not in ids:
                    self.problem(
                        node, f"{path}.option_labels.{oid}", f"no option '{oid}' to relabel"
                    )
            options = tuple(replace(o, label=str(labels.get(o.id, o.label))) for o in options)
        return options, name

    # -- conditions -------------------------------------------------------------------------------
    def condition(
        self, raw: Any, path: str, node: Any, index: int, repeat: str | None, holder: str = ""
    ) -> Condition | None:
        """A ``show_if`` (or a check's condition), read now and checked once the whole document
        is read (:func:`survey.questionnaire.condition_reading.check_conditions`)."""
        condition = read_condition(self, raw, path, node)
        if condition is not None:
            where = holder or ("page" if index == self.page_start else "question")
            self.conditions.append(
                placed(
                    condition,
                    path,
                    raw if isinstance(raw, Map) else node,
                    index,
                    repeat,
                    self.current_page,
                    where,
                )  # fmt: skip
            )
        return condition

    # -- what the question types ask of the document ----------------------------------------------
    def refer(self, question_id: str, path: str, line: int, kind: str) -> None:
        """A reference to another question, checked once the whole document is read: it must
        come earlier, and (for ``kind`` ranking) be a multiple choice."""
        index, repeat = self.where
        self.pending_refs.append((question_id, path, line, index, repeat, kind))

    def limit_ranks(self, question_id: str, ranks: int, path: str, line: int) -> None:
        """A ranking ranks at most the options of the question it ranks (checked at the end)."""
        self.pending_ranks.append((question_id, ranks, path, line))

    CHECK_KEYS = {
        "sum_equals": ({"keys", "total"}, {"tolerance"}),
        "percent_of": ({"percent", "of", "equals"}, {"tolerance_percent"}),
        "condition": ({"condition"}, {"when"}),
    }

    def checks(
        self, raw: Map, path: str, questions: list[Question], repeat: str | None
    ) -> tuple[Check, ...]:
        """Page checks: their keys must be numeric answers of this page or an earlier one."""
        items = raw.get("checks") or []
        if not isinstance(items, list):
            self.problem(raw, f"{path}.checks", "must be a list")
            return ()
        numeric = dict(self.numeric_keys)
        for q in questions:
            numeric.update(type_of(q.type).numeric_keys(q))
        self.numeric_keys.update(numeric)
        out = []
        for i, item in enumerate(items):
            p = f"{path}.checks[{i}]"
            if not isinstance(item, Map):
                self.problem(items, p, "a check must be a mapping")
                continue
            kind = str(item.get("kind", ""))
            if kind not in self.CHECK_KEYS:
                self.problem(item, f"{p}.kind", f"unknown check kind '{kind}' (known: "
                             f"{', '.join(self.CHECK_KEYS)})", "kind")  # fmt: skip
                continue
            required, optional = self.CHECK_KEYS[kind]
            self.check_keys(item, p, {"id", "kind", "message", "level"} | required | optional,
                            {"id", "kind", "message"} | required)  # fmt: skip
            level = str(item.get("level", "error"))
            if level not in ("error", "warning"):
                self.problem(item, f"{p}.level", "must be error or warning", "level")
            if kind == "condition":
                built = self.condition_check(item, p, repeat, level)
                if built is not None:
                    out.append(built)
                continue
            keys = item.get("keys") or []
            referenced = [str(k) for k in keys] if isinstance(keys, list) else []
            referenced += [str(item[k]) for k in ("percent", "of", "equals") if k in item]
            for key in referenced:
                if key not in numeric:
                    self.problem(item, p, f"'{key}' is not the answer key of a number, "
                                 "percentage or money question on this page or before")  # fmt: skip
            number = {}
            for key in ("total", "tolerance", "tolerance_percent"):
                value = item.get(key, 0)
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    self.problem(item, f"{p}.{key}", "must be a number", key)
                    value = 0
                number[key] = value
            out.append(
                Check(
                    id=self.slug(item, "id", p),
                    kind=kind,
                    message=self.text(item, "message", p, required=True) or "",
                    level=level,
                    keys=tuple(str(k) for k in keys) if isinstance(keys, list) else (),
                    percent=item.get("percent"),
                    of=item.get("of"),
                    equals=item.get("equals"),
                    **number,
                )
            )
        return tuple(out)

    def condition_check(self, item: Map, p: str, repeat: str | None, level: str) -> Check | None:
        """A check whose rule is a condition (the ``show_if`` grammar) that must hold."""
        condition = self.condition(item["condition"], f"{p}.condition", item, self.check_index,
                                   repeat, holder="check")  # fmt: skip
        when = None
        if "when" in item:
            when = self.condition(item["when"], f"{p}.when", item, self.check_index, repeat,
                                  holder="check")  # fmt: skip
        if condition is None:
            return None
        return Check(
            id=self.slug(item, "id", p),
            kind="condition",
            message=self.text(item, "message", p, required=True) or "",
            level=level,
            keys=tuple(keys_read(condition)),
            condition=condition,
            when=when,
        )

    # -- cross references -------------------------------------------------------------------------
    def resolve_references(self) -> None:
        for qid, path, line, index, repeat, kind in self.pending_refs:
            target = self.order.get(qid)
            if target is None:
                self.problems.append(
                    Problem(
                        self.file, line, path, f"refers to question '{qid}', which does not exist"
                    )
                )
                continue
            t_index, t_type, t_repeat = target
            if t_index >= index:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"refers to question '{qid}', which does not come before it "
                        "(a question can only depend on earlier answers; this would be a cycle)",
                    )
                )
            if t_repeat is not None and t_repeat != repeat:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"refers to question '{qid}' inside repeat '{t_repeat}' from outside it",
                    )
                )
            if kind == "ranking" and Shape.CODES not in type_of(t_type).shapes:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"a ranking must rank a multiple-choice question; '{qid}' is {t_type}",
                    )
                )
        for of, ranks, path, line in self.pending_ranks:
            choices = len(self.question_options.get(of, ()))
            if Shape.CODES in type_of(self.order.get(of, (0, ""))[1]).shapes and ranks > choices:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"ranks {ranks:,} of {choices} options: a ranking can rank at most the "
                        f"options of '{of}'",
                    )
                )

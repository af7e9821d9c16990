"""Load a questionnaire YAML file into :mod:`survey.questionnaire.model` objects, validating it on the way.

Validation collects *every* problem before giving up, each naming the file, the line and the path
inside the document (``pages[3].questions[1].options``), so an author can fix a definition in one
pass. The YAML is read with a safe loader that remembers the line of every mapping key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from survey.questionnaire.model import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    GROUP_FIELD_TYPES,
    NUMBER_TYPES,
    QUESTION_TYPES,
    Check,
    Column,
    Condition,
    GroupField,
    Option,
    Page,
    Question,
    Questionnaire,
    Repeat,
    Section,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
SECTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
CONDITION_OPS = ("equals", "not_equals", "includes", "answered")


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


class _Map(dict):
    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    line: int = 0
    item_lines: list[int]


# Bounds on what a definition may cost to read. Appendix A is 48 KB and 2,280 YAML values; a
# 314-byte file of nested aliases ("billion laughs") expanded to 387 million values and took
# 1 GB and 20 s before these bounds.
MAX_DEFINITION_CHARS = 1_000_000
MAX_EXPANDED_VALUES = 100_000
# Every text answer is bounded: an author may lower a question's limit or raise it this far
# (the defaults are survey.questionnaire.model.DEFAULT_MAX_LENGTH: text 200, textarea 5,000 characters).
MAX_TEXT_LENGTH = 10_000
# Bounds on what a definition may ask, so that no definition (typed, or imported with responses)
# costs more than a moment to validate, route, export or chart. Each is checked from counts before
# anything of that size is built. Appendix A asks 44 questions (3 examples) and 314 answer keys;
# before these bounds a repeat of `max: 200000` (one 50 KB file) took 51 s and 1.5 GB to import,
# and `ranks: 30000000` 13 s and 2.2 GB to check.
MAX_REPEAT = 50  # a repeat's `max`
MAX_RANKS = 50  # a ranking's `ranks` (and never more than the options it ranks from)
MAX_QUESTION_INSTANCES = 2_000  # questions asked, each repeat counted `max` times
MAX_ANSWER_KEYS = 20_000  # answer keys (export columns), each repeat counted `max` times


class _Expansion(yaml.YAMLError):
    """The document refers to itself, or its aliases expand it past ``MAX_EXPANDED_VALUES``."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences remember their line numbers (1-based), and
    which refuses a document whose aliases would expand it beyond reason before building it."""

    def compose_document(self):
        node = super().compose_document()
        _check_expansion(node)
        return node


def _check_expansion(root: yaml.Node) -> None:
    """Count the values the document holds once every alias is expanded, without expanding it:
    an aliased node is one object shared by every alias, so its size is worked out once. A node
    inside itself (``&a [*a]``) is refused too: nothing could ever walk it to the end."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            on_path.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_VALUES:
                raise _Expansion(
                    node.start_mark.line + 1,
                    f"the aliases (*name) here expand the document to more than "
                    f"{MAX_EXPANDED_VALUES:,} values; write the values out instead",
                )
            continue
        if id(node) in on_path:
            raise _Expansion(node.start_mark.line + 1, "an alias (*name) refers to itself")
        on_path.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise _Expansion(child.start_mark.line + 1, "an alias (*name) refers to itself")
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    mapping = _Map()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in mapping:
            # Duplicate keys are silently last-wins in PyYAML; an author never means that.
            mapping.setdefault("__duplicate_keys__", []).append((key, key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    seq = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    seq.line = node.start_mark.line + 1
    seq.item_lines = [child.start_mark.line + 1 for child in node.value]
    return seq


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _line(node: Any, key: str | None = None) -> int:
    if isinstance(node, _Map):
        return node.key_lines.get(key, node.line) if key else node.line
    return getattr(node, "line", 0)


class _Validator:
    """Walks the raw YAML once, building model objects and collecting problems."""

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
        self.page_order: dict[str, tuple[int, str | None]] = {}
        self.numeric_keys: dict[str, str] = {}  # answer key (without instance) -> type
        self.pending_gotos: list[tuple[str, int, int, str]] = []
        self.pending_ranks: list[tuple[str, int, str, int]] = []  # of, ranks, path, line

    # -- reporting ------------------------------------------------------------------------------
    def problem(self, node: Any, path: str, message: str, key: str | None = None) -> None:
        self.problems.append(Problem(self.file, _line(node, key), path, message))

    def check_keys(self, node: _Map, path: str, allowed: set[str], required: set[str]) -> None:
        for key, line in node.get("__duplicate_keys__", []):
            self.problems.append(Problem(self.file, line, f"{path}.{key}", "duplicate key"))
        for key in node:
            if key == "__duplicate_keys__":
                continue
            if key not in allowed:
                self.problem(node, f"{path}.{key}", f"unknown key '{key}'", key)
        for key in sorted(required - set(node)):
            self.problem(node, path, f"missing '{key}'")

    def text(self, node: _Map, key: str, path: str, required: bool = False) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node, path, f"missing '{key}'")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
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

    def slug(self, node: _Map, key: str, path: str, pattern: re.Pattern = SLUG) -> str:
        value = node.get(key)
        if value is None:
            self.problem(node, path, f"missing '{key}'")
            return ""
        value = str(value)
        if not pattern.fullmatch(value):  # (``$`` alone would let a final newline through)
            self.problem(
                node,
                f"{path}.{key}",
                f"'{value}' is not a valid id (lower case letters, digits and _)",
                key,
            )
        return value

    def flag(self, node: _Map, key: str, path: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            self.problem(node, f"{path}.{key}", "must be true or false", key)
            return False
        return value

    def integer(
        self, node: _Map, key: str, path: str, minimum: int = 0, maximum: int | None = None
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

    def date(self, node: _Map, key: str) -> dt.date | None:
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
            if not isinstance(item, _Map):
                self.problem(raw, p, "an option must be a mapping with 'id' and 'label'")
                continue
            self.check_keys(item, p, {"id", "label", "specify", "missing", "hint"}, {"id"})
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
                )
            )
        return tuple(out)

    def option_ref(
        self, node: _Map, key: str, path: str, labels: dict[str, str] | None = None
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
            options = tuple(
                Option(o.id, str(labels.get(o.id, o.label)), o.specify, o.missing, o.hint)
                for o in options
            )
        return options, name

    # -- conditions -------------------------------------------------------------------------------
    def condition(
        self, raw: Any, path: str, node: Any, index: int, repeat: str | None
    ) -> Condition | None:
        if not isinstance(raw, _Map):
            self.problem(node, path, "a condition must be a mapping")
            return None
        for combinator in ("all", "any"):
            if combinator in raw:
                parts = raw[combinator]
                if not isinstance(parts, list) or not parts:
                    self.problem(raw, f"{path}.{combinator}", "must be a non-empty list")
                    return None
                built = [
                    self.condition(p, f"{path}.{combinator}[{i}]", raw, index, repeat)
                    for i, p in enumerate(parts)
                ]
                return Condition(combinator, parts=tuple(c for c in built if c))
        if "not" in raw:
            inner = self.condition(raw["not"], f"{path}.not", raw, index, repeat)
            return Condition("not", parts=(inner,)) if inner else None
        self.check_keys(raw, path, {"question", *CONDITION_OPS}, {"question"})
        ops = [op for op in CONDITION_OPS if op in raw]
        if len(ops) != 1:
            self.problem(raw, path, f"give exactly one of {', '.join(CONDITION_OPS)}")
            return None
        qid = str(raw.get("question", ""))
        self.pending_refs.append((qid, path, _line(raw), index, repeat, "condition"))
        value = raw[ops[0]]
        return Condition(ops[0], question=qid, value=None if value is None else str(value))

    # -- questions --------------------------------------------------------------------------------
    QUESTION_KEYS = {
        "id", "number", "type", "text", "mandatory", "hint", "note", "options", "option_labels",
        "rows", "columns", "fields", "of", "ranks", "rank_labels", "allow_negative", "total_row",
        "row_kind", "not_after_fieldwork_year", "max_length", "show_if", "personal_data", "noun",
        "required_message", "min", "max", "unit",
    }  # fmt: skip

    def question(self, raw: Any, path: str, index: int, repeat: str | None) -> Question | None:
        if not isinstance(raw, _Map):
            self.problem(raw, path, "a question must be a mapping")
            return None
        self.check_keys(raw, path, self.QUESTION_KEYS, {"id", "type"})
        qid = self.slug(raw, "id", path) if "id" in raw else ""
        if qid:
            path = f"{path}({qid})"
            if qid in self.seen_question_ids:
                self.problem(
                    raw,
                    f"{path}.id",
                    f"duplicate question id '{qid}' (first used at {self.seen_question_ids[qid]})",
                    "id",
                )
            else:
                self.seen_question_ids[qid] = path
        qtype = str(raw.get("type", ""))
        if "type" in raw and qtype not in QUESTION_TYPES:
            self.problem(
                raw,
                f"{path}.type",
                f"unknown question type '{qtype}' (known: {', '.join(sorted(QUESTION_TYPES))})",
                "type",
            )
        text = self.text(raw, "text", path, required=True) or ""
        labels = raw.get("option_labels")
        if labels is not None and not isinstance(labels, dict):
            self.problem(raw, f"{path}.option_labels", "must map option ids to labels")
            labels = None
        kw: dict[str, Any] = {}
        number = raw.get("number")
        kw["number"] = None if number is None else str(number)
        kw["mandatory"] = self.flag(raw, "mandatory", path)
        kw["personal_data"] = self.flag(raw, "personal_data", path)
        kw["hint"] = self.text(raw, "hint", path)
        kw["note"] = self.text(raw, "note", path)
        kw["required_message"] = self.text(raw, "required_message", path)
        kw["max_length"] = self.integer(raw, "max_length", path, 1, MAX_TEXT_LENGTH)
        if "show_if" in raw:
            kw["show_if"] = self.condition(raw["show_if"], f"{path}.show_if", raw, index, repeat)

        if qtype == "money":
            kw["allow_negative"] = self.flag(raw, "allow_negative", path)
        if qtype in NUMBER_TYPES:
            kw["minimum"], kw["maximum"] = self.bounds(raw, path, qtype)
            kw["unit"] = self.text(raw, "unit", path)
        else:
            for key in ("min", "max", "unit"):
                if key in raw:
                    self.problem(raw, f"{path}.{key}", f"only numbers have '{key}'", key)
        if qtype in CHOICE_TYPES:
            kw["options"], kw["options_list"] = self.option_ref(raw, "options", path, labels)
        elif qtype in DEFAULT_MAX_LENGTH:
            kw["max_length"] = kw["max_length"] or DEFAULT_MAX_LENGTH[qtype]
        elif qtype == "grid":
            kw["rows"], kw["rows_list"] = self.option_ref(raw, "rows", path, labels)
            kw["grid_columns"], kw["columns_list"] = self.option_ref(raw, "columns", path)
            if "rows" not in raw:
                pass  # reported by option_ref
        elif qtype == "money_table":
            self.money_table(raw, path, labels, kw)
        elif qtype == "ranking":
            self.ranking(raw, path, index, repeat, kw)
        elif qtype == "group":
            kw["fields"] = self.group_fields(raw, path)
        if qtype != "group" and "fields" in raw:
            self.problem(raw, f"{path}.fields", "only a group has fields", "fields")

        if qid:
            self.order[qid] = (index, qtype, repeat)
            self.question_options[qid] = kw.get("options", ())
        return Question(id=qid, type=qtype, text=text, line=_line(raw), **kw)

    def bounds(self, raw: _Map, path: str, qtype: str) -> tuple[float | None, float | None]:
        values = []
        for key in ("min", "max"):
            value = raw.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                self.problem(raw, f"{path}.{key}", "must be a number", key)
                value = None
            values.append(value)
        low, high = values
        if qtype == "percentage":
            low = 0 if low is None else low
            high = 100 if high is None else high
        if low is not None and high is not None and low > high:
            self.problem(raw, f"{path}.min", "min is larger than max", "min")
        return low, high

    def money_table(self, raw: _Map, path: str, labels: Any, kw: dict[str, Any]) -> None:
        kw["rows"], kw["rows_list"] = self.option_ref(raw, "rows", path, labels)
        kw["allow_negative"] = self.flag(raw, "allow_negative", path)
        kw["total_row"] = self.text(raw, "total_row", path)
        row_kind = raw.get("row_kind")
        if row_kind not in (None, "year"):
            self.problem(raw, f"{path}.row_kind", "must be 'year' when given", "row_kind")
        kw["row_kind"] = row_kind
        columns = raw.get("columns")
        built: list[Column] = []
        if columns is None:
            self.problem(raw, path, "a money table needs 'columns'")
        elif isinstance(columns, _Map):
            self.check_keys(
                columns, f"{path}.columns", {"measures", "years"}, {"measures", "years"}
            )
            measures = self.options(columns.get("measures"), f"{path}.columns.measures", columns)
            years, _ = self.option_ref(columns, "years", f"{path}.columns")
            if len(years) * len(measures) > MAX_ANSWER_KEYS:
                self.problem(
                    columns,
                    f"{path}.columns",
                    f"{len(measures):,} measures by {len(years):,} years make "
                    f"{len(measures) * len(years):,} columns; the most is {MAX_ANSWER_KEYS:,}",
                )
                years = ()
            for year in years:
                for m in measures:
                    built.append(
                        Column(f"{m.id}_{year.id}", f"{m.label} {year.label}", m.id, year.id)
                    )
        elif isinstance(columns, list):
            for m in self.options(columns, f"{path}.columns", raw):
                built.append(Column(m.id, m.label, m.id))
        else:
            self.problem(raw, f"{path}.columns", "must be a list or {measures, years}", "columns")
        if columns is not None and not built and isinstance(columns, (list, _Map)):
            self.problem(raw, f"{path}.columns", "a money table needs at least one column")
        kw["columns"] = tuple(built)
        skip = raw.get("not_after_fieldwork_year") or []
        if not isinstance(skip, list):
            self.problem(raw, f"{path}.not_after_fieldwork_year", "must be a list of column ids")
            skip = []
        measures_known = {c.measure for c in built}
        for m in skip:
            if str(m) not in measures_known:
                self.problem(raw, f"{path}.not_after_fieldwork_year", f"no column or measure '{m}'")
        kw["not_after_fieldwork_year"] = frozenset(str(m) for m in skip)

    def ranking(
        self, raw: _Map, path: str, index: int, repeat: str | None, kw: dict[str, Any]
    ) -> None:
        of = raw.get("of")
        if not of:
            self.problem(raw, path, "a ranking needs 'of' (the multiple-choice question it ranks)")
        else:
            kw["ranking_of"] = str(of)
            self.pending_refs.append(
                (str(of), f"{path}.of", _line(raw, "of"), index, repeat, "ranking")
            )
        ranks = self.integer(raw, "ranks", path, minimum=1, maximum=MAX_RANKS)
        if ranks is not None and of:
            self.pending_ranks.append((str(of), ranks, f"{path}.ranks", _line(raw, "ranks")))
        if ranks is None:
            if "ranks" not in raw:
                self.problem(raw, path, "a ranking needs 'ranks' (how many to rank)")
            ranks = 0
        kw["ranks"] = ranks
        kw["noun"] = self.text(raw, "noun", path)
        labels = raw.get("rank_labels") or []
        if not ranks:
            labels = []  # (the ranks are wrong, reported above)
        elif not isinstance(labels, list) or (labels and len(labels) != ranks):
            self.problem(raw, f"{path}.rank_labels", f"give one label per rank ({ranks})")
            labels = []
        kw["rank_labels"] = tuple(str(label) for label in labels) or tuple(
            f"Rank {i}" for i in range(1, ranks + 1)
        )

    def group_fields(self, raw: _Map, path: str) -> tuple[GroupField, ...]:
        fields = raw.get("fields")
        if not isinstance(fields, list) or not fields:
            self.problem(raw, path, "a group needs a non-empty list of 'fields'")
            return ()
        out: list[GroupField] = []
        ids: set[str] = set()
        for i, item in enumerate(fields):
            p = f"{path}.fields[{i}]"
            if not isinstance(item, _Map):
                self.problem(fields, p, "a field must be a mapping")
                continue
            allowed = {"id", "type", "text", "options", "max_length", "mandatory", "min", "max",
                       "unit", "allow_negative"}  # fmt: skip
            self.check_keys(item, p, allowed, {"id", "type", "text"})
            fid = self.slug(item, "id", p) if "id" in item else ""
            if fid in ids:
                self.problem(item, f"{p}.id", f"duplicate field id '{fid}'", "id")
            ids.add(fid)
            ftype = str(item.get("type", ""))
            if ftype not in GROUP_FIELD_TYPES:
                self.problem(item, f"{p}.type", f"unknown field type '{ftype}' in a group", "type")
            options: tuple[Option, ...] = ()
            if ftype == "single":
                options, _ = self.option_ref(item, "options", p)
            max_length = self.integer(item, "max_length", p, 1, MAX_TEXT_LENGTH)
            low, high = self.bounds(item, p, ftype) if ftype in NUMBER_TYPES else (None, None)
            out.append(
                GroupField(
                    minimum=low,
                    maximum=high,
                    unit=self.text(item, "unit", p),
                    allow_negative=self.flag(item, "allow_negative", p),
                    id=fid,
                    type=ftype,
                    text=self.text(item, "text", p, required=True) or "",
                    options=options,
                    max_length=max_length or DEFAULT_MAX_LENGTH.get(ftype),
                    mandatory=self.flag(item, "mandatory", p),
                )
            )
        return tuple(out)

    # -- pages ------------------------------------------------------------------------------------
    PAGE_KEYS = {
        "id", "title", "section", "ref", "intro", "content", "guidance", "questions", "show_if",
        "checks",
    }  # fmt: skip

    def page(
        self, raw: Any, path: str, counter: list[int], repeat: str | None, sections: set[str]
    ) -> Page | None:
        if not isinstance(raw, _Map):
            self.problem(raw, path, "a page must be a mapping")
            return None
        self.check_keys(raw, path, self.PAGE_KEYS, {"id", "title"})
        pid = self.slug(raw, "id", path) if "id" in raw else ""
        if pid:
            path = f"{path}({pid})"
            if pid in self.seen_page_ids:
                self.problem(raw, f"{path}.id", f"duplicate page id '{pid}'", "id")
            self.seen_page_ids[pid] = path
            self.page_order[pid] = (counter[0], repeat)
        section = raw.get("section")
        if section is not None and str(section) not in sections:
            self.problem(raw, f"{path}.section", f"unknown section '{section}'", "section")
        page_index = counter[0]
        show_if = None
        if "show_if" in raw:
            show_if = self.condition(raw["show_if"], f"{path}.show_if", raw, page_index, repeat)
        questions = raw.get("questions") or []
        if not isinstance(questions, list):
            self.problem(raw, f"{path}.questions", "must be a list")
            questions = []
        built = []
        for i, q in enumerate(questions):
            counter[0] += 1
            question = self.question(q, f"{path}.questions[{i}]", counter[0], repeat)
            if question:
                built.append(question)
        if not built and not raw.get("content"):
            self.problem(raw, path, "a page needs questions or content")
        checks = self.checks(raw, path, built, repeat)
        counter[0] += 1
        return Page(
            id=pid,
            title=self.text(raw, "title", path, required=True) or "",
            section=None if section is None else str(section),
            ref=self.text(raw, "ref", path),
            intro=self.text(raw, "intro", path),
            content=self.text(raw, "content", path),
            guidance=self.flag(raw, "guidance", path),
            questions=tuple(built),
            show_if=show_if,
            repeat=repeat,
            checks=checks,
        )

    CHECK_KEYS = {
        "sum_equals": ({"keys", "total"}, {"tolerance"}),
        "percent_of": ({"percent", "of", "equals"}, {"tolerance_percent"}),
    }

    def checks(
        self, raw: _Map, path: str, questions: list[Question], repeat: str | None
    ) -> tuple[Check, ...]:
        """Page checks: their keys must be numeric answers of this page or an earlier one."""
        items = raw.get("checks") or []
        if not isinstance(items, list):
            self.problem(raw, f"{path}.checks", "must be a list")
            return ()
        numeric = dict(self.numeric_keys)
        for q in questions:
            numeric.update(_numeric_keys(q, repeat))
        self.numeric_keys.update(numeric)
        out = []
        for i, item in enumerate(items):
            p = f"{path}.checks[{i}]"
            if not isinstance(item, _Map):
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

    def repeat_block(
        self, raw: _Map, path: str, counter: list[int], sections: set[str]
    ) -> Repeat | None:
        allowed = {"id", "key", "label", "max", "pages", "number_offsets", "another",
                   "another_value", "instruction"}  # fmt: skip
        self.check_keys(raw, path, allowed, {"id", "key", "pages"})
        rid = self.slug(raw, "id", path) if "id" in raw else ""
        key = self.slug(raw, "key", path) if "key" in raw else ""
        maximum = self.integer(raw, "max", path, minimum=1, maximum=MAX_REPEAT)
        if maximum is None and "max" not in raw:
            self.problem(raw, path, "a repeat needs a maximum ('max')")
        maximum = maximum or 1
        offsets = raw.get("number_offsets") or []
        if not isinstance(offsets, list) or not all(isinstance(o, int) for o in offsets):
            self.problem(raw, f"{path}.number_offsets", "must be a list of whole numbers")
            offsets = []
        elif offsets and len(offsets) != maximum:
            self.problem(raw, f"{path}.number_offsets", f"give one offset per repeat ({maximum})")
        raw_pages = raw.get("pages")
        if not isinstance(raw_pages, list) or not raw_pages:
            self.problem(raw, f"{path}.pages", "a repeat needs a non-empty list of pages")
            raw_pages = []
        pages = []
        for i, p in enumerate(raw_pages):
            page = self.page(p, f"{path}.pages[{i}]", counter, rid, sections)
            if page:
                pages.append(page)
        another = raw.get("another")
        another_value = str(raw.get("another_value", "yes"))
        if another is not None:
            another = str(another)
            block_questions = {q.id: q for p in pages for q in p.questions}
            target = block_questions.get(another)
            if target is None:
                self.problem(
                    raw,
                    f"{path}.another",
                    f"'{another}' is not a question of this repeat",
                    "another",
                )
            elif target.type != "single" or not target.option(another_value):
                self.problem(
                    raw,
                    f"{path}.another",
                    f"'{another}' must be a single-choice question with the option '{another_value}'",
                    "another",
                )
        elif maximum > 1:
            self.problem(raw, path, "a repeat with max > 1 needs 'another' (the continue question)")
        return Repeat(
            id=rid,
            key=key,
            label=self.text(raw, "label", path) or rid.replace("_", " ").capitalize(),
            max=maximum,
            pages=tuple(pages),
            number_offsets=tuple(offsets),
            another=another,
            another_value=another_value,
            instruction=self.text(raw, "instruction", path),
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
            if kind == "ranking" and t_type != "multiple":
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
            if self.order.get(of, (0, ""))[1] == "multiple" and ranks > choices:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"ranks {ranks:,} of {choices} options: a ranking can rank at most the "
                        f"options of '{of}'",
                    )
                )

    def check_size(self, items: list[tuple[Page | Repeat, str, int]]) -> None:
        """Refuse a definition that asks too much once its repeats are expanded, worked out from
        counts (each question's answer keys times its repeat's ``max``), never by building it.
        ``items`` are the top-level pages and repeats with their paths and lines."""
        totals = {"questions": 0, "answer keys": 0}
        largest: dict[str, tuple[int, str, int]] = {}  # what -> (count, path, line) adding most
        for item, path, line in items:
            times = item.max if isinstance(item, Repeat) else 1
            pages = item.pages if isinstance(item, Repeat) else (item,)
            questions = [q for page in pages for q in page.questions]
            counts = {
                "questions": times * len(questions),
                "answer keys": times * sum(_key_count(q) for q in questions),
            }
            for what, count in counts.items():
                totals[what] += count
                if count > largest.get(what, (0, "", 0))[0]:
                    largest[what] = (count, path, line)
        for what, most in (("questions", MAX_QUESTION_INSTANCES), ("answer keys", MAX_ANSWER_KEYS)):
            if totals[what] > most:
                count, path, line = largest[what]
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"the definition asks {totals[what]:,} {what} (each repeat counted its "
                        f"'max' times), {count:,} of them here; the most is {most:,}",
                    )
                )

    # -- the document -----------------------------------------------------------------------------
    TOP_KEYS = {
        "id", "title", "short_title", "version_label", "language", "opens", "closes",
        "fieldwork_year", "mandatory_note", "contact", "option_lists", "sections", "pages",
        "groups", "populations", "figures", "settings", "invitations", "retired",
    }  # fmt: skip

    def document(self, raw: Any, source_text: str) -> Questionnaire | None:
        if not isinstance(raw, _Map):
            self.problems.append(
                Problem(self.file, 1, "", "the definition must be a mapping at the top level")
            )
            return None
        self.check_keys(raw, "", self.TOP_KEYS, {"id", "title", "pages"})
        qid = self.slug(raw, "id", "") if "id" in raw else ""
        lists = raw.get("option_lists") or {}
        if not isinstance(lists, _Map):
            self.problem(raw, "option_lists", "must map list names to lists of options")
            lists = _Map()
        for name, items in lists.items():
            if name == "__duplicate_keys__":
                continue
            self.option_lists[name] = self.options(items, f"option_lists.{name}", lists)
        for key, line in lists.get("__duplicate_keys__", []):
            self.problems.append(Problem(self.file, line, f"option_lists.{key}", "duplicate list"))

        sections: list[Section] = []
        raw_sections = raw.get("sections") or []
        for i, s in enumerate(raw_sections if isinstance(raw_sections, list) else []):
            p = f"sections[{i}]"
            if not isinstance(s, _Map):
                self.problem(raw_sections, p, "a section must be a mapping with id and title")
                continue
            self.check_keys(s, p, {"id", "title"}, {"id", "title"})
            sections.append(
                Section(self.slug(s, "id", p, SECTION_ID), self.text(s, "title", p, True) or "")
            )
        section_ids = {s.id for s in sections}

        items: list[Page | Repeat] = []
        placed: list[tuple[Page | Repeat, str, int]] = []  # each item with its path and line
        counter = [0]
        raw_pages = raw.get("pages")
        if "pages" in raw and (not isinstance(raw_pages, list) or not raw_pages):
            self.problem(raw, "pages", "must be a non-empty list")
            raw_pages = []
        for i, item in enumerate(raw_pages or []):
            path = f"pages[{i}]"
            if isinstance(item, _Map) and "repeat" in item:
                self.check_keys(item, path, {"repeat"}, {"repeat"})
                if isinstance(item["repeat"], _Map):
                    block = self.repeat_block(
                        item["repeat"], f"{path}.repeat", counter, section_ids
                    )
                    if block:
                        items.append(block)
                        placed.append((block, f"{path}.repeat({block.id})", _line(item)))
                else:
                    self.problem(item, f"{path}.repeat", "must be a mapping")
                continue
            page = self.page(item, path, counter, None, section_ids)
            if page:
                items.append(page)
                placed.append((page, f"{path}({page.id})", _line(item)))
        self.resolve_references()
        self.check_size(placed)

        fieldwork_year = raw.get("fieldwork_year")
        if fieldwork_year is not None:
            fieldwork_year = str(fieldwork_year)
            if not any(
                fieldwork_year in {o.id for o in opts} for opts in self.option_lists.values()
            ):
                self.problem(raw, "fieldwork_year", f"'{fieldwork_year}' is in no option list")
        uses_fieldwork = any(q.not_after_fieldwork_year for p in _pages(items) for q in p.questions)
        if uses_fieldwork and fieldwork_year is None:
            self.problem(raw, "fieldwork_year", "not_after_fieldwork_year needs a 'fieldwork_year'")

        invitations = raw.get("invitations")
        if invitations is not None:
            if not isinstance(invitations, _Map):
                self.problem(raw, "invitations", "must be a mapping")
            else:
                self.check_keys(invitations, "invitations", {"authority_type_question"}, set())
                type_question = invitations.get("authority_type_question")
                if (
                    type_question is not None
                    and self.order.get(str(type_question), (0, ""))[1] != "single"
                ):
                    self.problem(
                        invitations,
                        "invitations.authority_type_question",
                        f"'{type_question}' is not a single-choice question",
                    )

        opens, closes = self.date(raw, "opens"), self.date(raw, "closes")
        if opens and closes and closes < opens:
            self.problem(raw, "closes", "the closing date is before the opening date", "closes")
        extra = {
            k: raw[k]
            for k in ("groups", "populations", "figures", "settings", "invitations", "retired")
            if k in raw
        }
        return Questionnaire(
            id=qid,
            title=self.text(raw, "title", "", required=True) or "",
            short_title=self.text(raw, "short_title", ""),
            version_label=self.text(raw, "version_label", ""),
            language=self.text(raw, "language", "") or "en-GB",
            opens=opens,
            closes=closes,
            fieldwork_year=fieldwork_year,
            mandatory_note=self.text(raw, "mandatory_note", ""),
            contact=self.text(raw, "contact", ""),
            option_lists=self.option_lists,
            sections=tuple(sections),
            items=tuple(items),
            source_path=self.file,
            source_text=source_text,
            extra=_plain(extra),
            positions=_positions(extra, "", {}),
        )


def _numeric_keys(question: Question, repeat: str | None) -> dict[str, str]:
    """Answer keys of numeric answers a check may use (instance suffixes are added at run time)."""
    if question.type in NUMBER_TYPES:
        return {question.id: question.type}
    if question.type == "group":
        return {f"{question.id}_{f.id}": f.type for f in question.fields if f.type in NUMBER_TYPES}
    return {}


def _key_count(question: Question) -> int:
    """How many answer keys or export columns a question makes, whichever is more (as
    :func:`survey.questionnaire.routing.field_keys` and the downloads list them: a multiple choice has a 0/1
    column per option, a money table a column per cell), from the
    sizes of its parts. Options are counted because an option list is named, not aliased: a
    small file could otherwise ask for millions of columns."""
    specify = sum(1 for o in question.options if o.specify)
    if question.type == "multiple":
        return len(question.options) + specify
    if question.type in CHOICE_TYPES:
        return 1 + specify
    if question.type == "ranking":
        return question.ranks
    if question.type == "grid":
        return len(question.rows)
    if question.type == "group":
        return len(question.fields)
    if question.type == "money_table":
        return len(question.rows) * len(question.columns) + sum(
            1 for r in question.rows if r.specify
        )
    return 1


def _pages(items: list[Page | Repeat]) -> list[Page]:
    out: list[Page] = []
    for item in items:
        out.extend(item.pages if isinstance(item, Repeat) else [item])
    return out


def _plain(value: Any) -> Any:
    """Strip the loader's line bookkeeping from free-form sections kept for later modules."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__duplicate_keys__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _positions(value: Any, path: str, out: dict[str, int]) -> dict[str, int]:
    """The line of every node under ``value`` by its path (``figures[3].kind``), kept beside the
    free-form sections so that the modules checking them later report lines as the loader does."""
    if isinstance(value, dict):
        key_lines = getattr(value, "key_lines", {})
        for key, child in value.items():
            if key != "__duplicate_keys__":
                child_path = f"{path}.{key}" if path else key
                out[child_path] = key_lines.get(key, _line(child))
                _positions(child, child_path, out)
    elif isinstance(value, list):
        lines = getattr(value, "item_lines", [])
        for i, child in enumerate(value):
            out[f"{path}[{i}]"] = lines[i] if i < len(lines) else _line(value)
            _positions(child, f"{path}[{i}]", out)
    return out


def loads(text: str, filename: str = "<string>") -> Questionnaire:
    """Parse and validate a definition; raise :class:`DefinitionError` listing every problem."""
    if len(text) > MAX_DEFINITION_CHARS:
        raise DefinitionError(
            [
                Problem(
                    filename,
                    0,
                    "",
                    f"the definition is {len(text):,} characters long; the most is "
                    f"{MAX_DEFINITION_CHARS:,}",
                )
            ]
        )
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except _Expansion as exc:
        raise DefinitionError([Problem(filename, exc.line, "", exc.message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(
            [Problem(filename, line, "", f"YAML syntax error: {reason}")]
        ) from None
    validator = _Validator(filename)
    questionnaire = validator.document(raw, text)
    if validator.problems or questionnaire is None:
        problems = sorted(validator.problems, key=lambda p: (p.line, p.path))
        raise DefinitionError(problems)
    return questionnaire


def load(path: str | Path) -> Questionnaire:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(str(path), 0, "", f"cannot read the file: {exc}")]) from None
    return loads(text, str(path))

"""Load a questionnaire YAML file into :mod:`survey.questionnaire.model` objects, validating it on the way.

Validation collects *every* problem before giving up, each naming the file, the line and the path
inside the document (``pages[3].questions[1].options``), so an author can fix a definition in one
pass. The YAML is read with a safe loader that remembers the line of every mapping key
(:mod:`survey.questionnaire.yaml_lines`); the reading primitives are in
:mod:`survey.questionnaire.reading` and each question type reads its own keys (its ``parse``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from survey.questionnaire.condition_reading import check_conditions
from survey.questionnaire.declared import read_renames, read_summary, read_texts
from survey.questionnaire.limits import (
    MAX_ANSWER_KEYS,
    MAX_DEFINITION_CHARS,
    MAX_QUESTION_INSTANCES,
    MAX_REPEAT,
    MAX_TEXT_LENGTH,
)
from survey.questionnaire.model import Page, Question, Questionnaire, Repeat, Section
from survey.questionnaire.piping import check_placeholders
from survey.questionnaire.reading import DefinitionError, Problem, Reader, type_of
from survey.questionnaire.types import QUESTION_TYPES, has_shape
from survey.questionnaire.types.base import Shape
from survey.questionnaire.yaml_lines import Expansion, LineLoader, Map
from survey.questionnaire.yaml_lines import line as line_of

# top-level sections kept as plain data for the modules that read them (scoring, versions, texts)
EXTRA_KEYS = ("groups", "populations", "figures", "settings", "invitations", "retired",
              "languages", "renamed_options", "texts")  # fmt: skip
SECTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")


class _Validator(Reader):
    """Walks the raw YAML once, building model objects and collecting problems."""

    # -- questions --------------------------------------------------------------------------------
    # The keys every question may have, and those of any type (each type reads its own).
    QUESTION_KEYS = {
        "id", "number", "type", "text", "mandatory", "hint", "note", "max_length", "show_if",
        "personal_data", "required_message",
    }.union(*(t.yaml_keys for t in QUESTION_TYPES.values()))  # fmt: skip

    def question(self, raw: Any, path: str, index: int, repeat: str | None) -> Question | None:
        if not isinstance(raw, Map):
            self.problem(raw, path, "a question must be a mapping")
            return None
        qid = self.slug(raw, "id", path) if "id" in raw else ""
        if qid:
            path = f"{path}({qid})"
        self.check_keys(raw, path, self.QUESTION_KEYS, {"id", "type"})  # the path names the id
        if qid:
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
        qtype_object = type_of(qtype)
        text = self.text(raw, "text", path, required=True) or ""
        labels = raw.get("option_labels")
        if labels is not None and not isinstance(labels, dict):
            self.problem(raw, f"{path}.option_labels", "must map option ids to labels")
            labels = None
        self.labels = labels
        self.where = (index, repeat)
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
        for key, message in self.OWNED_KEYS.items():
            if key in raw and key not in qtype_object.yaml_keys:
                self.problem(raw, f"{path}.{key}", message, key)
        qtype_object.parse(self, raw, path, kw)
        if qid:
            self.order[qid] = (index, qtype, repeat)
            self.question_options[qid] = kw.get("options", ())
        return Question(id=qid, type=qtype, text=text, line=line_of(raw), **kw)

    # Keys only some types have, and what an author is told who gives them to another type.
    OWNED_KEYS = {
        "min": "only numbers have 'min'",
        "max": "only numbers have 'max'",
        "unit": "only numbers have 'unit'",
        "decimals": "only numbers and percentages have 'decimals'",
        "pence": "only money has 'pence'",
        "fields": "only a group has fields",
    }

    # -- pages ------------------------------------------------------------------------------------
    PAGE_KEYS = {
        "id", "title", "section", "ref", "intro", "content", "guidance", "questions", "show_if",
        "checks", "summary",
    }  # fmt: skip

    def page(
        self, raw: Any, path: str, counter: list[int], repeat: str | None, sections: set[str]
    ) -> Page | None:
        if not isinstance(raw, Map):
            self.problem(raw, path, "a page must be a mapping")
            return None
        pid = self.slug(raw, "id", path) if "id" in raw else ""
        if pid:
            path = f"{path}({pid})"
        self.check_keys(raw, path, self.PAGE_KEYS, {"id", "title"})
        if pid:
            if pid in self.seen_page_ids:
                self.problem(raw, f"{path}.id", f"duplicate page id '{pid}'", "id")
            self.seen_page_ids[pid] = path
        section = raw.get("section")
        if section is not None and str(section) not in sections:
            self.problem(raw, f"{path}.section", f"unknown section '{section}'", "section")
        page_index = counter[0]
        self.current_page, self.page_start = pid, page_index
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
        if not built and not raw.get("content") and not raw.get("summary"):
            self.problem(raw, path, "a page needs questions, content or a summary")
        self.check_index = counter[0] + 1
        checks = self.checks(raw, path, built, repeat)
        summary = read_summary(self, raw.get("summary"), path, raw)
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
            line=line_of(raw),
            summary=summary,
        )

    def repeat_block(
        self, raw: Map, path: str, counter: list[int], sections: set[str]
    ) -> Repeat | None:
        allowed = {"id", "key", "label", "max", "pages", "number_offsets", "another",
                   "another_value", "instruction", "collector", "summary_title", "min"}  # fmt: skip
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
            elif not has_shape(target, Shape.ONE_CODE) or not target.option(another_value):
                self.problem(
                    raw,
                    f"{path}.another",
                    f"'{another}' must be a single-choice question with the option '{another_value}'",
                    "another",
                )
        # without an "another?" question, a repeat of several is a list collector
        collector = self.flag(raw, "collector", path) or (another is None and maximum > 1)
        if collector and another is not None:
            self.problem(raw, f"{path}.another", "a list collector asks for more items on its "
                         "summary page: give 'another' or 'collector: true', not both", "another")  # fmt: skip
        fewest = self.integer(raw, "min", path, minimum=0, maximum=maximum) or 0
        if fewest and not collector:
            self.problem(raw, f"{path}.min", "only a list collector has 'min' (a repeat without "
                         "'another'): an 'another?' question cannot refuse fewer items", "min")  # fmt: skip
        if collector and f"{rid}_list" in self.seen_page_ids:
            self.problem(raw, f"{path}.id", f"'{rid}_list' is the id of a page; it is the "
                         "list's summary page", "id")  # fmt: skip
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
            collector=collector,
            summary_title=self.text(raw, "summary_title", path),
            min=fewest,
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
                "answer keys": times * sum(type_of(q.type).key_count(q) for q in questions),
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
        "groups", "populations", "figures", "settings", "invitations", "retired", "languages",
        "renamed_options", "texts",
    }  # fmt: skip

    def document(self, raw: Any, source_text: str) -> Questionnaire | None:
        if not isinstance(raw, Map):
            self.problems.append(
                Problem(self.file, 1, "", "the definition must be a mapping at the top level")
            )
            return None
        self.check_keys(raw, "", self.TOP_KEYS, {"id", "title", "pages"})
        qid = self.slug(raw, "id", "") if "id" in raw else ""
        lists = raw.get("option_lists")
        if lists is None:  # optional: a definition may give every question its options inline
            lists = Map()
        if not isinstance(lists, Map):
            self.problem(raw, "option_lists", "must map list names to lists of options")
            lists = Map()
        for name, listed in lists.items():
            if name == "__duplicate_keys__":
                continue
            self.option_lists[name] = self.options(listed, f"option_lists.{name}", lists)
        for key, line in lists.get("__duplicate_keys__", []):
            self.problems.append(Problem(self.file, line, f"option_lists.{key}", "duplicate list"))

        sections: list[Section] = []
        raw_sections = raw.get("sections") or []
        for i, s in enumerate(raw_sections if isinstance(raw_sections, list) else []):
            p = f"sections[{i}]"
            if not isinstance(s, Map):
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
            if isinstance(item, Map) and "repeat" in item:
                self.check_keys(item, path, {"repeat"}, {"repeat"})
                if isinstance(item["repeat"], Map):
                    block = self.repeat_block(
                        item["repeat"], f"{path}.repeat", counter, section_ids
                    )
                    if block:
                        items.append(block)
                        placed.append((block, f"{path}.repeat({block.id})", line_of(item)))
                else:
                    self.problem(item, f"{path}.repeat", "must be a mapping")
                continue
            page = self.page(item, path, counter, None, section_ids)
            if page:
                items.append(page)
                placed.append((page, f"{path}({page.id})", line_of(item)))
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
            if not isinstance(invitations, Map):
                self.problem(raw, "invitations", "must be a mapping")
            else:
                self.check_keys(
                    invitations,
                    "invitations",
                    {"authority_type_question", "authority_type_rule"},
                    set(),
                )
                rule = invitations.get("authority_type_rule")
                if rule is not None and rule not in ("answer", "invited"):
                    self.problem(
                        invitations,
                        "invitations.authority_type_rule",
                        f"'{rule}' is not a rule: use 'answer' (the type question's answer, else "
                        "the type invited as) or 'invited' (the type invited as, else the answer)",
                    )
                type_question = invitations.get("authority_type_question")
                if (
                    type_question is not None
                    and Shape.ONE_CODE
                    not in type_of(self.order.get(str(type_question), (0, ""))[1]).shapes
                ):
                    self.problem(
                        invitations,
                        "invitations.authority_type_question",
                        f"'{type_question}' is not a single-choice question",
                    )

        read_renames(self, raw.get("renamed_options"), raw)
        read_texts(self, raw.get("texts"), raw)
        opens, closes = self.date(raw, "opens"), self.date(raw, "closes")
        if opens and closes and closes < opens:
            self.problem(raw, "closes", "the closing date is before the opening date", "closes")
        extra = {k: raw[k] for k in EXTRA_KEYS if k in raw}
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
                out[child_path] = key_lines.get(key, line_of(child))
                _positions(child, child_path, out)
    elif isinstance(value, list):
        lines = getattr(value, "item_lines", [])
        for i, child in enumerate(value):
            out[f"{path}[{i}]"] = lines[i] if i < len(lines) else line_of(value)
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
        raw = yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a SafeLoader
    except Expansion as exc:
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
    if questionnaire is not None:
        check_conditions(validator, questionnaire, validator.conditions)
        check_placeholders(questionnaire, validator.problem_at)
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

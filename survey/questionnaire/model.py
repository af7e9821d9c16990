"""The questionnaire model: plain typed data, built once from YAML by :mod:`survey.questionnaire.loader`.

Nothing here knows about any particular survey. A :class:`Questionnaire` holds option lists,
sections and an ordered list of items, each either a :class:`Page` or a :class:`Repeat` (a block
of pages answered up to ``max`` times, such as the examples of Appendix A). At run time pages and
questions are *instantiated* for a repeat instance (``PageInstance``/``QuestionInstance``), which
gives them their answer keys and printed numbers (4-11, 12-19, 20-26 in Appendix A).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from survey.questionnaire.keys import instance_key, list_count_key


@dataclass(frozen=True)
class Option:
    """One choice of an option list (also used for grid rows and money-table rows)."""

    id: str
    label: str
    specify: bool = False  # "Other (please specify)": choosing it requires a text
    missing: bool = False  # N/A, D/K: declared user-missing in exports
    hint: str | None = None  # shown under the option's label (choices only; others refuse it)
    exclusive: bool = False  # "None of these": a multiple choice refuses it with other options
    follow_up: tuple[GroupField, ...] = ()  # asked (revealed) only while the option is chosen
    asterisk: bool = False  # printed with the source's asterisk: "Other (please specify):*"


@dataclass(frozen=True)
class Column:
    """A money-table column; ``measure`` and ``year`` say what its cells mean for scoring."""

    id: str
    label: str
    measure: str
    year: str | None = None


@dataclass(frozen=True)
class Operand:
    """One side of a comparison (:mod:`survey.questionnaire.conditions`).

    ``kind`` is ``answer`` (the answer stored under ``keys[0]``: a question id, or the answer key
    of a table cell or group field), ``count`` (how many options were chosen at ``keys[0]``),
    ``sum`` (the numbers answered at ``keys``, plus ``value``) or ``constant`` (``value``: text,
    a number or an ISO date). A date side may carry an ``offset`` (``{question: q6, plus:
    {months: 1}}``: a month after the answer to q6).
    """

    kind: str
    keys: tuple[str, ...] = ()
    value: Any = None
    offset: DateOffset | None = None  # a date side shifted: ``plus: {days: 23}``


@dataclass(frozen=True)
class DateOffset:
    """A shift of a date side (:mod:`survey.questionnaire.date_offsets`): ``direction`` is
    ``plus`` or ``minus``, ``parts`` the units as written (``(("months", 1), ("days", 20))``)."""

    direction: str
    parts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Condition:
    """``left`` compared with ``right`` by ``op``; or a combination of ``parts``.

    ``op`` is one of equals, not_equals, includes, answered, greater_than, less_than, at_least,
    at_most, all, any, not. ``question`` and ``value`` are the left answer's key and the
    constant compared with it (kept for the simple form ``{question: q2, equals: district}``);
    ``refs`` are the ids of every question the condition reads.
    """

    op: str
    question: str | None = None
    value: Any = None
    parts: tuple[Condition, ...] = ()
    left: Operand | None = None
    right: Operand | None = None
    refs: frozenset[str] = frozenset()

    def question_ids(self) -> set[str]:
        ids = set(self.refs)
        if self.question and not self.refs:
            ids.add(self.question)
        for part in self.parts:
            ids |= part.question_ids()
        return ids


@dataclass(frozen=True)
class GroupField:
    """A labelled field inside a ``group`` question (e.g. Q35's name, email, telephone)."""

    id: str
    type: str
    text: str
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    mandatory: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    allow_negative: bool = False
    decimals: int | None = None  # decimal places a number may have (None: the type's default)
    pence: bool = False  # money in pounds and pence rather than whole pounds
    earliest: str | None = None  # a date's bounds: an ISO date, or "today"
    latest: str | None = None
    required_message: str | None = None  # the error when a mandatory field is left empty


@dataclass(frozen=True)
class Check:
    """A check across answers of one page, e.g. percentages that must add up to 100.

    ``kind`` is ``sum_equals`` (``keys`` add up to ``total`` within ``tolerance``) or
    ``percent_of`` (``percent``% of ``of`` equals ``equals`` within ``tolerance_percent``) or
    ``condition`` (``condition`` must hold, once every answer it reads is given, and when ``when``
    holds: the same conditions as ``show_if``, so "at most the answer to q5", "parts add up to
    the total at q6" and "the end date after the start date" are one grammar; ``keys`` are the
    answer keys it reads, the first showing the message).
    ``level`` is ``error`` (must be fixed) or ``warning`` (the respondent may confirm it).
    Keys are answer keys; inside a repeat they get the instance suffix.
    """

    id: str
    kind: str
    message: str
    level: str = "error"
    keys: tuple[str, ...] = ()
    total: float = 0
    tolerance: float = 0
    percent: str | None = None
    of: str | None = None
    equals: str | None = None
    tolerance_percent: float = 0
    condition: Condition | None = None
    when: Condition | None = None

    def referenced_keys(self) -> tuple[str, ...]:
        if self.kind in ("sum_equals", "condition"):
            return self.keys
        return tuple(k for k in (self.percent, self.of, self.equals) if k)


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    number: str | None = None
    mandatory: bool = False
    hint: str | None = None
    note: str | None = None
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()
    columns: tuple[Column, ...] = ()
    grid_columns: tuple[Option, ...] = ()
    fields: tuple[GroupField, ...] = ()
    ranking_of: str | None = None
    ranks: int = 0
    rank_labels: tuple[str, ...] = ()
    noun: str | None = None  # what a ranking ranks, for messages: "approach", "service area"
    required_message: str | None = None  # the error when a mandatory question is unanswered
    minimum: float | None = None  # number and percentage bounds
    maximum: float | None = None
    unit: str | None = None  # shown after a number ("hours", "staff")
    allow_negative: bool = False
    decimals: int | None = None  # decimal places a number may have (None: the type's default)
    pence: bool = False  # money in pounds and pence rather than whole pounds
    earliest: str | None = None  # a date's bounds: an ISO date, or "today"
    latest: str | None = None
    total_row: str | None = None
    row_kind: str | None = None
    not_after_fieldwork_year: frozenset[str] = frozenset()
    max_length: int | None = None
    show_if: Condition | None = None
    personal_data: bool = False
    options_list: str | None = None
    rows_list: str | None = None
    columns_list: str | None = None
    line: int = 0

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class SummaryLine:
    """One total a calculated summary page shows back ("Total spending: £1,000"): ``value`` is
    a sum of answers (or one answer), as conditions compare them."""

    label: str
    value: Operand
    money: bool = False  # every term is money: shown in pounds


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    section: str | None = None
    ref: str | None = None
    intro: str | None = None
    content: str | None = None
    guidance: bool = False
    questions: tuple[Question, ...] = ()
    show_if: Condition | None = None
    repeat: str | None = None  # id of the enclosing repeat, if any
    checks: tuple[Check, ...] = ()
    line: int = 0
    summary: tuple[SummaryLine, ...] = ()  # a calculated summary: totals to confirm


@dataclass(frozen=True)
class Repeat:
    id: str
    key: str
    label: str
    max: int
    pages: tuple[Page, ...]
    number_offsets: tuple[int, ...] = ()
    another: str | None = None
    another_value: str = "yes"
    instruction: str | None = None
    # a list collector: items added, changed and removed from a summary page, without an
    # "another?" question; the number of items is stored under ``count_key``
    collector: bool = False
    summary_title: str | None = None
    min: int = 0  # a list collector's fewest items: "Continue" on its summary refuses fewer

    @property
    def count_key(self) -> str:
        return list_count_key(self.key)

    def summary_page(self) -> Page:
        """The collector's summary page: the items so far, to change, remove or add to."""
        title = self.summary_title or f"{self.label}s"
        section = self.pages[0].section if self.pages else None  # the items' section
        return Page(id=f"{self.id}_list", title=title, section=section, repeat=self.id)

    def offset(self, instance: int) -> int:
        if instance - 1 < len(self.number_offsets):
            return self.number_offsets[instance - 1]
        return 0

    def instance_key(self, key: str, instance: int) -> str:
        """An answer key as declared (``q8_bureaucracy``) as stored in one instance of this repeat
        (``q8_ex2_bureaucracy``); keys of questions outside the repeat are left as they are."""
        for page in self.pages:
            for q in page.questions:
                if key == q.id or key.startswith(q.id + "_"):
                    return instance_key(q.id, self.key, instance) + key[len(q.id) :]
        return key


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: str
    items: tuple[Page | Repeat, ...]
    option_lists: dict[str, tuple[Option, ...]]
    sections: tuple[Section, ...] = ()
    short_title: str | None = None
    version_label: str | None = None
    language: str = "en-GB"
    opens: dt.date | None = None
    closes: dt.date | None = None
    fieldwork_year: str | None = None
    mandatory_note: str | None = None
    contact: str | None = None
    source_path: str = ""
    source_text: str = field(default="", repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # the line of every node of ``extra`` by its path ("figures[3].kind" -> 212), so that a later
    # check of those sections (the scoring declarations) reports lines as the loader does
    positions: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    # -- navigation over the static structure -------------------------------------------------
    def pages(self) -> list[Page]:
        """Every page template in order, repeat pages once."""
        out: list[Page] = []
        for item in self.items:
            out.extend(item.pages if isinstance(item, Repeat) else [item])
        return out

    def page(self, page_id: str) -> Page | None:
        return next((p for p in self.pages() if p.id == page_id), None)

    def questions(self) -> list[Question]:
        return [q for p in self.pages() for q in p.questions]

    def question(self, question_id: str) -> Question | None:
        return self._questions_by_id.get(question_id)

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        """Each question by its id (the first of an id), worked out once: the structure is
        immutable (frozen, tuples all the way down), and the scoring asks for questions several
        times per response."""
        found: dict[str, Question] = {}
        for q in self.questions():
            found.setdefault(q.id, q)
        return found

    def repeat_holding(self, question_id: str) -> Repeat | None:
        """The repeat whose pages ask ``question_id`` (the first), or None outside repeats."""
        return self._repeats_by_question.get(question_id)

    @cached_property
    def _repeats_by_question(self) -> dict[str, Repeat]:
        found: dict[str, Repeat] = {}
        for item in self.items:
            if isinstance(item, Repeat):
                for p in item.pages:
                    for q in p.questions:
                        found.setdefault(q.id, item)
        return found

    def repeat(self, repeat_id: str) -> Repeat | None:
        return next((r for r in self.items if isinstance(r, Repeat) and r.id == repeat_id), None)

    def page_of(self, question_id: str) -> Page | None:
        return next(
            (p for p in self.pages() if any(q.id == question_id for q in p.questions)), None
        )

    def section(self, section_id: str | None) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def year_order(self, year_id: str) -> int | None:
        """Position of a year id in whichever option list declares it (years lists share ids)."""
        for options in self.option_lists.values():
            ids = [o.id for o in options]
            if year_id in ids:
                return ids.index(year_id)
        return None

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


_QUESTION_NUMBERS = re.compile(r"\b(questions?\s+)(\d+)(?:(\s*[-–]\s*)(\d+))?", re.IGNORECASE)
_REFERENCE_NUMBERS = re.compile(r"\b(Q)(\d+)()()\b")  # "Q7" in a page's ref, e.g. "Q7-RANK"


def renumbered(
    repeat: Repeat | None, n: int | None, text: str | None, pattern: re.Pattern
) -> str | None:
    """``text`` with the repeat's own question numbers shifted to instance ``n``'s (example 2
    prints questions 12-19 where example 1 prints 4-11); numbers outside the repeat are kept."""
    if not text or repeat is None or n is None:
        return text
    shift = repeat.offset(n) - repeat.offset(1)
    if not shift:
        return text
    own = {
        int(q.number) for p in repeat.pages for q in p.questions if q.number and q.number.isdigit()
    }

    def shifted(match: re.Match) -> str:
        first, last = int(match.group(2)), match.group(4)
        if first not in own or (last and int(last) not in own):
            return match.group(0)
        out = f"{match.group(1)}{first + shift}"
        if last:
            out += f"{match.group(3)}{int(last) + shift}"
        return out

    return pattern.sub(shifted, text)


@dataclass(frozen=True)
class QuestionInstance:
    """A question as asked: in a repeat instance it has its own keys and printed number."""

    question: Question
    instance: int | None = None
    repeat: Repeat | None = None

    @property
    def key(self) -> str:
        if self.instance is None or self.repeat is None:
            return self.question.id
        return instance_key(self.question.id, self.repeat.key, self.instance)

    @property
    def number(self) -> str | None:
        number = self.question.number
        if number is None or self.instance is None or self.repeat is None:
            return number
        if number.isdigit():
            return str(int(number) + self.repeat.offset(self.instance))
        return number

    def renumber(self, text: str | None) -> str | None:
        """In a later repeat instance, "question 7" in a hint or note means that instance's own
        question 7 (15 in example 2), so references to the repeat's own numbers are shifted."""
        return renumbered(self.repeat, self.instance, text, _QUESTION_NUMBERS)

    def sibling_key(self, question_id: str) -> str:
        """Answer key of another question in the same repeat instance (or outside it)."""
        if self.instance is not None and self.repeat is not None:
            ids = {q.id for p in self.repeat.pages for q in p.questions}
            if question_id in ids:
                return instance_key(question_id, self.repeat.key, self.instance)
        return question_id

    def sibling(self, question: Question) -> QuestionInstance:
        """Another question as asked alongside this one: in the same repeat instance when it
        belongs to this question's repeat, otherwise as asked once."""
        repeat, n = self.repeat, self.instance
        if (
            repeat is not None
            and n is not None
            and any(q.id == question.id for p in repeat.pages for q in p.questions)
        ):
            return QuestionInstance(question, n, repeat)
        return QuestionInstance(question)


@dataclass(frozen=True)
class PageInstance:
    page: Page
    instance: int | None = None
    repeat: Repeat | None = None

    @property
    def key(self) -> str:
        return self.page.id if self.instance is None else f"{self.page.id}-{self.instance}"

    def questions(self) -> list[QuestionInstance]:
        return [QuestionInstance(q, self.instance, self.repeat) for q in self.page.questions]

    @property
    def is_list_summary(self) -> bool:
        """The summary page of a list collector (a page of the repeat, of no one item)."""
        return self.repeat is not None and self.instance is None

    @property
    def reference(self) -> str:
        """The support reference printed at the bottom of the page, e.g. ``B-EX2-Q16``."""
        parts = [self.page.section] if self.page.section else []
        if self.instance is not None and self.repeat is not None:
            parts.append(f"{self.repeat.key.upper()}{self.instance}")
        ref = self.page.ref or self.page.id.upper()
        # the example's own printed numbers: example 2's savings page is B-EX2-Q16
        parts.append(renumbered(self.repeat, self.instance, ref, _REFERENCE_NUMBERS) or ref)
        return "-".join(parts)

    @property
    def heading_prefix(self) -> str | None:
        if self.instance is not None and self.repeat is not None:
            return f"{self.repeat.label} {self.instance}"
        return None

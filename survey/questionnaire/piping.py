"""Piping: earlier answers, the respondent's authority and the questionnaire's dates in texts.

A text of a definition (a question's text, hint and note, a page's title, intro and content, an
option's label and hint, a follow-up's text, a grid's rows and columns, a check's message) may name ``{q3}`` (the answer to q3, or an answer key such as ``{q8_total}``),
``{authority}`` (the respondent's name), ``{opens}`` or ``{closes}`` (the dates the survey opens
and closes, as the schedule configuration says). ``{q3|your budget}`` says what to show while q3
is unanswered (and on the blank printed form); without it the text reads "(your answer to
question 3)". ``{{`` and ``}}`` are literal braces. A text that writes out the definition's own
closing date follows the schedule too (:meth:`Pipes.restate`).

The loader checks every placeholder (:func:`check_placeholders`): a name that is not a question
before the text, or an answer on the same page (not answered when the page is shown), is refused
with file, line and path. Values are formatted by the question's type (its read-back lines), and
are escaped where the text is rendered: on a page, in rich text and in the PDFs a piped answer
is only ever text, never markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from survey.questionnaire.model import (
    Option,
    Page,
    Question,
    QuestionInstance,
    Questionnaire,
    Repeat,
)
from survey.questionnaire.types import QUESTION_TYPES

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z0-9_]+)(?:\|([^{}]*))?\}")
CONTEXT_NAMES = ("authority", "opens", "closes")


@dataclass(frozen=True)
class Context:
    """What a text may name besides answers: who is answering and the survey's dates."""

    authority: str | None = None
    opens: dt.date | None = None
    closes: dt.date | None = None


def names(text: str | None) -> list[tuple[str, str | None]]:
    """The placeholders of a text: (name, stated fallback or None), in order."""
    if not text or "{" not in text:
        return []
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text) if m.group(1)]


def fill(text: str | None, value: Callable[[str, str | None], str]) -> str | None:
    """The text with each placeholder replaced by ``value(name, fallback)``; braces doubled
    are single ones."""
    if not text or "{" not in text and "}}" not in text:
        return text

    def replace(match: re.Match) -> str:
        whole = match.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        return value(match.group(1), match.group(2))

    return PLACEHOLDER.sub(replace, text)


def _pipes_text(text: str | None) -> bool:
    return bool(text) and ("{" in text or "}}" in text)  # type: ignore[operator]


def piped_options(options: tuple[Option, ...], text: Callable[[str], str]) -> tuple[Option, ...]:
    """Options (of a choice, a dropdown, a grid's rows or columns) with what their labels, hints
    and follow-up texts pipe filled in by ``text``; the very same tuple when none pipes anything,
    so the common case costs nothing (and a grid's cached markup stays cached)."""
    if not any(_option_pipes(o) for o in options):
        return options
    return tuple(_piped_option(o, text) if _option_pipes(o) else o for o in options)


def piped_question(q: Question, text: Callable[[str], str]) -> Question:
    """The question with what its options, rows and columns pipe filled in (as they read back
    on check your answers and in the answers PDF); the very same question when nothing pipes."""
    options, rows, columns = (piped_options(o, text) for o in (q.options, q.rows, q.grid_columns))
    if options is q.options and rows is q.rows and columns is q.grid_columns:
        return q
    return replace(q, options=options, rows=rows, grid_columns=columns)


def _option_pipes(o: Option) -> bool:
    return (
        _pipes_text(o.label) or _pipes_text(o.hint) or any(_pipes_text(f.text) for f in o.follow_up)
    )


def _piped_option(o: Option, text: Callable[[str], str]) -> Option:
    return replace(
        o,
        label=text(o.label),
        hint=text(o.hint) if o.hint else o.hint,
        follow_up=tuple(replace(f, text=text(f.text)) for f in o.follow_up),
    )


def long_date(value: dt.date) -> str:
    """ "Wednesday 19 June 2013", as the welcome pages write a date."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


class Pipes:
    """The values a page's texts may name, worked out only for the names they use.

    ``context`` is the page's question instance (a repeat's own questions are read in the same
    instance); with no ``answers`` (the blank printed form) every answer shows its fallback.
    """

    def __init__(
        self,
        questionnaire: Questionnaire,
        answers: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None,
        context: Context,
        instance: QuestionInstance | None = None,
    ):
        self.questionnaire = questionnaire
        self._answers = answers
        self.context = context
        self.instance = instance

    @property
    def answers(self) -> Mapping[str, Any]:
        """The answers, worked out on first use when given as a callable (most pages pipe
        nothing, and the effective answers of a response are not free)."""
        if callable(self._answers):
            self._answers = self._answers()
        return self._answers or {}

    def __call__(self, name: str, fallback: str | None) -> str:
        if name in CONTEXT_NAMES:
            return self._context_value(name, fallback)
        owner = owning_question(self.questionnaire, name)
        if owner is None:
            return fallback if fallback is not None else name
        qi = self.instance.sibling(owner) if self.instance else QuestionInstance(owner)
        key = (
            name
            if qi.repeat is None or qi.instance is None
            else qi.repeat.instance_key(name, qi.instance)
        )
        value = self.answers.get(key)
        if value in (None, "", []):
            return fallback if fallback is not None else unanswered(qi)
        text = QUESTION_TYPES[owner.type].piped(self.questionnaire, qi, key, self.answers)
        return text or str(value)

    def restate(self, text: str) -> str:
        """A text that writes out the definition's own closing date ("Wednesday 19 June 2013",
        "19 June 2013") states when the survey closes: when the schedule moves that date, the
        text says the schedule's (as ``{closes}`` would), so paper and screen never disagree
        with the link."""
        before, after = self.questionnaire.closes, self.context.closes
        if before is None or after is None or before == after:
            return text
        for old, new in ((long_date(before), long_date(after)), (_day(before), _day(after))):
            text = text.replace(old, new)
        return text

    def _context_value(self, name: str, fallback: str | None) -> str:
        if name == "authority":
            return self.context.authority or (
                fallback if fallback is not None else "your authority"
            )
        date = self.context.opens if name == "opens" else self.context.closes
        if date is None:
            return (
                fallback
                if fallback is not None
                else ("no closing date" if name == "closes" else "now")
            )
        return long_date(date)


def unanswered(qi: QuestionInstance) -> str:
    """What a piped answer reads while it is not given, unless the text says otherwise."""
    if qi.number:
        return f"(your answer to question {qi.number})"
    return f"(your answer to “{qi.question.text}”)"


def owning_question(questionnaire: Questionnaire, name: str):
    """The question an answer key belongs to (``q8_total`` -> q8), or None."""
    question = questionnaire.question(name)
    if question is not None:
        return question
    candidates = [q for q in questionnaire.questions() if name.startswith(q.id + "_")]
    return max(candidates, key=lambda q: len(q.id), default=None)


# -- the loader's check ----------------------------------------------------------------------------


def texts_of(page: Page) -> Iterable[tuple[str, str | None, int]]:
    """Every text of a page that may pipe: (where, text, its line)."""
    yield "title", page.title, page.line
    yield "intro", page.intro, page.line
    yield "content", page.content, page.line
    for i, q in enumerate(page.questions):
        where = f"questions[{i}]({q.id})"
        yield f"{where}.text", q.text, q.line
        yield f"{where}.hint", q.hint, q.line
        yield f"{where}.note", q.note, q.line
        for name, options in (
            ("options", q.options),
            ("rows", q.rows),
            ("columns", q.grid_columns),
        ):
            for o in options:
                yield f"{where}.{name}({o.id}).label", o.label, q.line
                yield f"{where}.{name}({o.id}).hint", o.hint, q.line
                for f in o.follow_up:
                    yield f"{where}.{name}({o.id}).follow_up({f.id}).text", f.text, q.line
    for check in page.checks:
        yield f"checks({check.id}).message", check.message, page.line


def check_placeholders(questionnaire: Questionnaire, say: Callable[[int, str, str], None]) -> None:
    """Refuse a placeholder that names nothing, or an answer not given before the text is shown:
    ``say(line, path, message)`` records each problem."""
    order = {q.id: i for i, q in enumerate(questionnaire.questions())}
    known = sorted(order) + list(CONTEXT_NAMES)
    for page_path, page in _placed_pages(questionnaire):
        first = min((order[q.id] for q in page.questions), default=None)
        for where, text, line in texts_of(page):
            for name, _fallback in names(text):
                if name in CONTEXT_NAMES:
                    continue
                owner = owning_question(questionnaire, name)
                path = f"{page_path}.{where}"
                if owner is None:
                    close = _close(name, known)
                    say(line, path, f"'{{{name}}}' names no question or answer{close} "
                        f"(known: questions, {', '.join(CONTEXT_NAMES)})")  # fmt: skip
                elif (
                    any(q.id == owner.id for q in page.questions)
                    or (first is not None and order[owner.id] >= first)
                    or (first is None and _after(questionnaire, owner.id, page))
                ):
                    say(line, path, f"'{{{name}}}' pipes the answer to '{owner.id}', which is not "
                        "given before this text is shown: pipe answers of earlier pages")  # fmt: skip


def _after(questionnaire: Questionnaire, question_id: str, page: Page) -> bool:
    """Whether the question comes after a page without questions."""
    pages = questionnaire.pages()
    holder = questionnaire.page_of(question_id)
    return holder is not None and pages.index(holder) > pages.index(page)


def _placed_pages(questionnaire: Questionnaire) -> Iterable[tuple[str, Page]]:
    for i, item in enumerate(questionnaire.items):
        if isinstance(item, Repeat):
            for j, page in enumerate(item.pages):
                yield f"pages[{i}].repeat({item.id}).pages[{j}]({page.id})", page
        else:
            yield f"pages[{i}]({item.id})", item


def _close(name: str, known: list[str]) -> str:
    import difflib

    match = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{{{match[0]}}}'?)" if match else ""

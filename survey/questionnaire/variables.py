"""The neutral table of variables every download is written from: one :class:`Variable` per column.

What a question contributes (its names, value labels and kinds) is decided here from the
definition alone, so every file format (CSV, Excel, SPSS, the codebook, JSON) reads the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.asked import asked_when
from survey.questionnaire.model import Option, QuestionInstance, Questionnaire
from survey.questionnaire.types import question_type

FLAG_LABELS = {0: "Not selected", 1: "Selected"}


@dataclass(frozen=True)
class Variable:
    """One column of the tabular downloads.

    ``kind`` is how a cell is filled: ``code`` (an option id; numeric 1..n in SPSS), ``flag``
    (0/1: was ``option`` chosen in the list stored under ``key``), ``number`` (pounds, numbers) or
    ``text``.
    """

    name: str
    key: str  # the answer key the value is read from
    kind: str
    question_type: str  # the question's type, or "group:<field type>", "meta"
    question_id: str
    number: str  # printed question number ("12" for the second example's Q4), or ""
    text: str  # the question text
    sub: str | None = None  # option, row, rank, field or cell label
    options: tuple[Option, ...] = ()
    option: str | None = None  # flags: the option id
    ordinal: bool = False  # grids: the columns are a scale
    identifying: bool = False  # removed from anonymised downloads
    repeat: str | None = None
    instance: int | None = None
    base: str = ""  # the name without the instance part (q7_service_redesign for q7_ex2_...)
    section: str | None = None
    described: str = ""  # the codebook's word for what it holds: "money (£)", "specify text"
    pounds: bool = False  # whole pounds (SPSS shows no decimals)
    max_chars: int | None = None  # text: the most characters an answer may have, when known
    asked: str = ""  # when the question is asked, in words (survey.questionnaire.asked)
    # what its question's type (a group's or follow-up's field's) says the cells hold:
    date: str = ""  # dates (text cells) to the "day" (2013-03-27) or the "month" (2013-03)
    free_text: bool = False  # text a respondent typed, which may name someone
    may_name: bool = False  # text that may ask for a name (QuestionType.holds_a_name)
    label_map: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """Question number, sub-label and text: ``Q17 [Corporate leadership] In this example...``."""
        prefix = f"Q{self.number} " if self.number else ""
        sub = f"[{self.sub}] " if self.sub else ""
        return f"{prefix}{sub}{self.text}".strip()

    def codes(self) -> list[tuple[str, int, str, bool]]:
        """``(code, spss value, label, missing)`` for every value a coded cell can hold."""
        if self.kind == "flag":
            return [(str(v), v, label, False) for v, label in FLAG_LABELS.items()]
        if self.kind == "code":
            return [(o.id, i, o.label, o.missing) for i, o in enumerate(self.options, start=1)]
        return []


def question_variables(
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    section: str | None,
    identifying: set[str],
) -> list[Variable]:
    """The download columns of one question as asked: what they are is its type's
    (``variables`` hook); what every column of a question shares is filled in here."""
    q = qi.question
    qtype = question_type(q)
    common = {
        "question_type": q.type,
        "question_id": q.id,
        "number": qtype.number_label(questionnaire, qi),
        "text": q.text,
        "identifying": q.id in identifying,
        "section": section,
        "described": q.type,
        "max_chars": q.max_length,
        "asked": asked_when(questionnaire, qi),
    }

    def var(name: str, kind: str, **kw: Any) -> Variable:
        also = kw.pop("only_if", None)  # a "please specify" text: asked while its option is chosen
        if also is not None:
            kw["asked"] = asked_when(questionnaire, qi, also)
        held_by = kw.pop("field_type", qtype)  # a group's or follow-up's field: its own type
        kw["date"] = held_by.date_precision
        kw["free_text"] = kind == "text" and not held_by.date_precision
        kw["may_name"] = held_by.holds_a_name
        kw = {**common, **kw}
        options = kw.get("options", ())
        label_map = {o.id: o.label for o in options}
        return Variable(
            name=name, key=kw.pop("key", name), kind=kind, base=name, label_map=label_map, **kw
        )

    return qtype.variables(questionnaire, qi, var)

"""The neutral table of variables every download is written from: one :class:`Variable` per column.

What a question contributes (its names, value labels and kinds) is decided here from the
definition alone, so every file format (CSV, Excel, SPSS, the codebook, JSON) reads the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import Option, QuestionInstance, Questionnaire
from survey.questionnaire.routing import cell_asked

FLAG_LABELS = {0: "Not selected", 1: "Selected"}
NUMBER_TYPES = frozenset({"money", "number", "percentage"})


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
    q, key = qi.question, qi.key
    number = qi.number or ""
    qtype = q.type
    if q.type == "ranking" and not number:
        source = questionnaire.question(q.ranking_of or "")
        if source is not None:
            source_qi = QuestionInstance(source, qi.instance, qi.repeat)
            if qi.repeat is None or qi.sibling_key(source.id) == source.id:
                source_qi = QuestionInstance(source)
            if source_qi.number:
                number = f"{source_qi.number} ranking"
    common = {
        "question_type": qtype,
        "question_id": q.id,
        "number": number,
        "text": q.text,
        "identifying": q.id in identifying,
        "section": section,
    }

    def var(name: str, kind: str, **kw: Any) -> Variable:
        kw = {**common, **kw}
        options = kw.get("options", ())
        label_map = {o.id: o.label for o in options}
        return Variable(
            name=name, key=kw.pop("key", name), kind=kind, base=name, label_map=label_map, **kw
        )

    out: list[Variable] = []
    if q.type == "single":
        out.append(var(key, "code", options=q.options))
        out += [var(f"{key}_{o.id}_text", "text", sub=o.label) for o in q.options if o.specify]
    elif q.type == "multiple":
        out += [var(f"{key}_{o.id}", "flag", key=key, option=o.id, sub=o.label) for o in q.options]
        out += [var(f"{key}_{o.id}_text", "text", sub=o.label) for o in q.options if o.specify]
    elif q.type == "ranking":
        source = questionnaire.question(q.ranking_of or "")
        options = source.options if source else ()
        for i in range(1, q.ranks + 1):
            sub = q.rank_labels[i - 1] if i <= len(q.rank_labels) else f"Rank {i}"
            out.append(var(f"{key}_{i}", "code", options=options, sub=sub))
    elif q.type == "grid":
        out += [
            var(f"{key}_{row.id}", "code", options=q.grid_columns, sub=row.label, ordinal=True)
            for row in q.rows
        ]
    elif q.type == "group":
        for f in q.fields:
            kind = "code" if f.type == "single" else "number" if f.type in NUMBER_TYPES else "text"
            out.append(
                var(
                    f"{key}_{f.id}",
                    kind,
                    options=f.options,
                    sub=f.text.rstrip(":"),
                    question_type=f"group:{f.type}",
                )
            )
    elif q.type == "money_table":
        for row in q.rows:
            out += [
                var(f"{key}_{row.id}_{c.id}", "number", sub=f"{row.label}, {c.label}")
                for c in q.columns
                if cell_asked(questionnaire, q, row.id, c)
            ]
            if row.specify:
                out.append(var(f"{key}_{row.id}_text", "text", sub=row.label))
    elif q.type in NUMBER_TYPES:
        out.append(var(key, "number"))
    else:
        out.append(var(key, "text"))
    return out

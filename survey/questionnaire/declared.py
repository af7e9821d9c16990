"""Top-level declarations of a definition beyond its pages: renamed options and engine texts.

``renamed_options`` says what became of an option that responses chose and a new version no
longer offers (survey.questionnaire.versioning applies it); ``texts`` replaces, for one
questionnaire, words the engine itself writes on pages (:data:`ENGINE_TEXTS`, today's wording
the default). Both are read by the loader, every problem with file, line and path.
"""

from __future__ import annotations

import difflib
from typing import Any, Protocol

from survey.questionnaire.engine_texts import ENGINE_TEXTS, fields
from survey.questionnaire.model import Operand, Option, SummaryLine
from survey.questionnaire.yaml_lines import Map


class Reader(Protocol):
    """What these declarations need of the loader (survey.questionnaire.reading.Reader)."""

    question_options: dict[str, tuple[Option, ...]]
    numeric_keys: dict[str, str]

    def problem(self, node: Any, path: str, message: str, key: str | None = None) -> None: ...


def read_renames(self: Reader, raw: Any, node: Map) -> None:
    """``renamed_options: {q2: {old_id: new_id}}``: each a question with options, each new id
    one of its options and each old id no longer one."""
    if raw is None:
        return
    if not isinstance(raw, Map):
        self.problem(node, "renamed_options", "must map question ids to {old id: new id}")
        return
    for qid, mapping in raw.items():
        if qid == "__duplicate_keys__":
            continue
        path = f"renamed_options.{qid}"
        options = {o.id for o in self.question_options.get(str(qid), ())}
        if not options:
            self.problem(raw, path, f"'{qid}' is not a question with options", qid)
            continue
        if not isinstance(mapping, Map):
            self.problem(raw, path, "must map old option ids to new ones", qid)
            continue
        for old, new in mapping.items():
            if old == "__duplicate_keys__":
                continue
            if str(new) not in options:
                self.problem(mapping, f"{path}.{old}", f"'{new}' is not an option of '{qid}' "
                             f"(its options: {', '.join(sorted(options))})", old)  # fmt: skip
            if str(old) in options:
                self.problem(mapping, f"{path}.{old}", f"'{old}' is still an option of "
                             f"'{qid}': only an option no longer offered is renamed", old)  # fmt: skip


# -- the engine's own words --------------------------------------------------------------------------


def read_texts(self: Reader, raw: Any, node: Map) -> None:
    """``texts: {name: wording}``: each name one of :data:`ENGINE_TEXTS`, each wording text
    with the same fields (``{limit}``) as its default."""
    if raw is None:
        return
    if not isinstance(raw, Map):
        self.problem(node, "texts", "must map engine text names to their wording")
        return
    for name, wording in raw.items():
        if name == "__duplicate_keys__":
            continue
        path = f"texts.{name}"
        if name not in ENGINE_TEXTS:
            close = difflib.get_close_matches(str(name), list(ENGINE_TEXTS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.problem(raw, path, f"unknown engine text '{name}'{hint}; the texts: "
                         f"{', '.join(sorted(ENGINE_TEXTS))}", name)  # fmt: skip
            continue
        if not isinstance(wording, str) or not wording.strip():
            self.problem(raw, path, "must be text", name)
            continue
        have, want = fields(wording), fields(ENGINE_TEXTS[name])
        if have != want:
            known = ", ".join(f"{{{f}}}" for f in sorted(want)) or "none"
            wrong = sorted(have - want)
            what = (f"'{{{wrong[0]}}}' is not filled in here" if wrong else
                    f"'{{{sorted(want - have)[0]}}}' is missing")  # fmt: skip
            self.problem(raw, path, f"{what} (this text has: {known})", name)


# -- calculated summaries -------------------------------------------------------------------------


def read_summary(self: Reader, raw: Any, path: str, node: Map) -> tuple[SummaryLine, ...]:
    """``summary: [{label, sum: [keys]} | {label, question: key}]``: totals of numbers answered
    on earlier pages, shown back with "Are these totals correct?"."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        self.problem(node, f"{path}.summary", "must be a non-empty list of totals")
        return ()
    lines = []
    for i, item in enumerate(raw):
        p = f"{path}.summary[{i}]"
        if not isinstance(item, Map) or not isinstance(item.get("label"), str):
            self.problem(raw, p, "a total is a mapping with a label and a sum (or a question)")
            continue
        unknown = set(item) - {"label", "sum", "question", "__duplicate_keys__"}
        if unknown or ("sum" in item) == ("question" in item):
            self.problem(item, p, "give a label and one of sum (a list of answer keys) or question")
            continue
        terms = item["sum"] if "sum" in item else [item["question"]]
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            self.problem(item, p, "sum is a non-empty list of answer keys")
            continue
        kinds = []
        for key in terms:
            kind = self.numeric_keys.get(key)
            if kind is None:
                self.problem(item, p, f"'{key}' is not the answer key of a number, percentage or "
                             "money question on an earlier page")  # fmt: skip
            kinds.append(kind)
        lines.append(
            SummaryLine(
                item["label"], Operand("sum", tuple(terms)), all(k == "money" for k in kinds)
            )
        )
    return tuple(lines)

"""The neutral table every download is written from: its columns, as :class:`Variable` rows.

What one question contributes is decided by :func:`survey.questionnaire.variables.question_variables`;
this module lays the questions out in questionnaire order (repeat instances one after another,
or one row per instance for the long file of a repeat), adds the response's own columns
(:data:`META`) and makes the anonymised variant (no identifying questions; the type of authority
as sponsors get it). CSV, Excel, SPSS, the codebook and the JSON Lines interchange all read this
one table, so a column is named, labelled and coded the same way in every file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from survey.disclosure.types import TypeGrouping, type_grouping, type_note
from survey.questionnaire.authority import names_the_authority
from survey.questionnaire.model import QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.variables import Variable, question_variables
from survey.questionnaire.versioning import renamed_options

META = {
    "response_id": "Response id (database key)",
    "authority": "Authority (the invited respondent's name; a pseudonymous id when anonymised)",
    "authority_type": "Type of authority given when invited (an option id of the authority types)",
    "status": "Response status: submitted or in_progress",
    "questionnaire_version": "Version of the questionnaire definition the response answered",
    "started_at": "Started (UTC)",
    "updated_at": "Last saved (UTC)",
    "submitted_at": "Submitted (UTC)",
    "keyed_in_by": "Keyed in by (the research team member who typed a paper return in)",
    "language": "Language the response was given in (a BCP 47 tag: en-GB, cy); answers are "
    "the same option ids in every language",
}


def meta_columns(anonymised: bool) -> list[str]:
    """The response's own columns; anonymised files start at the pseudonymous authority."""
    cols = list(META)
    return cols[1:] if anonymised else cols


def meta_variables(anonymised: bool, questionnaire: Questionnaire | None = None) -> list[Variable]:
    """The response's own columns as variables, for the codebook and the SPSS labels. Anonymised,
    the type of authority says what it holds (the report group, or withheld)."""
    texts = dict(META)
    if anonymised and questionnaire is not None:
        texts["authority_type"] = f"Type of authority. {type_note(type_grouping(questionnaire))}"
    return [
        Variable(
            name=c,
            key=c,
            kind="meta",
            question_type="meta",
            question_id=c,
            number="",
            text=texts[c],
        )
        for c in meta_columns(anonymised)
    ]


def identifying_question_ids(questionnaire: Questionnaire) -> set[str]:
    """Questions removed from anonymised downloads: ``personal_data`` questions, those listed in
    ``settings: {identifying_questions: [...]}``, else a text question asking the authority's name
    (:func:`survey.questionnaire.authority.names_the_authority`)."""
    ids = {q.id for q in questionnaire.questions() if q.personal_data}
    settings = questionnaire.extra.get("settings") or {}
    listed = settings.get("identifying_questions") if isinstance(settings, dict) else None
    if listed is not None:
        return ids | {str(x) for x in listed}
    return ids | {q.id for q in questionnaire.questions() if names_the_authority(q)}


def variables(questionnaire: Questionnaire, *, anonymised: bool = False) -> list[Variable]:
    """The variables of the wide file, in questionnaire order (repeat instances one after another)."""
    identifying = identifying_question_ids(questionnaire)
    out: list[Variable] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            for n in range(1, item.max + 1):
                out += _repeat_instance_variables(questionnaire, item, n, identifying)
        else:
            for q in item.questions:
                out += question_variables(
                    questionnaire, QuestionInstance(q), item.section, identifying
                )
    if not anonymised:
        return out
    return anonymised_types([v for v in out if not v.identifying], type_grouping(questionnaire))


def former_candidates(
    latest: Questionnaire, older: Questionnaire, *, anonymised: bool = False
) -> list[Variable]:
    """The columns of an ``older`` version the ``latest`` no longer has, named and labelled as
    ``older`` had them: the variables of the questions ``latest`` lists under ``retired``, and the
    flags of options of a multiple choice that ``latest`` neither offers nor declares renamed.
    Only those some response holds become columns (:func:`former_variables`)."""
    retired = {str(x) for x in latest.extra.get("retired") or []}
    renames = renamed_options(latest)
    have = {(v.key, v.option) for v in variables(latest)}
    return [
        v
        for v in variables(older, anonymised=anonymised)
        if (v.key, v.option) not in have
        and (
            v.question_id in retired
            or (v.kind == "flag" and v.option not in renames.get(v.question_id, {}))
        )
    ]


def former_variables(
    latest: Questionnaire, found: Iterable[tuple[list[Variable], Mapping[str, set[str]]]]
) -> list[Variable]:
    """The columns added after the current ones: of each older version (newest first), its
    :func:`former_candidates` whose keys hold a value in some response of the export (``held``:
    key -> the option ids stored, or ``{""}`` for any other value). The flag of an option a
    current question no longer has needs that option chosen; a column already taken from a newer
    version is not repeated."""
    retired = {str(x) for x in latest.extra.get("retired") or []}
    out: list[Variable] = []
    seen: set[tuple[str, str | None]] = set()
    for candidates, held in found:
        for v in candidates:
            values = held.get(v.key)
            if not values or (v.key, v.option) in seen:
                continue
            if v.question_id not in retired and v.option not in values:
                continue
            seen.add((v.key, v.option))
            out.append(v)
    return out


def anonymised_types(found: list[Variable], grouping: TypeGrouping) -> list[Variable]:
    """The variables of anonymised downloads with the type question's as sponsors get them
    (:mod:`survey.disclosure.types`): its coded variable holds the report group (the groups are
    its codes) or the type, or is withheld in every row; its "please specify" texts are left out."""
    out = []
    for v in found:
        if not _kept_type_variable(v, grouping):
            continue
        if v.question_id not in grouping.questions:
            out.append(v)
        else:
            options = grouping.groups or v.options
            out.append(
                replace(
                    v,
                    options=options,
                    label_map={o.id: o.label for o in options},
                    sub="report group" if grouping.grouped else v.sub,
                    text=f"{v.text} ({type_note(grouping)})",
                )
            )
    return out


def _kept_type_variable(v: Variable, grouping: TypeGrouping) -> bool:
    return v.question_id not in grouping.questions or v.kind == "code"


def repeat_variables(
    questionnaire: Questionnaire, repeat: Repeat, *, anonymised: bool = False
) -> tuple[list[Variable], dict[int, list[str]]]:
    """The variables of the long file of a repeat (named without the instance part) and, per
    instance, the answer keys they read (aligned with the variables)."""
    identifying = identifying_question_ids(questionnaire)
    base: list[Variable] = []
    for page in repeat.pages:
        for q in page.questions:
            base += question_variables(
                questionnaire, QuestionInstance(q), page.section, identifying
            )
    keys: dict[int, list[str]] = {}
    for n in range(1, repeat.max + 1):
        found = _repeat_instance_variables(questionnaire, repeat, n, identifying, keep_another=True)
        keys[n] = [v.key for v in found]
    long = [replace(v, repeat=repeat.id) for v in base]
    if anonymised:
        keys = {
            n: [k for k, v in zip(ks, long, strict=True) if not v.identifying]
            for n, ks in keys.items()
        }
        long = [v for v in long if not v.identifying]
        grouping = type_grouping(questionnaire)
        kept = [i for i, v in enumerate(long) if _kept_type_variable(v, grouping)]
        keys = {n: [ks[i] for i in kept] for n, ks in keys.items()}
        long = anonymised_types(long, grouping)
    return long, keys


def _repeat_instance_variables(
    questionnaire: Questionnaire,
    repeat: Repeat,
    n: int,
    identifying: set[str],
    keep_another: bool = False,
) -> list[Variable]:
    out: list[Variable] = []
    for page in repeat.pages:
        for q in page.questions:
            if not keep_another and repeat.another == q.id and n == repeat.max:
                continue  # never asked: the last instance cannot offer another
            found = question_variables(
                questionnaire, QuestionInstance(q, n, repeat), page.section, identifying
            )
            plain = question_variables(
                questionnaire, QuestionInstance(q), page.section, identifying
            )
            out += [
                replace(v, repeat=repeat.id, instance=n, base=p.name)
                for v, p in zip(found, plain, strict=True)
            ]
    return out


def instance_column(repeat: Repeat) -> str:
    """The long file's instance number column, named after the repeat's label: ``example``."""
    name = re.sub(r"[^a-z0-9]+", "_", repeat.label.lower()).strip("_")
    return name or "instance"


def is_free_text(v: Variable) -> bool:
    """Whether a variable holds text a respondent typed (text, textarea, email, telephone and web
    questions and group fields, "please specify" texts), which may name someone: decided from the
    question types, for any questionnaire (:attr:`Variable.free_text`, which each type sets).
    Dates are text cells but not free text."""
    return v.free_text


def free_text_questions(variables: Iterable[Variable]) -> dict[str, str]:
    """The answer key of every free-text variable, with the id of its question."""
    return {v.key: v.question_id for v in variables if is_free_text(v)}

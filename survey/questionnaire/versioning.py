"""Changing a live questionnaire safely.

Every distinct text of a definition is stored as a new version (:mod:`survey.registry`), and each
response keeps the version it was answered on, so rewording a question or adding an option never
breaks answers already given. What *would* orphan collected answers is removing a question, or
changing its type to one that does not keep its answers (a single may become a dropdown, a
text a paragraph), while responses hold answers to it: :func:`orphaning_changes` finds those, and
``survey check`` refuses them unless the new definition lists the question under ``retired:`` to
say the loss is intended. Removing an option that responses chose is refused the same way unless
the new definition declares what became of it (``renamed_options: {q2: {old_id: new_id}}``), a
mapping the downloads apply to the responses answered on older versions (:func:`apply_renames`),
so one code means one thing across versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from survey.questionnaire.keys import instance_key
from survey.questionnaire.model import QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.types import keeps_answers, question_type


def orphaning_changes(
    old: Questionnaire,
    new: Questionnaire,
    answered_question_ids: Iterable[str],
    chosen: Mapping[str, set[str]] | None = None,
) -> list[str]:
    """Messages for each answered question of ``old`` that ``new`` removes or retypes, and for
    each option ``chosen`` (question id -> option ids responses hold) that ``new`` drops without
    declaring it renamed."""
    retired = set(new.extra.get("retired") or [])
    messages = _dropped_options(new, chosen or {}, retired)
    for question_id in sorted(set(answered_question_ids)):
        before = old.question(question_id)
        if before is None or question_id in retired:
            continue
        after = new.question(question_id)
        if after is None:
            messages.append(
                f"question '{question_id}' was removed but responses hold answers to it; "
                f"list it under 'retired:' to confirm"
            )
        elif not keeps_answers(before, after):
            messages.append(
                f"question '{question_id}' changed type from {before.type} to {after.type} but "
                f"responses hold answers to it; give it a new id, or list it under 'retired:'"
            )
    return messages


def answered_question_ids(questionnaire: Questionnaire, answer_keys: Iterable[str]) -> set[str]:
    """Which questions these stored answer keys belong to (keys start with the question id)."""
    ids = sorted((q.id for q in questionnaire.questions()), key=len, reverse=True)
    found = set()
    for key in answer_keys:
        for question_id in ids:
            if key == question_id or key.startswith(question_id + "_"):
                found.add(question_id)
                break
    return found


def renamed_options(questionnaire: Questionnaire) -> dict[str, dict[str, str]]:
    """``renamed_options`` as declared: question id -> {old option id: new option id}."""
    declared = questionnaire.extra.get("renamed_options") or {}
    return {str(q): {str(a): str(b) for a, b in m.items()} for q, m in declared.items()}


def _dropped_options(
    new: Questionnaire, chosen: Mapping[str, set[str]], retired: set[str]
) -> list[str]:
    renames = renamed_options(new)
    messages = []
    for question_id in sorted(chosen):
        after = new.question(question_id)
        if after is None or question_id in retired or not after.options:
            continue  # a removed question is reported as such
        kept = {o.id for o in after.options}
        for code in sorted(chosen[question_id] - kept - set(renames.get(question_id, {}))):
            messages.append(
                f"option '{code}' of question '{question_id}' was removed or renamed but "
                f"responses chose it; declare what it became under 'renamed_options:' "
                f"({{{question_id}: {{{code}: new_id}}}}), or keep the option"
            )
    return messages


def choice_keys(questionnaire: Questionnaire) -> dict[str, str]:
    """Every stored key holding a question's own choice (``q2``, ``q11_ex2``) -> question id:
    the answers an option's id is stored in."""
    out: dict[str, str] = {}
    for item in questionnaire.items:
        repeat = item if isinstance(item, Repeat) else None
        pages = item.pages if isinstance(item, Repeat) else (item,)
        for page in pages:
            for q in page.questions:
                if not q.options:
                    continue
                qi = QuestionInstance(q)
                kinds = question_type(q).stored_kinds(questionnaire, qi)
                if kinds.get(q.id) not in ("choice", "choices"):
                    continue
                if repeat is None:
                    out[q.id] = q.id
                else:
                    for n in range(1, repeat.max + 1):
                        out[instance_key(q.id, repeat.key, n)] = q.id
    return out


def apply_renames(
    latest: Questionnaire, answered_on: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """A response's answers (on the version ``answered_on``) with the option ids the latest
    definition declares renamed replaced by their new ids, as the downloads show them."""
    renames = renamed_options(latest)
    if not renames or answered_on is latest:
        return dict(answers)
    owners = choice_keys(answered_on)
    out = dict(answers)
    for key, value in answers.items():
        mapping = renames.get(owners.get(key, ""))
        if not mapping:
            continue
        if isinstance(value, list):
            out[key] = [mapping.get(v, v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            out[key] = mapping.get(value, value)
    return out


def carry_over(
    old: Questionnaire, new: Questionnaire, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A response's answers on ``old`` as answers on a corrected version ``new``: kept where the
    key is one ``new`` asks of a question whose type keeps the old one's answers (the same type,
    or a single become a dropdown: :func:`~survey.questionnaire.types.keeps_answers`; renamed
    options renamed), the rest
    returned apart (the caller records them, so nothing is lost)."""
    asked: dict[str, str] = {}
    for item in new.items:
        pages = item.pages if isinstance(item, Repeat) else (item,)
        instances = range(1, item.max + 1) if isinstance(item, Repeat) else (None,)
        for page in pages:
            for q in page.questions:
                for n in instances:
                    qi = QuestionInstance(q, n, item if isinstance(item, Repeat) else None)
                    for key in question_type(q).stored_kinds(new, qi):
                        asked[key] = q.id
    renamed = apply_renames(new, old, answers)
    kept, dropped = {}, {}
    for key, value in renamed.items():
        question_id = asked.get(key)
        before = old.question(question_id) if question_id else None
        after = new.question(question_id) if question_id else None
        if before is not None and after is not None and keeps_answers(before, after):
            kept[key] = value
        else:
            dropped[key] = answers[key]
    return kept, dropped

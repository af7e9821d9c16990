"""Changing a live questionnaire safely.

Every distinct text of a definition is stored as a new version (:mod:`survey.registry`), and each
response keeps the version it was answered on, so rewording a question or adding an option never
breaks answers already given. What *would* orphan collected answers is removing a question, or
changing its type, while responses hold answers to it: :func:`orphaning_changes` finds those, and
``survey check`` refuses them unless the new definition lists the question under ``retired:`` to
say the loss is intended.
"""

from __future__ import annotations

from collections.abc import Iterable

from survey.questionnaire.model import Questionnaire


def orphaning_changes(
    old: Questionnaire, new: Questionnaire, answered_question_ids: Iterable[str]
) -> list[str]:
    """Messages for each answered question of ``old`` that ``new`` removes or retypes."""
    retired = set(new.extra.get("retired") or [])
    messages = []
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
        elif after.type != before.type:
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

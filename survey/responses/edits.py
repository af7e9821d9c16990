"""The research team's edits of submitted responses, as read: a response's answers with its edits
in force, its change log, and every edit of a questionnaire for the change-log download.

:mod:`survey.responses.reading` lays the edits in force on top of the answers it reads
(``apply_edits``); this module gives the views and downloads the rest. The edits are written by
:mod:`survey.responses.editing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import AnswerEdit, QuestionnaireVersion, Respondent, Response
from survey.responses.reading import (
    _ANSWERS_OF,
    EditRecord,
    ResponseRecord,
    apply_edits,
    edit_rows,
    edits_in_force,
    load_answers,
    of_questionnaire,
    responses_query,
)


def edited_response_ids(questionnaire_id: str) -> set[int]:
    """The questionnaire's responses that hold a researcher's edit (one query)."""
    return set(
        db.session.scalars(
            select(AnswerEdit.response_id)
            .join(Response, Response.id == AnswerEdit.response_id)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id
            )
            .where(of_questionnaire(questionnaire_id))
            .distinct()
        )
    )


def edited_answers(response: ResponseRecord | Response) -> dict[str, Any]:
    """A response's answers as the research team, the figures and the downloads read them:
    the stored answers with the edits in force on top."""
    return apply_edits(load_answers(response), edits_in_force([response.id]).get(response.id, {}))


def change_log(response_id: int) -> list[EditRecord]:
    """Every edit of a response, newest first, each marked in force or not."""
    edits = edit_rows([response_id])
    stored = load_answers_by_id(response_id)
    newest: dict[str, EditRecord] = {}
    for edit in edits:
        newest[edit.key] = edit
    apply_edits(stored, newest)
    return list(reversed(edits))


def load_answers_by_id(response_id: int) -> dict[str, Any]:
    """The stored answers of a response given by its id."""
    db.session.flush()
    return dict(db.session.connection().execute(_ANSWERS_OF, {"response_id": response_id}).all())


def questionnaire_edits(questionnaire_id: str) -> Iterator[tuple[Any, EditRecord]]:
    """Every edit of the questionnaire's responses, oldest first, with (response id, reference,
    authority name) for the change-log download; each marked in force or not."""
    rows = db.session.execute(
        responses_query(questionnaire_id)
        .with_only_columns(Response.id, Response.reference, Respondent.name)
        .where(Response.id.in_(select(AnswerEdit.response_id)))
        .order_by(Response.id)
    ).all()
    for row in rows:
        for edit in reversed(change_log(row.id)):
            yield row, edit

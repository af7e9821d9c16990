"""Respondents' links: issuing them (one or a whole upload), issuing a new one and revoking one,
each with its audit event. Only a token's hash is stored, so a link is handed back once, here.
The caller commits (a view, after building the page or the file that shows the links)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from survey.audit import audit
from survey.config import link_key
from survey.models import Respondent, utcnow
from survey.responses.invitations import Invitee
from survey.responses.writing import create_respondent
from survey.tokens import hash_token, new_token, seal


def issue_links(
    questionnaire_id: str, invitees: Iterable[Invitee], actor: str
) -> list[tuple[Respondent, str]]:
    """A respondent for each invitee, with its token, and one event for the whole upload."""
    issued = [
        create_respondent(
            questionnaire_id,
            invitee.name,
            invitee.authority_type,
            invitee.contact_name,
            invitee.email,
            actor=actor,
        )
        for invitee in invitees
    ]
    audit(actor, "invitations_uploaded", None, {"count": len(issued)})
    return issued


def reissue(respondent: Respondent, actor: str) -> str:
    """A new link; the old one stops working at once (its hash is replaced)."""
    token = new_token()
    respondent.token_hash = hash_token(token)
    respondent.token_sealed = seal(token, link_key(current_app.config))
    respondent.token_issued_at = utcnow()
    respondent.revoked_at = None
    audit(actor, "link_reissued", respondent.id)
    return token


def revoke(respondent: Respondent, actor: str) -> None:
    """The link no longer opens the questionnaire."""
    respondent.revoked_at = utcnow()
    audit(actor, "link_revoked", respondent.id)

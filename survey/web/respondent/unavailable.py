"""When the database refuses a respondent's write: busy for a moment, or unable to take writes
at all (a full disk, a read-only database). Either way nothing was saved and what was typed is
kept; what differs is what the respondent is told and how loudly it is logged."""

from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy.exc import DBAPIError

from survey.extensions import db
from survey.responses.failures import WriteFailure, write_failure


def write_refused(exc: DBAPIError) -> WriteFailure:
    """Roll back a write the database refused and log why: a warning when it was busy, an error
    (with the cause) when it cannot take writes at all. Faults in the code are raised again."""
    db.session.rollback()
    failure = write_failure(exc)
    if failure is None:
        raise exc
    if failure.busy:
        current_app.logger.warning(
            "%s: save refused, database busy: %s", request.path, failure.cause
        )
    else:
        current_app.logger.error(
            "%s: save refused, %s: %s", request.path, failure.cause, str(exc.orig).strip()
        )
    return failure


def cannot_write(exc: DBAPIError):
    """The respondent blueprint's handler for a write other than a page save (starting, removing
    an example, submitting) refused by the database: nothing was changed, everything saved
    before is kept; say so (503)."""
    failure = write_refused(exc)
    return render_template("errors/unavailable.html", busy=failure.busy), 503

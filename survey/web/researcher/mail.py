"""The research team's email pages: the message templates, the preview of a send before
anything is queued, scheduled reminders, and messages that need a decision. Sending itself is
``survey send-mail`` (survey.fieldwork.sender); these views only queue."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db
from survey.fieldwork import campaign, outbox, tracking
from survey.fieldwork.messages import PLACEHOLDERS, fill, problems, values_for
from survey.fieldwork.models import KINDS, OutboxMessage, ReminderSchedule
from survey.fieldwork.smtp import MailSettings
from survey.models import Respondent, utcnow
from survey.questionnaire.model import Questionnaire
from survey.responses.browsing import saved_response_ids
from survey.schedule import printed_dates, window
from survey.web.auth import STAFF, roles_required
from survey.web.researcher.blueprint import PostForm, bp, questionnaire_or_404

KIND_NAMES = {"invitation": "invitations", "reminder": "reminders"}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _settings() -> tuple[MailSettings | None, list[str]]:
    settings = MailSettings.of(current_app.config)
    return settings, (settings.problems() if settings else [])


def _closes(questionnaire: Questionnaire) -> dt.date | None:
    return window(questionnaire, current_app.config["SURVEY_SCHEDULE"])[1]


def _sample(questionnaire: Questionnaire, subject: str, body: str, respondent: Respondent | None):
    """The message as one authority will get it; the link is shown as a stand-in, because a
    link is put in only when the message is sent (and never shown on a page)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    name = respondent.name if respondent else "Example Borough Council"
    contact = respondent.contact_name if respondent else "Alex Example"
    closes = printed_dates(questionnaire, current_app.config["SURVEY_SCHEDULE"])[1]
    values = values_for(
        name, contact, f"{base}/s/[this authority's own link]", closes,
        questionnaire.title,
    )  # fmt: skip
    return fill(subject, body, values)


@bp.get("/<questionnaire_id>/email")
@roles_required(*STAFF)
def email(questionnaire_id: str):
    return _email_page(questionnaire_or_404(questionnaire_id))


def _email_page(questionnaire: Questionnaire, errors: dict[str, str] | None = None, status=200):
    """The email page: settings, the outbox's counts, templates, schedules, and the messages
    that failed or whose delivery is unknown."""
    settings, setting_problems = _settings()
    needing = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.questionnaire_id == questionnaire.id,
            OutboxMessage.status.in_(("failed", "unknown")),
        )
        .order_by(OutboxMessage.created_at.desc())
        .limit(200)
    ).all()
    return render_template(
        "researcher/email.html",
        questionnaire=questionnaire,
        settings=settings,
        setting_problems=setting_problems,
        counts=outbox.counts(questionnaire.id),
        mail_labels=tracking.MAIL_LABELS,
        schedules=campaign.schedules(questionnaire.id),
        needing=needing,
        names=_names(m.respondent_id for m in needing),
        closes=_closes(questionnaire),
        errors=errors or {},
        form=request.form,
    ), status


def _names(ids) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Respondent.id, Respondent.name).where(Respondent.id.in_(wanted))
    )
    return {rid: name for rid, name in rows}


# -- templates --------------------------------------------------------------------------------------


@bp.route("/<questionnaire_id>/email/template/<kind>", methods=["GET", "POST"])
@roles_required(*STAFF)
def email_template(questionnaire_id: str, kind: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    kind = _kind(kind)
    subject, body = campaign.template_for(questionnaire_id, kind)
    errors: dict[str, str] = {}
    if request.method == "POST":
        subject = (request.form.get("subject") or "").replace("\r\n", "\n")
        body = (request.form.get("body") or "").replace("\r\n", "\n")
        if not PostForm().validate():
            errors["subject"] = "The form had expired: nothing was saved. Save it again."
        else:
            for problem in problems(subject, body):
                errors.setdefault(problem.field, problem.message)
        if not errors and request.form.get("action") != "preview":
            campaign.save_template(questionnaire_id, kind, subject, body, current_user.email)
            flash(f"The {kind} was saved.")
            return redirect(url_for(".email", questionnaire_id=questionnaire_id))
    sample = None if errors else _sample(questionnaire, subject, body, None)
    return render_template(
        "researcher/email_template.html",
        questionnaire=questionnaire,
        kind=kind,
        subject=subject,
        body=body,
        errors=errors,
        sample=sample,
        placeholders=PLACEHOLDERS,
    ), (400 if errors else 200)


# -- preview and queue ------------------------------------------------------------------------------


FILTERS = {"": "Everyone listed", "not_started": "Not started", "opened": "Opened, nothing saved",
           "in_progress": "In progress"}  # fmt: skip


@bp.route("/<questionnaire_id>/email/send/<kind>", methods=["GET", "POST"])
@roles_required(*STAFF)
def email_send(questionnaire_id: str, kind: str):
    """Who the message goes to and what it says, before anything is queued; the button queues
    it for the chosen authorities (the form carries its batch, so posting it twice queues once)."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    kind = _kind(kind)
    settings, setting_problems = _settings()
    everyone = campaign.audience(questionnaire_id, kind, None)
    saved = saved_response_ids(questionnaire_id)
    statuses = {r.id: tracking.status(r, saved) for r in everyone}
    status_filter = request.values.get("status") or ""
    if status_filter not in FILTERS:
        status_filter = ""
    listed = [r for r in everyone if not status_filter or statuses[r.id] == status_filter]
    errors: dict[str, str] = {}
    chosen_ids = {r.id for r in listed}
    if request.method == "POST":
        chosen_ids = {int(v) for v in request.form.getlist("respondent") if v.isdigit()}
        chosen = [r for r in listed if r.id in chosen_ids]
        if not PostForm().validate():
            errors["respondents"] = "The form had expired: nothing was queued. Try again."
        elif settings is None or setting_problems:
            errors["respondents"] = "Email is not set up, so nothing can be queued."
        elif not chosen:
            errors["respondents"] = f"Choose at least one authority to send the {kind} to"
        if not errors and settings is not None:
            return _queue(questionnaire, kind, chosen, settings)
    template = campaign.template_for(questionnaire_id, kind)
    first = next((r for r in listed if r.id in chosen_ids), None)
    return render_template(
        "researcher/email_send.html",
        questionnaire=questionnaire,
        kind=kind,
        settings=settings,
        setting_problems=setting_problems,
        listed=listed,
        chosen_ids=chosen_ids,
        statuses=statuses,
        status_labels=tracking.STATUS_LABELS,
        filters=FILTERS,
        status_filter=status_filter,
        sample=_sample(questionnaire, *template, first),
        sample_for=first,
        batch=request.form.get("batch") or outbox.new_batch(),
        errors=errors,
    ), (400 if errors else 200)


def _queue(
    questionnaire: Questionnaire, kind: str, chosen: list[Respondent], settings: MailSettings
):
    result = outbox.queue(
        questionnaire.id, kind, chosen, campaign.template_for(questionnaire.id, kind),
        request.form.get("batch") or outbox.new_batch(), current_user.email, settings.sender,
    )  # fmt: skip
    if result.already:
        flash(
            "These messages were already queued (the form was sent twice): nothing more was queued."
        )
    else:
        message = f"{result.count} {KIND_NAMES[kind] if result.count != 1 else kind} queued."
        for reason, names in result.skipped.items():
            message += f" {len(names)} not queued ({reason}): {', '.join(names[:10])}"
            message += "…" if len(names) > 10 else "."
        if result.reissued:
            message += (
                f" {result.reissued} had a link issued before email was set up: they get a new"
                " link, and the old one no longer works."
            )
        flash(message)
    return redirect(url_for(".email", questionnaire_id=questionnaire.id))


# -- scheduled reminders and messages needing a decision --------------------------------------------


@bp.post("/<questionnaire_id>/email/schedule")
@roles_required(*STAFF)
def email_schedule(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    if not PostForm().validate():
        abort(400)
    send_at, error = _parse_when(request.form, _closes(questionnaire))
    if error:
        return _email_page(questionnaire, {"send_at-day": error}, 400)
    assert send_at is not None
    campaign.schedule_reminder(questionnaire_id, send_at, current_user.email)
    flash(
        f"A reminder is scheduled for {send_at.day} {send_at:%B %Y at %H:%M} UTC, to every authority not submitted by then."
    )
    return redirect(url_for(".email", questionnaire_id=questionnaire_id))


def _parse_when(form, closes: dt.date | None) -> tuple[dt.datetime | None, str | None]:
    """The date and time typed (UTC), or a message saying what is wrong with them."""
    parts = [(form.get(f"send_at-{p}") or "").strip() for p in ("day", "month", "year")]
    if not all(parts):
        return None, "Enter the date of the reminder, with a day, month and year"
    try:
        day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, OverflowError):  # not numbers, no such day, or numbers too big for a date
        return None, "The date of the reminder must be a real date, like 1 7 2013"
    time_text = (form.get("send_at-time") or "09:00").strip()
    try:
        at = dt.time.fromisoformat(time_text if len(time_text) > 2 else f"{time_text}:00")
    except ValueError:
        return None, "The time must be like 09:00 (24-hour clock, UTC)"
    send_at = dt.datetime.combine(day, at)
    if send_at <= utcnow():
        return None, "The reminder must be in the future"
    if closes is not None and day > closes:
        return (
            None,
            f"The reminder must be on or before the closing date, {closes.day} {closes:%B %Y}",
        )
    return send_at, None


@bp.post("/<questionnaire_id>/email/schedule/<int:schedule_id>/cancel")
@roles_required(*STAFF)
def email_schedule_cancel(questionnaire_id: str, schedule_id: int):
    questionnaire_or_404(questionnaire_id)
    row = db.session.get(ReminderSchedule, schedule_id)
    if not PostForm().validate() or row is None or row.questionnaire_id != questionnaire_id:
        abort(400)
    if row.queued_at is None and row.cancelled_at is None:
        campaign.cancel_schedule(row, current_user.email)
        flash("The scheduled reminder was cancelled.")
    return redirect(url_for(".email", questionnaire_id=questionnaire_id))


@bp.post("/<questionnaire_id>/email/messages/<int:message_id>/again")
@roles_required(*STAFF)
def email_again(questionnaire_id: str, message_id: int):
    """Send again a message that failed or whose delivery is unknown (a researcher's decision:
    the outbox never does it on its own)."""
    questionnaire_or_404(questionnaire_id)
    message = db.session.get(OutboxMessage, message_id)
    if not PostForm().validate() or message is None or message.questionnaire_id != questionnaire_id:
        abort(400)
    if message.status not in ("failed", "unknown"):
        abort(400)
    outbox.send_again(message, current_user.email)
    flash("The message was queued again.")
    return redirect(url_for(".email", questionnaire_id=questionnaire_id))

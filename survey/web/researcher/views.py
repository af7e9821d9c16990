"""The research team's pages: invitations, tracking, responses and the audit log.

Every view is decorated with :func:`survey.web.auth.roles_required`; a test walks the URL map to make
sure no page is missed. Sponsors only ever reach aggregate or anonymised pages. Signing in and
accounts are in :mod:`.accounts`, downloads in :mod:`.downloads`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from typing import Any

from flask import Response as HttpResponse
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from survey.audit import audit
from survey.extensions import db
from survey.fieldwork import tracking
from survey.models import AuditEvent, Respondent
from survey.questionnaire.model import Questionnaire
from survey.responses import links, writing
from survey.responses.answers import answer_sections
from survey.responses.browsing import saved_response_ids
from survey.responses.invitations import authority_types, links_csv, parse_invitations, safe_cell
from survey.responses.reading import answers_to, load_answers
from survey.responses.writing import create_respondent
from survey.web.auth import EVERYONE, STAFF, key_in_token, roles_required
from survey.web.files import file_response
from survey.web.researcher.blueprint import PostForm, bp, questionnaire_or_404, registry
from survey.web.researcher.rate_chart import rate_chart_svg, submission_timeline
from survey.web.researcher.responses import response_answers


def _respondent(questionnaire_id: str, respondent_id: int) -> Respondent:
    respondent = db.session.get(Respondent, respondent_id)
    if respondent is None or respondent.questionnaire_id != questionnaire_id:
        abort(404)
    return respondent


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "questionnaires": list(registry().served().values()),
        "user": current_user,
        "post_form": PostForm(),
    }


# -- home and tracking ----------------------------------------------------------------------------


@bp.get("/")
@roles_required(*EVERYONE)
def home():
    counts: dict[str, Counter] = {}
    for questionnaire in registry().served().values():
        saved = saved_response_ids(questionnaire.id)
        respondents = db.session.scalars(
            select(Respondent).filter_by(questionnaire_id=questionnaire.id)
        )
        counts[questionnaire.id] = Counter(tracking.status(r, saved) for r in respondents)
    return render_template("researcher/home.html", counts=counts)


def _status(respondent: Respondent) -> str:
    return tracking.status(respondent, saved_response_ids(respondent.questionnaire_id))


STATUS_LABELS = tracking.STATUS_LABELS


def _tracking_rows(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """One row per authority: its status, its type by the one rule (and its answer where it
    differs from the type invited as), its saves and its emails."""
    saved = saved_response_ids(questionnaire.id)
    type_question = (questionnaire.extra.get("invitations") or {}).get("authority_type_question")
    answered = answers_to(questionnaire.id, type_question) if type_question else {}
    mail = tracking.mail_summaries(questionnaire.id)
    rows = []
    respondents = db.session.scalars(
        select(Respondent).filter_by(questionnaire_id=questionnaire.id).order_by(Respondent.name)
    )
    for respondent in respondents:
        response = respondent.response
        kind = tracking.type_of(
            questionnaire, respondent, answered.get(response.id) if response else None
        )
        rows.append(
            {
                "respondent": respondent,
                "type": kind.label,
                "type_id": kind.id,
                "answered_otherwise": kind.answered_otherwise,
                "status": tracking.status(respondent, saved),
                "last_page": response.last_page if response else None,
                "updated_at": response.updated_at if response else None,
                "submitted_at": response.submitted_at if response else None,
                "keyed_in_by": response.keyed_in_by if response else None,
                "opened_at": respondent.opened_at,
                "mail": mail.get(respondent.id) or tracking.MailSummary(),
            }
        )
    return rows


def response_rates(
    questionnaire: Questionnaire, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The live response-rate table of Appendix B: by type of authority and in total.

    Types and populations come from the definition's ``groups`` and ``populations`` (several
    answers may make one type, as counties with and without fire do); without them each option of
    the type question is a row and the number invited stands in for the population.
    """
    from survey.scoring.config import ScoringConfigError, scoring_config

    try:
        types = [
            (t.label, set(t.answers), t.population) for t in scoring_config(questionnaire).types
        ]
    except ScoringConfigError:
        types = []
    if not types:
        options = authority_types(questionnaire)
        types = [(o.label, {o.id}, None) for o in options]
        known = {o.id for o in options}
        if any(r["type_id"] not in known for r in rows):
            types.append(("Type not given", {r["type_id"] for r in rows} - known, None))
    table = [
        _rate_row(
            label,
            [r for r in rows if r["type_id"] in answers],
            population,
        )
        for label, answers, population in types
    ]
    populations = [t[2] for t in types]
    counted = [p for p in populations if p is not None]
    total = sum(counted) if populations and len(counted) == len(populations) else None
    table.append(_rate_row("Total", rows, total))
    return table


def _rate_row(label: str, rows: list[dict[str, Any]], population: int | None) -> dict[str, Any]:
    invited = len(rows)
    submitted = sum(r["status"] == "submitted" for r in rows)
    in_progress = sum(r["status"] == "in_progress" for r in rows)
    opened = sum(r["status"] == "opened" for r in rows)
    base = population if population else invited
    rate = round(100 * submitted / base) if base else None
    return {
        "label": label,
        "population": population,
        "invited": invited,
        "submitted": submitted,
        "in_progress": in_progress,
        "opened": opened,
        "rate": rate,
    }


@bp.get("/<questionnaire_id>/")
@roles_required(*STAFF)
def dashboard(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    rows = _tracking_rows(questionnaire)
    rates = response_rates(questionnaire, rows)
    status_filter = request.args.get("status") or ""
    type_filter = request.args.get("type") or ""
    shown = [
        r
        for r in rows
        if (not status_filter or r["status"] == status_filter)
        and (not type_filter or r["type_id"] == type_filter)
    ]
    timeline = submission_timeline(rows)
    return render_template(
        "researcher/dashboard.html",
        questionnaire=questionnaire,
        timeline=timeline,
        rate_chart=Markup(rate_chart_svg(timeline, f"{questionnaire.title}: responses over time")),
        rows=shown,
        total=len(rows),
        rates=rates,
        status_labels=STATUS_LABELS,
        mail_labels=tracking.MAIL_LABELS,
        status_filter=status_filter,
        type_filter=type_filter,
        types=authority_types(questionnaire),
    )


@bp.get("/<questionnaire_id>/response-rates")
@roles_required(*EVERYONE)
def rates(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    table = response_rates(questionnaire, _tracking_rows(questionnaire))
    return render_template("researcher/rates.html", questionnaire=questionnaire, rates=table)


@bp.get("/<questionnaire_id>/chase-list.csv")
@roles_required(*STAFF)
def chase_list(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "type", "contact_name", "email", "status", "last_page", "last_saved"])
    for r in _tracking_rows(questionnaire):
        if r["status"] in ("submitted", "revoked"):
            continue
        respondent = r["respondent"]
        writer.writerow(
            [
                safe_cell(respondent.name),
                safe_cell(r["type"]),
                safe_cell(respondent.contact_name or ""),
                safe_cell(respondent.contact_email or ""),
                STATUS_LABELS[r["status"]],
                r["last_page"] or "",
                r["updated_at"].isoformat(timespec="seconds") if r["updated_at"] else "",
            ]
        )
    audit(
        current_user.email,
        "download",
        None,
        {"what": "chase_list", "questionnaire": questionnaire_id},
    )
    db.session.commit()
    return _csv_download(out.getvalue(), f"{questionnaire_id}-chase-list.csv")


def _csv_download(text: str, filename: str) -> HttpResponse:
    return file_response(text, "text/csv", filename)


# -- invitations ----------------------------------------------------------------------------------


@bp.route("/<questionnaire_id>/invitations", methods=["GET", "POST"])
@roles_required(*STAFF)
def invitations(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    errors = []
    form = PostForm()
    if request.method == "POST":
        upload = request.files.get("file")
        if not form.validate():
            errors = [{"line": 0, "message": "The form had expired. Choose the file again."}]
        elif upload is None or not upload.filename:
            errors = [{"line": 0, "message": "Choose a CSV file of authorities to upload"}]
        else:
            existing = set(
                db.session.scalars(
                    select(Respondent.name).filter_by(questionnaire_id=questionnaire_id)
                )
            )
            invitees, row_errors = parse_invitations(upload.read(), questionnaire, existing)
            if row_errors:
                errors = [{"line": e.line, "message": e.message} for e in row_errors]
            else:
                return _issue_links(questionnaire, invitees)
    return render_template(
        "researcher/invitations.html",
        questionnaire=questionnaire,
        errors=errors,
        types=authority_types(questionnaire),
    ), (400 if errors else 200)


def _issue_links(questionnaire: Questionnaire, invitees) -> HttpResponse:
    """Create every respondent in one transaction and hand back their links as a CSV.

    Links are shown once: only hashes are stored, so this download is the mail merge file.
    """
    registry().ensure_version(questionnaire)
    base = current_app.config["BASE_URL"].rstrip("/")
    issued = links.issue_links(questionnaire.id, invitees, current_user.email)
    rows = [
        (respondent.name, respondent.contact_name, respondent.contact_email, f"{base}/s/{token}")
        for respondent, token in issued
    ]
    db.session.commit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return _csv_download(links_csv(rows), f"{questionnaire.id}-links-{stamp}.csv")


@bp.post("/<questionnaire_id>/invitations/add")
@roles_required(*STAFF)
def add_invitation(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    form = PostForm()
    line = ",".join(
        f'"{(request.form.get(k) or "").replace(chr(34), "")}"'
        for k in ("name", "type", "contact_name", "email")
    )
    existing = set(
        db.session.scalars(select(Respondent.name).filter_by(questionnaire_id=questionnaire_id))
    )
    invitees, row_errors = parse_invitations(
        "name,type,contact_name,email\n" + line, questionnaire, existing
    )
    if not form.validate() or row_errors:
        message = row_errors[0].message if row_errors else "The form had expired. Try again."
        return render_template(
            "researcher/invitations.html",
            questionnaire=questionnaire,
            errors=[{"line": 0, "message": message}],
            types=authority_types(questionnaire),
            single=request.form,
        ), 400
    invitee = invitees[0]
    registry().ensure_version(questionnaire)
    respondent, token = create_respondent(
        questionnaire.id, invitee.name, invitee.authority_type, invitee.contact_name,
        invitee.email, actor=current_user.email,
    )  # fmt: skip
    db.session.commit()
    return _show_link(questionnaire, respondent, token, "issued")


def _show_link(questionnaire, respondent, token, what):
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/s/{token}"
    return render_template(
        "researcher/link.html",
        questionnaire=questionnaire,
        respondent=respondent,
        link=link,
        what=what,
    )


# -- one respondent -------------------------------------------------------------------------------


@bp.get("/<questionnaire_id>/respondents/<int:respondent_id>")
@roles_required(*STAFF)
def respondent(questionnaire_id: str, respondent_id: int):
    respondent = _respondent(questionnaire_id, respondent_id)
    response = respondent.response
    questionnaire = registry().get(questionnaire_id)
    shown: dict[str, Any] = {"sections": [], "change_log": []}
    if response is not None:
        questionnaire = registry().for_version(response.questionnaire_version)
        shown = response_answers(questionnaire, response)
    events = db.session.scalars(
        select(AuditEvent)
        .filter_by(respondent_id=respondent.id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    audit(current_user.email, "response_viewed", respondent.id)
    db.session.commit()
    return render_template(
        "researcher/respondent.html",
        questionnaire=questionnaire,
        respondent=respondent,
        response=response,
        status=_status(respondent),
        status_labels=STATUS_LABELS,
        events=events,
        **shown,
    )


@bp.post("/<questionnaire_id>/respondents/<int:respondent_id>/reissue")
@roles_required(*STAFF)
def reissue(questionnaire_id: str, respondent_id: int):
    """A new link; the old one stops working at once (its hash is replaced)."""
    respondent = _respondent(questionnaire_id, respondent_id)
    if not PostForm().validate():
        abort(400)
    token = links.reissue(respondent, current_user.email)
    db.session.commit()
    return _show_link(questionnaire_or_404(questionnaire_id), respondent, token, "reissued")


@bp.post("/<questionnaire_id>/respondents/<int:respondent_id>/revoke")
@roles_required(*STAFF)
def revoke(questionnaire_id: str, respondent_id: int):
    respondent = _respondent(questionnaire_id, respondent_id)
    if not PostForm().validate():
        abort(400)
    links.revoke(respondent, current_user.email)
    db.session.commit()
    flash("The link was revoked. It no longer opens the questionnaire.")
    return redirect(
        url_for(".respondent", questionnaire_id=questionnaire_id, respondent_id=respondent_id)
    )


@bp.post("/<questionnaire_id>/respondents/<int:respondent_id>/reopen")
@roles_required(*STAFF)
def reopen(questionnaire_id: str, respondent_id: int):
    """Let the respondent's link edit a submitted response again (logged)."""
    respondent = _respondent(questionnaire_id, respondent_id)
    response = respondent.response
    if not PostForm().validate() or response is None or response.status != "submitted":
        abort(400)
    writing.reopen(response, current_user.email)
    flash("The response was reopened: the respondent's link can change the answers again.")
    return redirect(
        url_for(".respondent", questionnaire_id=questionnaire_id, respondent_id=respondent_id)
    )


@bp.post("/<questionnaire_id>/respondents/<int:respondent_id>/key-in")
@roles_required(*STAFF)
def key_in(questionnaire_id: str, respondent_id: int):
    """Enter a paper return through the respondent's forms, marked as keyed in."""
    respondent = _respondent(questionnaire_id, respondent_id)
    if not PostForm().validate():
        abort(400)
    token = key_in_token(respondent.id, current_user.id)
    return redirect(url_for("respondent.start", token=token))


@bp.get("/<questionnaire_id>/respondents/<int:respondent_id>/answers.pdf")
@roles_required(*STAFF)
def respondent_pdf(questionnaire_id: str, respondent_id: int):
    from survey.printing.pdf import answers_pdf
    from survey.web.printing import pdf_response

    respondent = _respondent(questionnaire_id, respondent_id)
    response = respondent.response
    if response is None:
        abort(404)
    questionnaire = registry().for_version(response.questionnaire_version)
    answers = load_answers(response)
    sections = answer_sections(questionnaire, answers)
    pdf = answers_pdf(questionnaire, respondent, response, sections, answers)
    audit(current_user.email, "download", respondent.id, {"what": "answers_pdf"})
    db.session.commit()
    return pdf_response(pdf, f"{questionnaire_id}-{respondent.id}-answers.pdf")

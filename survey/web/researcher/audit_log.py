"""The audit log for admins: filtered (who, what, which authority, dates), paged, and
downloadable as a CSV that Excel opens (with a byte-order mark), naming each authority."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from survey import audit as audit_trail
from survey.audit import AuditFilter
from survey.extensions import db
from survey.responses.invitations import safe_cell
from survey.web.auth import roles_required
from survey.web.files import file_response
from survey.web.researcher.blueprint import bp

PER_PAGE = 50
MAX_TEXT = 300


def _date(name: str, errors: dict[str, str]) -> dt.date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Enter the date as YYYY-MM-DD, like 2013-07-12"
        return None


def _filter() -> tuple[AuditFilter, dict[str, str]]:
    errors: dict[str, str] = {}
    where = AuditFilter(
        actor=(request.args.get("actor") or "").strip()[:MAX_TEXT],
        action=(request.args.get("action") or "").strip()[:100],
        authority=(request.args.get("authority") or "").strip()[:MAX_TEXT],
        since=_date("since", errors),
        until=_date("until", errors),
    )
    return where, errors


def _page() -> int:
    text = request.args.get("page") or "1"
    return max(int(text), 1) if text.isdigit() and len(text) < 7 else 1


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    where, errors = _filter()
    total = audit_trail.count(where)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(_page(), pages)
    shown = audit_trail.entries(where, (page - 1) * PER_PAGE, PER_PAGE)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "researcher/audit.html",
        entries=shown,
        total=total,
        page=page,
        pages=pages,
        page_numbers=[n for n in range(1, pages + 1) if n in (1, pages) or abs(n - page) <= 2],
        errors=errors,
        where=where,
        args=args,
        actions=audit_trail.actions(),
        page_url=lambda n: url_for(".audit_log", **args, page=n),
        csv_url=url_for(".audit_log_csv", **args),
    ), (400 if errors else 200)


@bp.get("/audit.csv")
@roles_required("admin")
def audit_log_csv():
    """Every event matching the filter (not only one page), newest first."""
    where, errors = _filter()
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the file as UTF-8 only with a byte-order mark
    writer = csv.writer(out)
    writer.writerow(
        ["at_utc", "actor", "action", "authority", "respondent_id", "questionnaire", "details"]
    )
    for entry in audit_trail.entries(where, 0, None):
        event = entry.event
        writer.writerow(
            [
                event.at.isoformat(timespec="seconds"),
                safe_cell(event.actor),
                event.action,
                safe_cell(entry.authority or ""),
                event.respondent_id or "",
                entry.questionnaire_id or "",
                safe_cell(
                    json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True, default=str)
                ),
            ]
        )
    audit_trail.audit(current_user.email, "download", None, {"what": "audit_log"})
    db.session.commit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return file_response(out.getvalue(), "text/csv", f"audit-log-{stamp}.csv")

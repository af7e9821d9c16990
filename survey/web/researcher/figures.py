"""The research team's figure pages: the report's figures, the cleaning log and its review, the
data-quality summary and the PDF findings report.

Figures, the data-quality summary and the PDF are aggregates (admin, researcher and sponsor),
served as published: a cell that could reveal fewer than the minimum of authorities is N/A,
with no numerators or denominators (survey/scoring/published.py). ``?precision=full`` gives the
research team (admin, researcher) the full-precision figures, labelled so; anyone else asking for
them is refused. The cleaning log names responses by reference and is for the research team
only. ``?include_in_progress=1`` counts partial responses too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as HttpResponse
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from survey.audit import audit
from survey.extensions import db
from survey.jobs import reports
from survey.jobs.files import result_path
from survey.jobs.store import latest_done
from survey.models import CleaningDecision, Job, Response
from survey.questionnaire.model import Questionnaire
from survey.scoring.cleaning import reallocation_targets
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.scoring.issues import ACTION_LABELS, REVIEW_ORDER, RULE_TITLES, RULES
from survey.scoring.output import figure_csv, figure_svg, log_csv_parts
from survey.scoring.report import Report
from survey.web.auth import roles_required
from survey.web.files import file_response
from survey.web.researcher.jobs import job_result, prepared

bp = Blueprint("figures", __name__, url_prefix="/research/<questionnaire_id>/figures")

EVERYONE = ("admin", "researcher", "sponsor")
STAFF = ("admin", "researcher")
PAGE = 300  # issues shown on the cleaning page (the whole log is the CSV)


class DecisionForm(FlaskForm):
    """A researcher's decision on one cleaning issue."""

    response_id = HiddenField(validators=[DataRequired()])
    rule = HiddenField(validators=[DataRequired()])
    subject = HiddenField(validators=[DataRequired(), Length(max=200)])
    action = SelectField(choices=[(k, v) for k, v in ACTION_LABELS.items()])
    target = SelectField(choices=[("", "")], validators=[Optional()], validate_choice=False)
    note = StringField(validators=[Optional(), Length(max=1000)])


def _questionnaire(questionnaire_id: str) -> Questionnaire:
    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    try:
        scoring_config(questionnaire)
    except ScoringConfigError as exc:
        abort(
            HttpResponse(
                render_template(
                    "figures/problems.html", questionnaire=questionnaire, problems=exc.problems
                ),
                500,
            )
        )
    return questionnaire


def _include_in_progress() -> bool:
    """Partial responses counted too: for the research team only. A partial response counts as
    an authority without adding data, so with it a group of two submitted authorities passes
    the minimum and its cells are shown (the published figures are of submitted responses)."""
    asked = request.args.get("include_in_progress") in ("1", "true", "yes")
    return asked and current_user.role in STAFF


def _full_precision() -> bool:
    """``?precision=full``: the research team's full-precision figures; a sponsor asking for
    them is refused (403), never quietly given the published ones under that name."""
    if request.args.get("precision") != "full":
        return False
    if current_user.role not in STAFF:
        abort(403)
    return True


def _query() -> dict[str, str]:
    """The query arguments the figure pages keep from link to link."""
    query = {"include_in_progress": "1"} if _include_in_progress() else {}
    if _full_precision():
        query["precision"] = "full"
    return query


def _report(questionnaire: Questionnaire) -> Report:
    """The report, as a background job made it (never built in a web request). While a newer
    one is being made, the newest earlier one is shown, with a notice of its time
    (``g.figures_updating``, shown by figures/_nav.html); with none, the request ends with
    the job's page (see ``prepared``)."""
    shown = prepared("report", _report_params(questionnaire), earlier=True)
    if shown.updating is not None and shown.job.finished_at is not None:
        g.figures_updating = {
            "as_of": f"{shown.job.finished_at:%d %b %Y %H:%M} UTC",
            "here": request.full_path.rstrip("?"),
        }
    return _loaded(questionnaire, shown.job)


def _report_params(questionnaire: Questionnaire) -> dict[str, Any]:
    return {"questionnaire_id": questionnaire.id, "include_in_progress": _include_in_progress()}


def _loaded(questionnaire: Questionnaire, job: Job) -> Report:
    """The report in ``job``'s file, kept in this process while that job is the one shown."""
    cache: dict[tuple, tuple[str, Report]] = current_app.extensions.setdefault(
        "scoring_reports", {}
    )
    key = (questionnaire.id, id(questionnaire), bool(job.params.get("include_in_progress")))
    cached = cache.get(key)
    if cached and cached[0] == job.key:
        return cached[1]
    path = result_path(job)
    assert path is not None
    try:
        report = reports.load(path, questionnaire)
    except reports.Damaged:  # not whole (a file truncated, its issues lost): made again
        path.unlink(missing_ok=True)
        job = prepared("report", dict(job.params)).job
        path = result_path(job)
        assert path is not None
        report = reports.load(path, questionnaire)
    cache[key] = (job.key, report)
    return report


def _context(questionnaire: Questionnaire, **extra: Any) -> dict[str, Any]:
    return {
        "questionnaire": questionnaire,
        "user": current_user,
        "staff": current_user.role in STAFF,
        "include_in_progress": _include_in_progress(),
        "full_precision": _full_precision(),
        "query": _query(),
        "view_urls": _view_urls(),
        **extra,
    }


def _view_urls() -> dict[str, str]:
    """This page in the published view and in the full-precision one."""
    args = {k: v for k, v in request.args.items() if k != "precision"}
    here = {**(request.view_args or {}), **args}
    return {
        "published": url_for(request.endpoint or ".index", **here),
        "full": url_for(request.endpoint or ".index", **here, precision="full"),
    }


def _figure(report: Report, figure_id: str) -> dict[str, Any]:
    """The figure (or its ``?group=`` split) in the view asked for."""
    figure = report.figure(figure_id, full=_full_precision())
    if figure is None:
        abort(404)
    group = request.args.get("group")
    if group:
        split = next((s for s in figure.get("splits", []) if s["population"]["id"] == group), None)
        if split is None:
            abort(404)
        return split
    return figure


def _download(body: str | bytes | Iterable[bytes], mimetype: str, filename: str) -> HttpResponse:
    return file_response(body, mimetype, filename)


@bp.get("/")
@roles_required(*EVERYONE)
def index(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    report = _report(questionnaire)
    figures = report.view(full=_full_precision())
    return render_template(
        "figures/index.html", **_context(questionnaire, report=report, figures=figures)
    )


@bp.get("/figure/<figure_id>")
@roles_required(*EVERYONE)
def figure(questionnaire_id: str, figure_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    report = _report(questionnaire)
    shown = _figure(report, figure_id)
    main = report.figure(figure_id, full=_full_precision())
    svg = figure_svg(shown)
    return render_template(
        "figures/figure.html",
        **_context(
            questionnaire,
            report=report,
            figure=shown,
            main=main,
            svg=Markup(svg) if svg else None,  # built by survey.scoring.svg, all text escaped
            group=request.args.get("group") or "",
        ),
    )


@bp.get("/figure/<figure_id>.csv")
@roles_required(*EVERYONE)
def figure_csv_download(questionnaire_id: str, figure_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    shown = _figure(_report(questionnaire), figure_id)
    suffix = f"-{request.args['group']}" if request.args.get("group") else ""
    suffix += "-full-precision" if _full_precision() else ""
    return _download(figure_csv(shown), "text/csv", f"{figure_id}{suffix}.csv")


@bp.get("/figure/<figure_id>.svg")
@roles_required(*EVERYONE)
def figure_svg_download(questionnaire_id: str, figure_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    svg = figure_svg(_figure(_report(questionnaire), figure_id), titled=True)  # a file of its own
    if not svg:
        abort(404)
    return _download(svg, "image/svg+xml", f"{figure_id}.svg")


@bp.get("/figures.json")
@roles_required(*EVERYONE)
def figures_json(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    return _report(questionnaire).to_json(full=_full_precision())


@bp.get("/data-quality")
@roles_required(*EVERYONE)
def data_quality(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    report = _report(questionnaire)
    return render_template("figures/data_quality.html", **_context(questionnaire, report=report))


@bp.get("/report.pdf")
@roles_required(*EVERYONE)
def pdf(questionnaire_id: str):
    """The findings report, made by a background job (2-3 s of rendering: never in a web
    request) and kept until the responses, decisions or releases change; while a newer one is
    made, its job's page offers the earlier PDF at once (``researcher.jobs.earlier_file``)."""
    questionnaire = _questionnaire(questionnaire_id)
    params = {"questionnaire_id": questionnaire.id, "include_in_progress": _include_in_progress()}
    return job_result("report-pdf", params)


@bp.get("/cleaning")
@roles_required(*STAFF)
def cleaning(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    report = _report(questionnaire)
    rule = request.args.get("rule", type=int)
    status = request.args.get("status") or ""
    # the first page in review order and how many there are, queried from the report's issues
    issues, total = report.issues.select(rule=rule, status=status, limit=PAGE)
    config = scoring_config(questionnaire)
    targets = {i.key: reallocation_targets(questionnaire, config, i) for i in issues if i.rule == 6}
    return render_template(
        "figures/cleaning.html",
        **_context(
            questionnaire,
            report=report,
            issues=issues,
            total=total,
            rule=rule,
            status=status,
            statuses=REVIEW_ORDER,
            rules=RULES,
            rule_titles=RULE_TITLES,
            action_labels=ACTION_LABELS,
            targets=targets,
            form=DecisionForm(),
            labels=_field_labels(questionnaire),
            response_urls=_response_urls(questionnaire_id, issues),
        ),
    )


def _response_urls(questionnaire_id: str, issues) -> dict[int, str]:
    """Where each issue's response is read: the research team's page of its authority."""
    return {
        i.response_id: url_for(
            "researcher.respondent",
            questionnaire_id=questionnaire_id,
            respondent_id=i.respondent_id,
        )
        for i in issues
        if i.respondent_id is not None
    }


@bp.get("/cleaning.csv")
@roles_required(*STAFF)
def cleaning_log_csv(questionnaire_id: str):
    """The whole cleaning log (every issue, kept ones too), for the research team."""
    questionnaire = _questionnaire(questionnaire_id)
    suffix = "-including-in-progress" if _include_in_progress() else ""
    parts = (part.encode("utf-8") for part in log_csv_parts(_report(questionnaire)))
    return _download(parts, "text/csv", f"{questionnaire_id}-cleaning-log{suffix}.csv")


@bp.post("/cleaning")
@roles_required(*STAFF)
def decide(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    form = DecisionForm()
    back = url_for(
        ".cleaning",
        questionnaire_id=questionnaire_id,
        **{k: v for k, v in request.args.items() if k in ("rule", "status", "include_in_progress")},  # type: ignore[arg-type]
    )
    if not form.validate_on_submit():
        flash("The decision was not recorded: the form had expired or was incomplete.")
        return redirect(back)
    try:
        key = (int(form.response_id.data), int(form.rule.data), form.subject.data)
    except (TypeError, ValueError):
        abort(400)
    # checked against the newest report made, even while a newer one is being made (after
    # another decision, say): the issue was shown from it
    newest = latest_done("report", _report_params(questionnaire))
    if newest is None:
        flash(
            "The decision was not recorded: the figures are being prepared. "
            "Make it again once the cleaning log is shown."
        )
        return redirect(back)
    report = _loaded(questionnaire, newest)
    issue = report.issue(*key)
    if issue is None:
        abort(404)
    action = form.action.data
    target = form.target.data or None
    if action not in issue.choices:
        abort(400)
    if action == "reallocate":
        allowed = {
            t[0] for t in reallocation_targets(questionnaire, scoring_config(questionnaire), issue)
        }
        if target not in allowed:
            flash("Choose the service area to reallocate the amounts to.")
            return redirect(back)
    else:
        target = None
    db.session.add(
        CleaningDecision(
            questionnaire_id=questionnaire.id,
            response_id=issue.response_id,
            rule=issue.rule,
            subject=issue.subject,
            action=action,
            target=target,
            original=issue.original,
            note=(form.note.data or "").strip() or None,
            decided_by=current_user.email,
        )
    )
    respondent_id = db.session.scalar(
        select(Response.respondent_id).where(Response.id == issue.response_id)
    )
    audit(
        current_user.email,
        "cleaning_decision",
        respondent_id,
        {"rule": issue.rule, "subject": issue.subject, "action": action, "target": target},
    )
    db.session.commit()
    flash(f"Recorded: {ACTION_LABELS.get(action, action)} ({issue.subject}, rule {issue.rule}).")
    return redirect(back)


def _field_labels(questionnaire: Questionnaire) -> dict[str, str]:
    """Readable names of year and area ids for the cleaning log."""
    labels: dict[str, str] = {}
    for options in questionnaire.option_lists.values():
        for o in options:
            labels.setdefault(o.id, o.label)
    return labels

"""The statistics pages: every question's frequencies, grids and numeric summaries, and a
crosstab of any closed question by type of authority or by another closed question, each with
its chart (server-drawn SVG, no script) beside its table, and CSV downloads.

Everyone signed in may see them; a sponsor sees the published view (anonymised variables, report
groups, small counts hidden: :mod:`survey.scoring.statistics`), and the research team may look at
that view too (``?view=published``). The computation is in :mod:`survey.scoring.statistics`;
over more submitted responses than ``JOBS_STATISTICS_THRESHOLD`` it is a background job's
(``statistics`` and ``crosstab``: :mod:`survey.jobs.statistics`), whose waiting page is shown at
the asking address until the counts are ready, so a request never reads every response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from survey.audit import audit
from survey.exports import count_responses
from survey.extensions import db
from survey.jobs import statistics as results
from survey.jobs.files import result_path
from survey.scoring import statistics as stats
from survey.scoring import statistics_output as output
from survey.web.auth import EVERYONE, STAFF, roles_required
from survey.web.files import file_response
from survey.web.researcher.blueprint import PostForm, questionnaire_or_404, registry
from survey.web.researcher.jobs import prepared

bp = Blueprint("statistics", __name__, url_prefix="/research/<questionnaire_id>/statistics")
T = TypeVar("T")


def _published() -> bool:
    """Sponsors always get the published view; the research team when they ask for it."""
    return current_user.role not in STAFF or request.args.get("view") == "published"


def _scope(questionnaire_id: str) -> stats.Scope:
    return stats.Scope.of(questionnaire_or_404(questionnaire_id), _published())


def _query() -> dict[str, str]:
    return {"view": "published"} if current_user.role in STAFF and _published() else {}


def _counted(scope: stats.Scope, kind: str, params: dict[str, Any], count: Callable[[], T]) -> T:
    """``count()`` at once over few responses; over many, the result of the job ``kind`` for
    the scope (the request ends with the job's waiting page until it is ready)."""
    questionnaire_id = scope.questionnaire.id
    if count_responses(questionnaire_id) <= current_app.config["JOBS_STATISTICS_THRESHOLD"]:
        return count()
    params = {"questionnaire_id": questionnaire_id, "published": scope.published, **params}
    path = result_path(prepared(kind, params).job)
    assert path is not None  # prepared() returns a done job whose file is there
    return results.load(path)


def _question_statistics(scope: stats.Scope) -> list[stats.QuestionStatistics]:
    return _counted(scope, "statistics", {}, lambda: stats.question_statistics(scope))


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "questionnaires": list(registry().served().values()),
        "user": current_user,
        "post_form": PostForm(),
        "staff": current_user.role in STAFF,
        "published": _published(),
        "query": _query(),
    }


def _charts(questions: list[stats.QuestionStatistics]) -> dict[str, Markup]:
    """The chart of each question's frequencies (a grid as one stacked chart), by id."""
    charts: dict[str, Markup] = {}
    for q in questions:
        title = f"Question {q.number}: {q.text}" if q.number else q.text
        if q.grid:
            charts[q.id] = Markup(output.grid_chart(q, title, f"chart-{q.id}"))  # noqa: S704 - escaped SVG
        for i, f in enumerate(q.frequencies):
            if f.multiple or not q.grid:
                ident = f"chart-{q.id}-{i}"
                charts[f"{q.id}/{i}"] = Markup(output.frequency_chart(f, title, ident))  # noqa: S704
    return charts


@bp.get("/")
@roles_required(*EVERYONE)
def index(questionnaire_id: str):
    scope = _scope(questionnaire_id)
    questions = _question_statistics(scope)
    closed = stats.closed_variables(scope.variables())
    return render_template(
        "researcher/statistics.html",
        questionnaire=scope.questionnaire,
        scope=scope,
        questions=questions,
        charts=_charts(questions),
        closed=closed,
        responses=questions[0].responses if questions else 0,
    )


@bp.get("/statistics.csv")
@roles_required(*EVERYONE)
def csv_download(questionnaire_id: str):
    scope = _scope(questionnaire_id)
    body = output.questions_csv(_question_statistics(scope))
    _logged("statistics", questionnaire_id)
    return file_response(body, "text/csv", f"{questionnaire_id}-statistics.csv")


def _crosstab(scope: stats.Scope) -> tuple[stats.Crosstab | None, str, list[stats.Closed]]:
    closed = stats.closed_variables(scope.variables())
    row, by = request.args.get("row") or "", request.args.get("by") or stats.TYPE
    if stats.crosstab_variables(scope, row, by) is None:
        return None, "", closed
    table = _counted(
        scope, "crosstab", {"row": row, "by": by}, lambda: stats.crosstab_of(scope, row, by)
    )
    names = {c.id: c.label for c in closed}
    return table, "type of authority" if by == stats.TYPE else names.get(by, by), closed


@bp.get("/crosstab")
@roles_required(*EVERYONE)
def crosstab(questionnaire_id: str):
    scope = _scope(questionnaire_id)
    table, by_label, closed = _crosstab(scope)
    error = None
    if table is None:
        error = "Choose a closed question for the rows, and the type of authority or a different closed question with one answer for the columns"
    chart = ""
    if table is not None:
        title = f"{table.rows.label} by {by_label}"
        chart = Markup(output.crosstab_chart(table, title, "crosstab-chart"))  # noqa: S704 - escaped SVG
    return render_template(
        "researcher/crosstab.html",
        questionnaire=scope.questionnaire,
        scope=scope,
        table=table,
        by_label=by_label,
        closed=closed,
        chart=chart,
        error=error,
        row=request.args.get("row") or "",
        by=request.args.get("by") or stats.TYPE,
    ), (400 if error and request.args.get("row") is not None else 200)


@bp.get("/crosstab.csv")
@roles_required(*EVERYONE)
def crosstab_csv(questionnaire_id: str):
    scope = _scope(questionnaire_id)
    table, by_label, _ = _crosstab(scope)
    if table is None:
        abort(404)
    _logged("crosstab", questionnaire_id)
    return file_response(
        output.crosstab_csv(table, by_label), "text/csv", f"{questionnaire_id}-crosstab.csv"
    )


def _logged(what: str, questionnaire_id: str) -> None:
    audit(current_user.email, "download", None, {"what": what, "questionnaire": questionnaire_id})
    db.session.commit()

"""Finding responses for the research team's response browser: search, filter, sort and page.

One row per invited authority (a respondent, with its response if it has one), so that the
authorities not started yet can be found too. Everything is done in the database (a page of 25
rows is read, never all 383), and every argument is checked against a fixed list here, so a
hand-made URL can neither inject SQL nor cause an error: an unknown sort is the default sort.
No answers are read here (those are :mod:`survey.responses.reading`'s).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select

from survey.extensions import db
from survey.models import Answer, AnswerEdit, QuestionnaireVersion, Respondent, Response

PAGE_SIZES = (25, 50, 100)
STATUSES = ("not_started", "in_progress", "submitted", "revoked")


@dataclass(frozen=True)
class Query:
    """What the browser was asked for, already checked (see :meth:`of`)."""

    questionnaire_id: str = ""  # "" is every questionnaire
    search: str = ""
    status: str = ""
    authority_type: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = PAGE_SIZES[0]

    @classmethod
    def of(cls, args: Any, questionnaire_ids: tuple[str, ...]) -> Query:
        """The query from request arguments: anything unknown falls back to its default."""
        questionnaire_id = args.get("questionnaire") or ""
        status = args.get("status") or ""
        sort = args.get("sort") or "name"
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        try:
            per_page = int(args.get("per_page") or PAGE_SIZES[0])
        except ValueError:
            per_page = PAGE_SIZES[0]
        return cls(
            questionnaire_id=questionnaire_id if questionnaire_id in questionnaire_ids else "",
            search=(args.get("q") or "").strip()[:200],
            status=status if status in STATUSES else "",
            authority_type=(args.get("type") or "").strip()[:100],
            sort=sort if sort in SORTS else "name",
            descending=args.get("order") == "desc",
            page=min(page, 100_000),
            per_page=per_page if per_page in PAGE_SIZES else PAGE_SIZES[0],
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The URL arguments of this query with ``changes`` (a sort, a page), defaults left out."""
        values = {
            "questionnaire": self.questionnaire_id,
            "q": self.search,
            "status": self.status,
            "type": self.authority_type,
            "sort": self.sort if self.sort != "name" else "",
            "order": "desc" if self.descending else "",
            "page": self.page if self.page > 1 else "",
            "per_page": self.per_page if self.per_page != PAGE_SIZES[0] else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Row:
    """One authority as the browser lists it."""

    respondent_id: int
    questionnaire_id: str
    name: str
    authority_type: str | None
    status: str
    reference: str | None
    updated_at: dt.datetime | None
    submitted_at: dt.datetime | None
    keyed_in_by: str | None
    edits: int


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # rows matching the query, on every page
    query: Query

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based), 0 when there are none."""
        return min(self.total, (self.query.page - 1) * self.query.per_page + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.query.page * self.query.per_page)

    def numbers(self) -> list[int | None]:
        """The page numbers the pagination links to: the first, the last and two either side of
        this one, with None for each gap."""
        here = self.query.page
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in (1, self.pages) or abs(n - here) <= 2:
                out.append(n)
            elif out[-1] is not None:
                out.append(None)
        return out


def _status() -> ColumnElement[str]:
    return case(
        (Respondent.revoked_at.is_not(None), literal("revoked")),
        (Response.id.is_(None), literal("not_started")),
        else_=Response.status,
    )


_EDIT_COUNTS = (
    select(AnswerEdit.response_id, func.count(AnswerEdit.id).label("n"))
    .group_by(AnswerEdit.response_id)
    .subquery()
)

SORTS: dict[str, Any] = {
    "name": func.lower(Respondent.name),
    "type": func.coalesce(Respondent.authority_type, ""),
    "status": _status(),
    "reference": func.coalesce(Response.reference, ""),
    "updated": func.coalesce(Response.updated_at, Respondent.created_at),
    "submitted": Response.submitted_at,
    "edits": func.coalesce(_EDIT_COUNTS.c.n, 0),
}


def _escaped(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(query: Query) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.questionnaire_id:
        # a response belongs to the questionnaire of the version it answered; an authority not
        # started yet, to the one it was invited to (as survey.responses.reading says)
        where.append(
            or_(
                QuestionnaireVersion.questionnaire_id == query.questionnaire_id,
                and_(Response.id.is_(None), Respondent.questionnaire_id == query.questionnaire_id),
            )
        )
    if query.search:
        pattern = f"%{_escaped(query.search)}%"
        where.append(
            or_(
                func.lower(Respondent.name).like(pattern, escape="\\"),
                func.lower(func.coalesce(Response.reference, "")).like(pattern, escape="\\"),
            )
        )
    if query.status:
        where.append(_status() == query.status)
    if query.authority_type:
        where.append(Respondent.authority_type == query.authority_type)
    return where


def _base(*columns: Any):
    return (
        select(*columns)
        .select_from(Respondent)
        .outerjoin(Response, Response.respondent_id == Respondent.id)
        .outerjoin(
            QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id
        )
        .outerjoin(_EDIT_COUNTS, _EDIT_COUNTS.c.response_id == Response.id)
    )


def browse(query: Query) -> Page:
    """One page of the authorities matching ``query``, in its order (ties by name, then id, so
    that paging never shows a row twice or skips one)."""
    where = _conditions(query)
    total = db.session.scalar(_base(func.count(Respondent.id)).where(*where)) or 0
    last_page = max(1, -(-total // query.per_page))
    if query.page > last_page:
        query = Query(**{**query.__dict__, "page": last_page})
    order = SORTS[query.sort]
    ordering = [(order.desc() if query.descending else order.asc()).nulls_last()]
    ordering += [func.lower(Respondent.name), Respondent.id]
    stmt = (
        _base(
            Respondent.id,
            Respondent.questionnaire_id,
            Respondent.name,
            Respondent.authority_type,
            _status().label("status"),
            Response.reference,
            Response.updated_at,
            Response.submitted_at,
            Response.keyed_in_by,
            func.coalesce(_EDIT_COUNTS.c.n, 0).label("edits"),
        )
        .where(*where)
        .order_by(*ordering)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    rows = [Row(*row) for row in db.session.execute(stmt)]
    return Page(rows, total, query)


def saved_response_ids(questionnaire_id: str) -> set[int]:
    """The responses of respondents invited to the questionnaire that hold a saved answer (or
    text kept as a draft): "in progress" on the tracking page. A response made by opening a
    page and saving nothing is only "opened"."""
    invited = select(Respondent.id).where(Respondent.questionnaire_id == questionnaire_id)
    with_answers = (
        select(Answer.response_id)
        .join(Response)
        .where(Response.respondent_id.in_(invited))
        .distinct()
    )
    ids = set(db.session.scalars(with_answers))
    drafts = db.session.execute(
        select(Response.id, Response.drafts).where(Response.respondent_id.in_(invited))
    )
    ids.update(response_id for response_id, kept in drafts if kept)
    return ids

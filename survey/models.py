"""Database tables. Answers are stored one row per answer key, as JSON, never overwritten in place
after submission (researchers' cleaning will build on top in tables of its own)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db

if TYPE_CHECKING:  # Flask-SQLAlchemy makes db.Model at run time; its type for the checker
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        pass
else:
    Model = db.Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class QuestionnaireVersion(Model):
    """One version of a questionnaire definition: its YAML text is kept so old responses can
    always be shown against the questions they answered."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    # deferred: the YAML is only read when a version is parsed, once per process (registry)
    source: Mapped[str] = mapped_column(Text, deferred=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Respondent(Model):
    """An invited authority: reached by a unique link whose token is stored only as a hash."""

    __tablename__ = "respondent"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(300))
    authority_type: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the token encrypted with the link key (survey.tokens.seal), so that an email sent later
    # (an invitation, a reminder) carries the same link; None for links issued before email
    token_sealed: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the first time the link was followed: "opened", which is not "in progress" (an email
    # scanner follows every link); in progress means an answer was saved
    opened_at: Mapped[dt.datetime | None]

    response: Mapped[Response | None] = relationship(back_populates="respondent", uselist=False)


class Response(Model):
    """A respondent's answers to one questionnaire version.

    ``version`` increases on every save: a save based on an older version of the page is a
    concurrent edit and is detected (optimistic locking).
    """

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id"), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    version: Mapped[int] = mapped_column(default=0)
    last_page: Mapped[str | None] = mapped_column(String(100))
    # the page "Save and return later" was pressed on (the link leads back there); None after
    # any other save, when the link leads to the first unfinished page
    resume_page: Mapped[str | None] = mapped_column(String(100))
    page_states: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    drafts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    keyed_in_by: Mapped[str | None] = mapped_column(String(300))
    # the language the respondent chose (a BCP 47 tag); None is the questionnaire's own
    language: Mapped[str | None] = mapped_column(String(35))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]

    respondent: Mapped[Respondent] = relationship(back_populates="response")
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Model):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")


class User(Model):
    """A member of the research team. Roles: admin, researcher, sponsor (see docs/researchers.md)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None]
    session_version: Mapped[int] = mapped_column(default=0)
    # a temporary password (set by create-user or an admin) must be changed before anything else
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[dt.datetime | None]

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class UserSession(Model):
    """A signed-in session, so that signing out ends it on the server and not only in the
    browser that signed out: the session cookie carries a random token, stored here only as its
    hash, and a cookie whose row is gone signs nobody in (see survey.web.sessions)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(100))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CleaningDecision(Model):
    """A researcher's decision on one data-quality issue found by the cleaning rules.

    Cleaning never changes the stored answers: the rules (survey/scoring/cleaning.py) build a
    cleaned view on top of them, and these rows record what a researcher decided about each issue
    (accept or reject a suggested correction, choose one of rule 5's corrections, reallocate an
    "Other" amount). Rows are only ever added: the newest row for an issue (response, rule,
    subject) is the decision in force, the earlier ones its history. ``original`` keeps the values
    the decision was made on, so a decision about values that have since changed is not applied.
    """

    __tablename__ = "cleaning_decision"
    __table_args__ = (Index("ix_cleaning_decision_issue", "response_id", "rule", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    rule: Mapped[int]
    subject: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))
    original: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(300))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ResponseSnapshot(Model):
    """A submitted response's effective answers (its route applied, for the definition version it
    answered), stored once at submit so that exports and scoring read one row per response
    instead of decoding its answer rows and working out its route again. Made and remade only by
    :func:`survey.responses.snapshots.refresh` (submit, reopen, a researcher's edit, a
    version correction); ``response_version`` says which save of the response it was made from."""

    __tablename__ = "response_snapshot"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    response_version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # when each answer was last saved, grouped: {ISO time: [keys]} (a submit saves them together)
    times: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the answers part of the interchange line, encoded from the answer rows as submitted (edits
    # apart), so that the JSON export splices it in instead of reading ~250 rows per response:
    # '"answer_updated_at": {...}, "answers": {...}' and the off-route answers' object
    # (survey.responses.interchange_part); NULL for snapshots made before it existed
    interchange_answers: Mapped[str | None] = mapped_column(Text)
    interchange_off_route: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Job(Model):
    """A background job (survey/jobs/): a report PDF, a large export or a report's statistics.

    ``key`` names what the result depends on (the job's kind and parameters, the definition
    versions, the responses', decisions' and releases' change counters), so a second request
    for the same thing while nothing has changed reuses the job and its file. A worker claims a
    job by taking its lease and renews it as it goes; a job whose lease ran out (its worker was
    killed) is queued again until ``attempts`` reaches the limit."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_key", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    audience: Mapped[str] = mapped_column(String(20))  # "everyone" or "staff"
    status: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[dt.datetime | None]
    file_name: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class AnswerEdit(Model):
    """A researcher's correction of one answer of a submitted response, with its reason.

    Edits never change the stored answers (what the respondent submitted): reading builds the
    edited view on top of them (survey.responses.reading.apply_edits), as cleaning does. Rows are
    only ever added: the newest row for a key is the edit in force, the earlier ones its change
    log. ``submitted`` keeps the stored value the edit was made over, so that once the respondent
    changes that answer (after a reopen) their new answer stands and the edit is superseded.
    """

    __tablename__ = "answer_edit"
    __table_args__ = (Index("ix_answer_edit_response", "response_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    submitted: Mapped[Any] = mapped_column(JSON, nullable=True)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(300))
    edited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    response_version: Mapped[int]

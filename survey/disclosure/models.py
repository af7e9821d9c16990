"""The tables of free-text release (migration 0005)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models import Model, utcnow


class FreeTextRelease(Model):
    """Whether a question's free text is released to sponsors, and who last decided it.

    One row per question; releasing and withdrawing change it, and each change is also in the
    audit log (which keeps the history)."""

    __tablename__ = "free_text_release"
    __table_args__ = (UniqueConstraint("questionnaire_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(100))
    released: Mapped[bool] = mapped_column(default=False)
    changed_by: Mapped[str] = mapped_column(String(300))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FreeTextApproval(Model):
    """The text a sponsor may see for one answer, approved by a researcher after review.

    ``original_hash`` is the SHA-256 of the answer's text as reviewed: when the stored answer no
    longer has that hash the approval no longer applies and the answer is withheld again."""

    __tablename__ = "free_text_approval"
    __table_args__ = (
        UniqueConstraint("response_id", "key"),
        Index("ix_free_text_approval_question", "questionnaire_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(100))
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    original_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(300))
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

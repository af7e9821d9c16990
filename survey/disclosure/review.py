"""What a researcher reviews before free text reaches sponsors, and releasing or withdrawing it.

The review covers every response, in progress too (sponsors may download those): each answer
with its automatic redaction (:func:`survey.disclosure.anonymise.redact`, fed with everything that
identifies the response: :func:`identifiers`) and, once approved, the approved text. Approving
stores the text with the hash of the original the researcher saw (sent back by the page), so an
answer that changed in between is refused, not approved unseen.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from survey.audit import audit
from survey.disclosure.anonymise import Identifiers, leftovers, redact, titled_names
from survey.disclosure.models import FreeTextApproval, FreeTextRelease
from survey.disclosure.release import as_text, text_hash
from survey.exports.options import ExportOptions
from survey.exports.records import Record, export_definition, version_rows
from survey.exports.rows import Exporter
from survey.exports.table import identifying_question_ids, is_free_text, variables
from survey.extensions import db
from survey.models import utcnow
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.variables import Variable
from survey.registry import Registry

TEXT_LIMIT = 10_000  # characters in an approved text (the longest answer a definition allows)


@dataclass(frozen=True)
class FreeTextQuestion:
    """A question whose answers include free text, with the answer keys and labels of its
    free-text variables (every repeat instance, every "please specify")."""

    id: str
    number: str
    text: str
    labels: dict[str, str]  # answer key -> variable label

    @property
    def title(self) -> str:
        return f"Q{self.number} {self.text}" if self.number else self.text


@dataclass(frozen=True)
class ReviewItem:
    """One free-text answer of one response, as the review page shows it."""

    response_id: int
    respondent_id: int
    authority: str
    key: str
    label: str
    original: str
    original_hash: str
    suggested: str  # the automatic redaction
    approved: str | None  # the approved text, while it is still for this original
    state: str  # "new" (never reviewed), "changed" (changed since review) or "approved"

    @property
    def field(self) -> str:
        """The form field of its text (the hash travels as ``hash-`` + the same)."""
        return f"text-{self.response_id}-{self.key}"


@dataclass(frozen=True)
class QuestionState:
    """A question's release state and its answers' review, for the list of questions."""

    question: FreeTextQuestion
    release: FreeTextRelease | None
    answers: int
    approved: int

    @property
    def released(self) -> bool:
        return bool(self.release and self.release.released)


def _definitions(questionnaire: Questionnaire) -> list[Questionnaire]:
    """``questionnaire`` and every stored version of it, newest first."""
    try:
        rows = version_rows(questionnaire.id)
    except RuntimeError:  # no application context: the definition alone
        rows = []
    return [questionnaire, *(Registry.for_version(row) for row in reversed(rows))]


def free_text_questions(questionnaire: Questionnaire) -> list[FreeTextQuestion]:
    """The questions with free text a sponsor could see (identifying ones never are), in order:
    those of ``questionnaire`` and then those free text only in an older stored version (a
    textarea a later version made a number: its old answers are still free text)."""
    found: dict[str, tuple[Variable, dict[str, str]]] = {}
    for definition in _definitions(questionnaire):
        for v in variables(definition, anonymised=True):
            if is_free_text(v):
                labels = found.setdefault(v.question_id, (v, {}))[1]
                labels.setdefault(v.key, v.label)
    return [
        FreeTextQuestion(q.question_id, q.number.removesuffix(" ranking"), q.text, labels)
        for q, labels in found.values()
    ]


def find_question(questionnaire: Questionnaire, question_id: str) -> FreeTextQuestion | None:
    return next((q for q in free_text_questions(questionnaire) if q.id == question_id), None)


@dataclass(frozen=True)
class IdentifyingKeys:
    """Which answer keys of a questionnaire say who a response is, worked out once per
    questionnaire (not once per response)."""

    personal: tuple[tuple[str, bool], ...]  # personal-data keys; True where it holds a name
    authority: tuple[str, ...]  # identifying questions naming the authority (Q1)
    free: tuple[str, ...]  # free-text keys, searched for names after a title

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> IdentifyingKeys:
        personal_ids = {q.id for q in questionnaire.questions() if q.personal_data}
        identifying = identifying_question_ids(questionnaire)
        personal, authority, free = [], [], []
        for v in variables(questionnaire):
            if v.question_id in personal_ids:
                personal.append((v.key, _holds_a_name(v)))
            elif v.question_id in identifying:
                authority.append(v.key)
            elif is_free_text(v):
                free.append(v.key)
        return cls(tuple(personal), tuple(authority), tuple(free))


_NAME = re.compile(r"\bname\b", re.IGNORECASE)


def _holds_a_name(v: Variable) -> bool:
    """A personal-data text asking for a name ("Full name"), whose words are then removed
    wherever they appear; other personal data (a role, an address) is removed as typed."""
    return v.may_name and bool(_NAME.search(v.sub or v.text))


def identifiers(keys: IdentifyingKeys, record: Record) -> Identifiers:
    """Everything that identifies one response: the invited name and contact, the answers of
    personal-data questions (names in their text fields as people), the authority's name as
    typed (identifying questions such as Q1) and every name after a title in its free text."""

    def texts(found: Iterable[str]) -> list[str]:
        values = (record.answers.get(k) for k in found)
        return [v for v in values if isinstance(v, str) and v.strip()]

    p = record.respondent
    people = [p["contact_name"], *texts(k for k, is_name in keys.personal if is_name)]
    for text in texts(keys.free):
        people += titled_names(text)
    return Identifiers(
        authorities=tuple(a for a in [p["name"], *texts(keys.authority)] if a),
        people=tuple(n for n in people if n),
        literals=tuple(v for v in [p["contact_email"], *texts(k for k, _ in keys.personal)] if v),
    )


def _answers(questionnaire_id: str) -> Iterator[tuple[Record, dict]]:
    """Every response with its free-text answers on the route: free text in the version it
    answered or in the latest (the sponsor's rule, :meth:`Exporter.free_text_of`)."""
    exporter = Exporter(questionnaire_id, ExportOptions(include_in_progress=True))
    for record, answers in exporter.records():
        free = exporter.free_text_of(record.version_id)
        yield record, {k: v for k, v in answers.items() if k in free}


def _approvals(questionnaire_id: str, question_id: str | None = None) -> dict:
    stmt = select(FreeTextApproval).where(FreeTextApproval.questionnaire_id == questionnaire_id)
    if question_id is not None:
        stmt = stmt.where(FreeTextApproval.question_id == question_id)
    return {(a.response_id, a.key): a for a in db.session.scalars(stmt)}


def review_items(questionnaire_id: str, question: FreeTextQuestion) -> list[ReviewItem]:
    """Every answer to ``question`` (on the route), with its redaction and review state."""
    keys = IdentifyingKeys.of(export_definition(questionnaire_id))
    approvals = _approvals(questionnaire_id, question.id)
    items = []
    for record, answers in _answers(questionnaire_id):
        found = identifiers(keys, record) if question.labels.keys() & answers else None
        for key, label in question.labels.items():
            value = answers.get(key)
            if value in (None, "", []) or found is None:
                continue
            original, digest = as_text(value), text_hash(value)
            approval = approvals.get((record.response["id"], key))
            current = approval is not None and approval.original_hash == digest
            state = "approved" if current else "changed" if approval else "new"
            items.append(
                ReviewItem(
                    response_id=record.response["id"],
                    respondent_id=record.respondent["id"],
                    authority=record.respondent["name"],
                    key=key,
                    label=label,
                    original=original,
                    original_hash=digest,
                    suggested=redact(original, found),
                    approved=approval.text if approval is not None and current else None,
                    state=state,
                )
            )
    return items


def question_states(questionnaire_id: str) -> list[QuestionState]:
    """Every free-text question with its release and how many of its answers are approved."""
    questionnaire = export_definition(questionnaire_id)
    questions = free_text_questions(questionnaire)
    owner = {key: q.id for q in questions for key in q.labels}
    approvals = _approvals(questionnaire_id)
    answers: dict[str, int] = defaultdict(int)
    approved: dict[str, int] = defaultdict(int)
    for record, found in _answers(questionnaire_id):
        for key, value in found.items():
            if key in owner and value not in (None, "", []):
                answers[owner[key]] += 1
                approval = approvals.get((record.response["id"], key))
                approved[owner[key]] += bool(
                    approval and approval.original_hash == text_hash(value)
                )
    releases = {
        r.question_id: r
        for r in db.session.scalars(
            select(FreeTextRelease).filter_by(questionnaire_id=questionnaire_id)
        )
    }
    return [QuestionState(q, releases.get(q.id), answers[q.id], approved[q.id]) for q in questions]


@dataclass(frozen=True)
class Reviewed:
    """A reviewed text as posted: the field's answer, the hash of the original the researcher
    saw, and the text to approve."""

    response_id: int
    key: str
    seen_hash: str
    text: str


def problems(items: Iterable[ReviewItem], posted: dict[str, Reviewed], questionnaire_id: str):
    """``{field: message}`` for every reviewed text that cannot be approved as posted. An
    answer the page did not show (it arrived since) is not approved, and stays withheld."""
    keys = IdentifyingKeys.of(export_definition(questionnaire_id))
    found: dict[str, str] = {}
    records: dict[int, Record] = {}
    for item in items:
        given = posted.get(item.field)
        where = f"{item.authority}, {item.label}"
        if given is None:
            continue  # arrived after the page was shown: stays withheld until reviewed
        if given.seen_hash != item.original_hash:
            found[item.field] = (
                f"The answer of {where} changed while you reviewed it: its box now shows the "
                "new answer's redaction; review it and approve again"
            )
        elif len(given.text) > (limit := max(TEXT_LIMIT, len(item.suggested))):
            found[item.field] = f"The text for {where} must be {limit:,} characters or fewer"
        else:
            if not records:
                records = {r.response["id"]: r for r, _ in _answers(questionnaire_id)}
            if leftovers(given.text, identifiers(keys, records[item.response_id])):
                found[item.field] = (
                    f"The text for {where} still holds a name, email address, telephone number "
                    "or web address that the redaction removes: take it out"
                )
    return found


def approve(
    questionnaire_id: str,
    question: FreeTextQuestion,
    items: Iterable[ReviewItem],
    posted: dict[str, Reviewed],
    actor: str,
) -> int:
    """Store the approved texts of ``items`` (already checked by :func:`problems`); each text
    that differs from the automatic redaction is an edit, audited. Returns how many changed."""
    approvals = _approvals(questionnaire_id, question.id)
    now = utcnow()
    changed = 0
    for item in items:
        given = posted.get(item.field)
        if given is None:
            continue
        row = approvals.get((item.response_id, item.key))
        if row is not None and row.original_hash == given.seen_hash and row.text == given.text:
            continue
        changed += 1
        if row is None:
            row = FreeTextApproval(
                questionnaire_id=questionnaire_id,
                question_id=question.id,
                response_id=item.response_id,
                key=item.key,
            )
            db.session.add(row)
        row.original_hash, row.text = given.seen_hash, given.text
        row.reviewed_by, row.reviewed_at = actor, now
        if given.text != item.suggested:
            audit(actor, "free_text_edit", item.respondent_id,
                  {"questionnaire": questionnaire_id, "question": question.id, "key": item.key,
                   "approved_text": given.text})  # fmt: skip
    audit(actor, "free_text_review", None,
          {"questionnaire": questionnaire_id, "question": question.id, "approved": changed})  # fmt: skip
    return changed


def set_release(questionnaire_id: str, question_id: str, released: bool, actor: str) -> None:
    """Release a question's approved texts to sponsors, or withdraw them (audited)."""
    row = db.session.scalar(
        select(FreeTextRelease).filter_by(
            questionnaire_id=questionnaire_id, question_id=question_id
        )
    )
    if row is None:
        row = FreeTextRelease(questionnaire_id=questionnaire_id, question_id=question_id)
        db.session.add(row)
    row.released, row.changed_by, row.changed_at = released, actor, utcnow()
    action = "free_text_release" if released else "free_text_withdraw"
    audit(actor, action, None, {"questionnaire": questionnaire_id, "question": question_id})


__all__ = [
    "FreeTextQuestion",
    "IdentifyingKeys",
    "QuestionState",
    "ReviewItem",
    "Reviewed",
    "approve",
    "find_question",
    "free_text_questions",
    "identifiers",
    "problems",
    "question_states",
    "review_items",
    "set_release",
]

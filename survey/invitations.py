"""Reading a CSV of authorities to invite: every row checked before anything is created, so an
upload is imported whole or not at all, with a friendly message per bad row."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .model import Option, Questionnaire

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COLUMNS = ("name", "type", "contact_name", "email")
MAX_ROWS = 5000


@dataclass
class Invitee:
    name: str
    authority_type: str | None
    contact_name: str | None
    email: str | None


@dataclass
class RowError:
    line: int
    message: str


def authority_types(questionnaire: Questionnaire) -> tuple[Option, ...]:
    """The options of the question the definition names as the type of authority, if any."""
    settings = questionnaire.extra.get("invitations") or {}
    question_id = settings.get("authority_type_question")
    question = questionnaire.question(question_id) if question_id else None
    return question.options if question else ()


def parse_invitations(
    data: bytes | str, questionnaire: Questionnaire, existing_names: set[str]
) -> tuple[list[Invitee], list[RowError]]:
    """Parse an uploaded CSV; returns the invitees, or the errors (never both)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("cp1252")
            except UnicodeDecodeError:
                return [], [
                    RowError(0, "The file is not text. Save it as CSV (UTF-8) and try again.")
                ]
    data = data.replace("\x00", "")  # never meant, and PostgreSQL cannot store it
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "name" not in header:
        return [], [RowError(1, "The first row must be a header with at least a 'name' column "
                                "(columns: name, type, contact_name, email).")]  # fmt: skip
    types = authority_types(questionnaire)
    by_key = {o.id.lower(): o.id for o in types} | {o.label.lower(): o.id for o in types}
    invitees: list[Invitee] = []
    errors: list[RowError] = []
    seen = {n.lower() for n in existing_names}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            errors.append(RowError(line, f"The file has more than {MAX_ROWS:,} rows."))
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        name, kind = row.get("name", ""), row.get("type", "")
        email = row.get("email") or None
        problems = []
        if not name:
            problems.append("the name is missing")
        elif len(name) > 300:
            problems.append("the name is longer than 300 characters")
        elif name.lower() in seen:
            problems.append(f"'{name}' is already invited (each authority gets one questionnaire)")
        authority_type = None
        if kind:
            authority_type = by_key.get(kind.lower()) if types else kind
            if authority_type is None:
                problems.append(
                    f"the type '{kind}' is not one of: " + ", ".join(o.label for o in types)
                )
        elif types:
            problems.append("the type is missing")
        if email and not EMAIL.match(email):
            problems.append(f"'{email}' is not an email address")
        if problems:
            message = "; ".join(problems)
            errors.append(RowError(line, message[0].upper() + message[1:]))
            continue
        seen.add(name.lower())
        invitees.append(Invitee(name, authority_type, row.get("contact_name") or None, email))
    if errors:
        return [], errors
    if not invitees:
        return [], [RowError(0, "The file has no authorities in it.")]
    return invitees, []


def links_csv(rows: list[tuple[str, str | None, str | None, str]]) -> str:
    """name, contact_name, email, link: ready for a mail merge."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "contact_name", "email", "link"])
    for name, contact, email, link in rows:
        writer.writerow([safe_cell(name), safe_cell(contact or ""), safe_cell(email or ""), link])
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Neutralise text a spreadsheet would run as a formula."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text

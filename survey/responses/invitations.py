"""Reading a CSV of authorities to invite: every row checked before anything is created, so an
upload is imported whole or not at all, with a friendly message per bad row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from survey.questionnaire.model import Option, Questionnaire

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


def authority_type_rule(questionnaire: Questionnaire) -> str:
    """Which type an authority counts as, everywhere (tracking, response rates, the report):
    ``answer`` (the default) is its answer to the type question, else the type it was invited
    as; ``invited`` is the type it was invited as, else its answer. Set by the definition's
    ``invitations: authority_type_rule``."""
    settings = questionnaire.extra.get("invitations") or {}
    return settings.get("authority_type_rule") or "answer"


def type_preference(
    questionnaire: Questionnaire, invited: str | None, answered: object
) -> tuple[str, ...]:
    """The authority's types in the order the rule prefers them (the first a caller can place
    is its type): the one definition of an authority's type."""
    answer = answered if isinstance(answered, str) and answered else None
    order = (
        (invited, answer) if authority_type_rule(questionnaire) == "invited" else (answer, invited)
    )
    return tuple(t for t in order if t)


def type_differs(invited: str | None, answered: object) -> bool:
    """Whether the authority answered the type question otherwise than it was invited as."""
    return bool(invited) and isinstance(answered, str) and bool(answered) and answered != invited


# Longest text each column may hold: what the respondent table stores (an email address is at
# most 254 characters by RFC 5321). Longer text is refused with the row named, never a 500.
MAX_LENGTHS = {"name": 300, "type": 100, "contact_name": 300, "email": 254}


def parse_invitations(
    data: bytes | str, questionnaire: Questionnaire, existing_names: set[str]
) -> tuple[list[Invitee], list[RowError]]:
    """Parse an uploaded CSV; returns the invitees, or the errors (never both)."""
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = raw.decode("cp1252")
            except UnicodeDecodeError:
                return [], [
                    RowError(0, "The file is not text. Save it as CSV (UTF-8) and try again.")
                ]
    data = data.replace("\x00", "")  # never meant, and PostgreSQL cannot store it
    types = authority_types(questionnaire)
    by_key = {o.id.lower(): o.id for o in types} | {o.label.lower(): o.id for o in types}
    invitees: list[Invitee] = []
    errors: list[RowError] = []
    seen = {n.lower() for n in existing_names}
    try:
        for count, (line, row) in enumerate(read_rows(data), start=1):
            if count > MAX_ROWS:
                errors.append(RowError(line, f"The file has more than {MAX_ROWS:,} rows."))
                break
            problems = _row_problems(row, types, by_key, seen)
            if problems:
                message = "; ".join(problems)
                errors.append(RowError(line, message[0].upper() + message[1:]))
                continue
            name = row["name"]
            seen.add(name.lower())
            authority_type = by_key.get(row["type"].lower()) if types else row["type"] or None
            invitees.append(
                Invitee(
                    name, authority_type or None, row["contact_name"] or None, row["email"] or None
                )
            )
    except Unreadable as exc:
        return [], [*errors, RowError(exc.line, exc.message)]
    if errors:
        return [], errors
    if not invitees:
        return [], [RowError(0, "The file has no authorities in it.")]
    return invitees, []


class Unreadable(Exception):
    """The CSV cannot be read on from this line (a header without 'name', a field too long)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def read_rows(data: str):
    """``(line, row)`` for each non-blank row, with the known columns stripped (missing ones
    empty). Raises :class:`Unreadable` where the file cannot be read on."""
    reader = csv.reader(io.StringIO(data))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if "name" not in header:
            raise Unreadable(1, "The first row must be a header with at least a 'name' column "
                                 "(columns: name, type, contact_name, email).")  # fmt: skip
        for cells in reader:
            row = {k: "" for k in COLUMNS}
            for key, value in zip(header, cells, strict=False):
                if key in row:
                    row[key] = value.strip()
            if any(v.strip() for v in cells):
                yield reader.line_num, row
    except csv.Error as exc:
        raise Unreadable(
            reader.line_num,
            # csv's own limit on a field (131,072 characters), or a quote never closed
            f"This row cannot be read: a field is longer than {csv.field_size_limit():,} "
            "characters or a quote is not closed. Each field holds at most "
            f"{max(MAX_LENGTHS.values())} characters.",
        ) from exc


def _row_problems(
    row: dict[str, str], types: tuple[Option, ...], by_key: dict[str, str], seen: set[str]
) -> list[str]:
    """What is wrong with one row, in words for the person who wrote the file."""
    problems = length_problems(row)
    name, kind, email = row["name"], row["type"], row["email"]
    if not name:
        problems.append("the name is missing")
    elif name.lower() in seen:
        problems.append(f"'{name}' is already invited (each authority gets one questionnaire)")
    if kind and types and by_key.get(kind.lower()) is None:
        problems.append(
            f"the type '{kind[:100]}' is not one of: " + ", ".join(o.label for o in types)
        )
    elif not kind and types:
        problems.append("the type is missing")
    if email and len(email) <= MAX_LENGTHS["email"] and not EMAIL.match(email):
        problems.append(f"'{email}' is not an email address")
    return problems


def length_problems(row: Mapping[str, str | None]) -> list[str]:
    """The columns of a row longer than the respondent table holds (``MAX_LENGTHS``)."""
    return [
        f"the {column.replace('_', ' ')} is longer than {limit} characters"
        for column, limit in MAX_LENGTHS.items()
        if len(row.get(column) or "") > limit
    ]


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

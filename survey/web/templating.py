"""Jinja filters shared by web pages and printed documents.

Rich text in definitions is a deliberately tiny format (paragraphs, "- " bullet lists,
"### " sub-headings and **bold**): it is escaped first and only then given markup, so a
definition can never inject HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache

from flask import Flask, g, has_app_context
from markupsafe import Markup, escape

from survey.questionnaire import dates, keys, piping
from survey.questionnaire.money import format_money
from survey.questionnaire.types import question_type
from survey.web import words

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def rich_text(text: str | None, paragraph_class: str = "govuk-body") -> Markup:
    """Rich text, with the answers and dates it pipes ({q3}, {closes}) filled in as plain text:
    each placeholder stands as a private-use mark while the text is formatted, and is replaced
    by its escaped value afterwards, so a piped answer is never read as markup or as ``**``."""
    if not text:
        return Markup("")
    text = _restated(text)
    if "{" in text or "}}" in text:
        values: list[str] = []

        def mark(name: str, fallback: str | None) -> str:
            values.append(str(escape(_value(name, fallback))))
            return f"\ue000{len(values) - 1}\ue001"

        marked = piping.fill(text, mark) or ""
        html = str(_rich(marked, paragraph_class))
        return Markup(_MARK.sub(lambda m: values[int(m.group(1))], html))
    return _rich(text, paragraph_class)


_MARK = re.compile("\ue000(\\d+)\ue001")


def pipe(text: str | None) -> str:
    """Plain text (a question's text, a page's title) with what it pipes filled in; the
    template escapes the result."""
    if not text:
        return ""
    text = _restated(text)
    if "{" not in text and "}}" not in text:
        return text
    return piping.fill(text, _value) or ""


def piped_options(options):
    """Options with what their labels, hints and follow-up texts pipe filled in (``{% for o in
    piped_options(q.options) %}``); the template escapes them as any text."""
    return piping.piped_options(tuple(options), pipe)


def _restated(text: str) -> str:
    """The text with the definition's closing date moved as the schedule moves it."""
    pipes = g.get("pipes") if has_app_context() else None
    return pipes.restate(text) if pipes is not None else text


def _value(name: str, fallback: str | None) -> str:
    """A placeholder's value from the request's pipes (set by the view or the PDF being
    printed); outside them, its stated fallback or the name."""
    pipes = g.get("pipes") if has_app_context() else None
    if pipes is None:
        return fallback if fallback is not None else f"({name})"
    return pipes(name, fallback)


def _rich(text: str, paragraph_class: str) -> Markup:
    html: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.strip().splitlines()]
        if all(line.lstrip().startswith("- ") for line in lines if line.strip()):
            items = "".join(
                f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines if line.strip()
            )
            html.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
        elif lines[0].startswith("### "):
            html.append(f'<h3 class="govuk-heading-s">{_inline(lines[0][4:])}</h3>')
            rest = "\n".join(lines[1:]).strip()
            if rest:
                html.append(str(_rich(rest, paragraph_class)))
        else:
            # a list may follow a paragraph without a blank line between them
            para: list[str] = []
            bullets: list[str] = []
            for line in lines:
                if line.lstrip().startswith("- "):
                    bullets.append(line.lstrip()[2:])
                elif bullets:
                    bullets[-1] += " " + line.strip()
                else:
                    para.append(line.strip())
            if para:
                html.append(f'<p class="{paragraph_class}">{_inline(" ".join(para))}</p>')
            if bullets:
                items = "".join(f"<li>{_inline(b)}</li>" for b in bullets)
                html.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
    return Markup("".join(html))


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(text)))


def long_date(value: dt.date | dt.datetime | None) -> str:
    """ "Monday 1 April 2013", in the page's language ("dydd Llun 1 Ebrill 2013")."""
    if value is None:
        return ""
    return dates.long_date(value, weekday=True)


def date_time(value: dt.datetime | None) -> str:
    """ "1 April 2013 at 14:05 UTC", in the page's language."""
    if value is None:
        return ""
    return dates.date_time(value)


def grid_rows(key: str, rows, columns, form, errors: Mapping[str, str]) -> Markup:
    """The rows of a factor grid: one fieldset per grid row (the factor as its legend, one radio
    button per column, labelled with the column), the row's error message (if any) under its
    legend. Wide screens lay the fieldsets out as a table under one header row; phones show each
    row as its own question (the GOV.UK pattern), so nothing scrolls sideways.

    Written in Python rather than as Jinja loops and macros because a grid is the heaviest page
    (18 rows of 7 buttons), and from pieces escaped and formatted once per grid
    (:func:`_grid_pieces`): a request only ticks the chosen button and adds error messages.
    """
    html = []
    for row_key, open_row, open_row_error, cells in _grid_pieces(key, rows, columns):
        error = errors.get(row_key)
        if error:
            html.append(open_row_error)
            html.append(
                f'<p id="{escape(row_key)}-error" class="govuk-error-message">'
                f'<span class="govuk-visually-hidden">Error:</span> {escape(error)}</p>'
            )
        else:
            html.append(open_row)
        html.append('<div class="govuk-radios govuk-radios--small app-grid__choices">')
        chosen = form[row_key].data
        for column_id, unticked, ticked in cells:
            html.append(ticked if chosen == column_id else unticked)
        html.append("</div></fieldset>\n")
    return Markup("".join(html))


def grid_header(columns, corner: str = "Factor") -> Markup:
    """The grid's column headings, shown above the rows on wide screens only. Hidden from
    assistive technologies: every radio button is labelled with its column already."""
    cells = "".join(f'<span class="app-grid__col">{escape(c.label)}</span>' for c in columns)
    return Markup(
        f'<div class="app-grid__head" aria-hidden="true">'
        f'<span class="app-grid__corner">{escape(corner)}</span>'
        f'<span class="app-grid__cols">{cells}</span></div>'
    )


GridCell = tuple[str, str, str]  # column id, the cell's markup, the cell's markup when chosen


@lru_cache(maxsize=256)
def _grid_pieces(key: str, rows, columns) -> tuple[tuple[str, str, str, tuple[GridCell, ...]], ...]:
    """Each row's key, its opening markup (plain, and marked as in error) and its cells, escaped
    once per grid: definitions are immutable, and this is most of the heaviest page."""
    pieces = []
    escaped_columns = [(c.id, escape(c.id), escape(c.label)) for c in columns]
    for row in rows:
        row_key = keys.sub_key(key, row.id)
        name = escape(row_key)
        legend = (
            f'<legend class="govuk-fieldset__legend app-grid__legend" id="{name}-label">'
            f"{escape(row.label)}</legend>"
        )
        cells = []
        for i, (column_id, value, column_label) in enumerate(escaped_columns, start=1):
            cell_id = name if i == 1 else f"{name}-{i}"
            before = (
                '<div class="app-grid__cell"><div class="govuk-radios__item">'
                f'<input class="govuk-radios__input" id="{cell_id}" name="{name}"'
                f' type="radio" value="{value}"'
            )
            after = (
                f'><label class="govuk-label govuk-radios__label app-grid__choice" for="{cell_id}">'
                f'<span class="app-grid__choice-text">{column_label}</span></label></div></div>'
            )
            cells.append((column_id, before + after, before + " checked" + after))
        pieces.append(
            (
                row_key,
                f'<fieldset class="govuk-fieldset app-grid__row">{legend}',
                f'<fieldset class="govuk-fieldset app-grid__row app-grid__row--error"'
                f' aria-describedby="{name}-error">{legend}',
                tuple(cells),
            )
        )
    return tuple(pieces)


def register(app: Flask) -> None:
    app.jinja_env.globals["grid_rows"] = grid_rows
    app.jinja_env.globals["grid_header"] = grid_header
    # the question partials: each type's own (templates/*/types/), and the answer keys' spelling
    app.jinja_env.globals["question_type"] = question_type
    app.jinja_env.globals["keys"] = keys
    app.jinja_env.filters["rich_text"] = rich_text
    app.jinja_env.filters["pipe"] = pipe
    app.jinja_env.globals["piped_options"] = piped_options
    words.register(app)  # say(name, ...): the engine's own words
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["date_time"] = date_time
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

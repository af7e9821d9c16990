"""Message templates: checked when saved, filled in without reading what is filled in."""

from __future__ import annotations

import datetime as dt

from survey.fieldwork.messages import DEFAULTS, fill, problems, values_for


def _messages(subject: str, body: str) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in problems(subject, body)]


def test_the_defaults_are_valid_templates():
    for subject, body in DEFAULTS.values():
        assert problems(subject, body) == []


def test_an_unknown_placeholder_is_named_with_the_ones_to_use():
    found = _messages("Hello {authorty}", "Your link: {link}")
    assert found[0][0] == "subject"
    assert "{authorty}" in found[0][1] and "{authority}" in found[0][1]


def test_the_body_must_carry_the_link():
    assert ("body", "The message must include {link}") in _messages(
        "Subject", "Dear {contact_name}"
    )


def test_a_lone_brace_and_a_format_spec_are_refused_with_advice():
    assert "{{" in _messages("S", "Cost {  {link}")[0][1]
    assert "name in braces" in _messages("S", "{link:>40}")[0][1]
    assert problems("S", "Braces {{like this}} and {link}") == []


def test_empty_long_and_multi_line_subjects_are_refused():
    assert _messages("  ", "{link}") == [("subject", "Enter a subject")]
    assert _messages("a" * 301, "{link}")[0][1].startswith("The subject must be 300")
    assert _messages("a\nb", "{link}") == [("subject", "The subject must be one line")]
    assert _messages("S", "") == [("body", "Enter the message")]


def test_filling_in_never_reads_what_is_filled_in():
    values = values_for("Barnet {link}", None, "https://x/s/T", dt.date(2013, 7, 12), "Q")
    filled = fill(
        "{authority}: {questionnaire}", "Dear {contact_name}, {link} by {closing_date}", values
    )
    assert filled.subject == "Barnet {link}: Q"
    assert filled.body == "Dear colleague, https://x/s/T by 12 July 2013"


def test_a_name_with_line_breaks_cannot_add_a_header():
    values = values_for("Barnet\r\nBcc: evil@example.org", "C", "L", None, "Q")
    filled = fill("{authority}", "{link}", values)
    assert "\n" not in filled.subject and "\r" not in filled.subject
    assert values["closing_date"] == "the closing date"

"""The request class: what a hostile client sends in its form framing never reaches a view."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from survey.web.request import without_nul


def _multipart(name: bytes, value: bytes = b"v") -> bytes:
    return (
        b"--XX\r\nContent-Disposition: form-data; name=\"" + name + b"\"\r\n\r\n" + value
        + b"\r\n--XX--\r\n"
    )  # fmt: skip


@pytest.mark.parametrize("route", ["/research/sign-in", "/s/not-a-link"])
def test_a_multipart_part_with_a_newline_in_its_name_is_not_a_500(client, route):
    """werkzeug reads such a part's name as None; it was a TypeError (500) on every POST route."""
    response = client.post(
        route, data=_multipart(b"a\nb"), content_type="multipart/form-data; boundary=XX"
    )
    assert response.status_code < 500


def test_parts_without_a_name_are_dropped_and_the_rest_kept():
    cleaned = without_nul(MultiDict([(None, "x"), ("email", "a@b\x00.org")]))
    assert list(cleaned.items(multi=True)) == [("email", "a@b.org")]


@pytest.mark.parametrize(
    "route",
    ["/research/sign-in", "/research/good_practice_savings/free-text/q5", "/research/users"],
)
def test_a_form_over_the_size_limit_gets_the_too_large_page_on_every_route(client, route):
    """The research pages' templates build a form for the CSRF token; on the "too large" page
    that read the refused body again and raised inside the error handler (a 500)."""
    response = client.post(route, data={"a": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too much information was sent at once" in response.get_data(as_text=True)

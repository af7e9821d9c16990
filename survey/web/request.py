"""The application's request class: form fields and URL parameters without NUL characters.

No keyboard types a NUL, but a hostile or broken client can send one, and PostgreSQL cannot
store it in a text column: a NUL in, say, the sign-in email made the look-up fail with a database
error (a 500) on PostgreSQL only. Removing it where form fields and URL parameters are parsed
protects every view that reads them, on every database, instead of each text column on its own.
(Path values are matched by the URL rules, and no view stores one as text.)
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property


def without_nul(data: MultiDict) -> MultiDict:
    """``data`` with NUL characters removed from every key and value (unchanged if it has none).

    A multipart part whose name werkzeug cannot read (a newline in it) comes back with the name
    ``None``: such a part names no field, so it is dropped rather than reaching any view."""
    items = list(data.items(multi=True))
    if not any(key is None or "\x00" in key or "\x00" in value for key, value in items):
        return data
    return type(data)(
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in items
        if key is not None
    )


class SurveyRequest(Request):
    def _load_form_data(self) -> None:
        parsed = "form" in self.__dict__
        try:
            super()._load_form_data()
        except RequestEntityTooLarge:
            # The form is refused once, with the "too large" page; that page's templates build
            # forms of their own (the CSRF token), which must then find an empty form instead of
            # parsing the body again and raising inside the error handler (a 500).
            self.__dict__["form"] = ImmutableMultiDict()
            self.__dict__["files"] = ImmutableMultiDict()
            raise
        if not parsed:
            self.__dict__["form"] = without_nul(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return without_nul(super().args)

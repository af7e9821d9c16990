"""Files sent to the browser: one place that sets the download headers."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from survey.spreadsheets import with_bom


def file_response(
    body: str | bytes | Iterable[bytes], mimetype: str, filename: str, inline: bool = False
) -> Response:
    """A response that downloads (or, ``inline``, opens) as ``filename``; ``body`` may stream.
    Every CSV starts with a byte order mark, so that Excel reads it as UTF-8."""
    if mimetype.split(";")[0].strip() == "text/csv":
        body = with_bom(body)
    response = Response(body, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response

"""Files sent to the browser: one place that sets the download headers."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response


def file_response(
    body: str | bytes | Iterable[bytes], mimetype: str, filename: str, inline: bool = False
) -> Response:
    """A response that downloads (or, ``inline``, opens) as ``filename``; ``body`` may stream."""
    response = Response(body, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response

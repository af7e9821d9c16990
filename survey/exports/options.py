"""What a download is asked for, and the one error it can refuse with.

Kept apart from the format modules so that each of them, and the package's public surface
(:mod:`survey.exports`), can import these without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass

BATCH_SIZE = 200  # responses read per window (see survey.exports.records.iter_records)


class ExportError(Exception):
    """The export cannot be made (unknown questionnaire, no repeat for a long file...)."""


@dataclass(frozen=True)
class ExportOptions:
    """The choices of the downloads page and of ``survey export``, the same for every format."""

    include_in_progress: bool = False  # default: submitted responses only
    anonymised: bool = False
    labels: bool = False  # CSV: labels instead of codes in coded cells
    repeat: str | None = None  # csv-long: which repeat (default: the first)
    batch_size: int = BATCH_SIZE
    secret_key: str | None = None  # for pseudonyms; default: the app's SECRET_KEY

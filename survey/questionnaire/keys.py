"""The one place that spells answer keys.

An answer key names one stored value and one column of every download, so its spelling is a
contract with stored data and exported files: ``q9_ex2`` (question ``q9`` in the second instance of
a repeat keyed ``ex``), ``q9_ex2_corporate_leadership`` (a grid row of it), ``q5_other_text`` (the
"please specify" text of option ``other``), ``q40_1`` (the first rank), ``q30_base_2013_14`` (a
money-table cell), ``q36_date-day`` (one box of a date). Every module builds keys with these
functions, so the format can never drift between the form, storage, routing and the downloads.
"""

from __future__ import annotations

import re

DATE_PARTS = ("day", "month", "year")


def instance_key(question_id: str, repeat_key: str, instance: int) -> str:
    """A question's key in one instance of a repeat: ``q9`` in example 2 is ``q9_ex2``."""
    return f"{question_id}_{repeat_key}{instance}"


def instance_suffix(repeat_key: str, instance: int) -> str:
    """What an instance adds after a question id: ``_ex2``."""
    return f"_{repeat_key}{instance}"


def instance_of(key: str, repeat_key: str) -> int:
    """Which instance of a repeat keyed ``repeat_key`` an answer key belongs to (0: none)."""
    match = re.search(rf"_{re.escape(repeat_key)}(\d+)(?:_|$)", key)
    return int(match.group(1)) if match else 0


def sub_key(key: str, part: str) -> str:
    """A part of a question's answer: a grid row, a group field, a rank (``q9_ex2_staff``)."""
    return f"{key}_{part}"


def rank_key(key: str, rank: int) -> str:
    """The option ranked ``rank``-th (1-based): ``q40_1``."""
    return f"{key}_{rank}"


def cell_key(key: str, row_id: str, column_id: str) -> str:
    """One cell of a money table: ``q30_base_2013_14``."""
    return f"{key}_{row_id}_{column_id}"


def specify_key(key: str, option_id: str) -> str:
    """The "please specify" text of an option (or of a money-table row): ``q5_other_text``."""
    return f"{key}_{option_id}_text"


def date_part_key(key: str, part: str) -> str:
    """One of the three boxes a date is typed in (``DATE_PARTS``): ``q36-day``."""
    return f"{key}-{part}"


def list_count_key(repeat_key: str) -> str:
    """How many items a list collector holds (``partner-items``): a hyphen, which no question's
    key has, so it can never be taken for an answer to a question."""
    return f"{repeat_key}-items"

"""What lets a figure be computed over chunks of the responses and the chunks merged: an exact
sum, and the merge of the accumulators the kinds keep (counts, sums, lists, sets and tables of
them).

Floating-point addition depends on its order, so a sum of chunk sums differs in the last digits
from the sum in one pass; :class:`ExactSum` keeps a sum of floats exactly (each float is a whole
number of 2**-1100) and rounds once, when it is read, so any split of the responses gives the
same value to the last digit. Whole numbers stay whole numbers (money is counted in pounds).

Chunks are merged in response id order, and a table's keys are merged as first seen, so a merged
accumulator is the one a single pass would have built, its key order included.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

SCALE_BITS = 1100  # more than the 1074 binary places of the smallest float


class ExactSum:
    """A sum kept exactly: its whole-number part, and (once a float is added) the rest as a
    whole number of 2**-SCALE_BITS. :attr:`value` is the sum, rounded once."""

    __slots__ = ("whole", "scaled")

    def __init__(self) -> None:
        self.whole = 0
        self.scaled: int | None = None  # None: only whole numbers so far

    def __iadd__(self, x: Any) -> ExactSum:
        if type(x) is int:
            self.whole += x
        elif isinstance(x, ExactSum):
            self.whole += x.whole
            if x.scaled is not None:
                self.scaled = (self.scaled or 0) + x.scaled
        else:
            numerator, denominator = float(x).as_integer_ratio()
            shift = SCALE_BITS - (denominator.bit_length() - 1)
            self.scaled = (self.scaled or 0) + (numerator << shift)
        return self

    @property
    def value(self) -> int | float:
        """The sum: a whole number if only whole numbers were added, else the float nearest the
        exact sum (Python's division of whole numbers rounds correctly)."""
        if self.scaled is None:
            return self.whole
        return ((self.whole << SCALE_BITS) + self.scaled) / (1 << SCALE_BITS)

    def __repr__(self) -> str:
        return f"ExactSum({self.value!r})"


def exact(x: Any) -> Any:
    """The value of an accumulated sum (anything else as it is)."""
    return x.value if isinstance(x, ExactSum) else x


def plain_state(x: Any) -> Any:
    """An accumulator as plain data that can be sent to another process (a table made with a
    ``defaultdict`` of a lambda cannot be pickled): tables as dicts, in their key order."""
    if isinstance(x, dict):
        return {k: plain_state(v) for k, v in x.items()}
    if isinstance(x, list):
        return [plain_state(v) for v in x]
    if isinstance(x, set):
        return set(x)
    return x


def combine(mine: Any, theirs: Any) -> Any:
    """``mine`` with ``theirs`` (of the responses after mine) taken in: numbers and sums added,
    tables merged key by key (mine first, then keys first seen in theirs), lists position by
    position, sets joined. Returns the result (mine, changed, where it can be)."""
    if isinstance(mine, ExactSum) or isinstance(theirs, ExactSum):
        total = mine if isinstance(mine, ExactSum) else _as_sum(mine)
        total += theirs
        return total
    if isinstance(mine, dict):
        for key, value in theirs.items():
            mine[key] = combine(mine[key], value) if key in mine else _fresh(value)
        return mine
    if isinstance(mine, list):
        if len(mine) != len(theirs):
            raise ValueError("accumulators of different shapes")
        return [combine(a, b) for a, b in zip(mine, theirs, strict=True)]
    if isinstance(mine, set):
        return mine | theirs
    return mine + theirs


def _as_sum(x: Any) -> ExactSum:
    total = ExactSum()
    total += x
    return total


def _fresh(value: Any) -> Any:
    """A value taken in whole: tables copied into defaultdict-free dicts of their own."""
    if isinstance(value, dict):
        return (
            defaultdict(int, {k: _fresh(v) for k, v in value.items()})
            if all(isinstance(v, int) for v in value.values())
            else {k: _fresh(v) for k, v in value.items()}
        )
    return value

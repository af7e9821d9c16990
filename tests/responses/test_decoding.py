"""The stored answers' JSON decoded by the faster decoder gives exactly what ``json.loads``
gives: for any JSON the engine writes, and for what the faster decoder refuses."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from survey.responses.decoding import loads

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def _exact(value):
    """A value with its floats by repr (-0.0 and 0.0 differ) and their types kept."""
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, list):
        return [_exact(v) for v in value]
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    return (type(value).__name__, value)


@given(_VALUES, st.booleans())
def test_what_the_engine_writes_decodes_as_json_loads_does(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert _exact(loads(text)) == _exact(json.loads(text))
    assert _exact(loads(text.encode())) == _exact(json.loads(text))


def test_what_the_faster_decoder_refuses_is_decoded_by_json_loads():
    assert math.isnan(loads('{"a": NaN}')["a"])
    assert loads("[1e400, -Infinity]") == [math.inf, -math.inf]
    assert loads('"\\ud800"') == "\ud800"  # a lone surrogate escape
    assert loads('{"a": 1, "a": 2}') == {"a": 2}
    assert loads("123456789012345678901234567890") == 123456789012345678901234567890

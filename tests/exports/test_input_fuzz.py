"""Property tests, a few hundred examples each: whatever is posted to a respondent's pages, or
whatever a changed interchange file holds, the answer is never a 500, and the database holds only
answers a respondent could have saved (checked by the one idea of a valid answer,
:func:`survey.questionnaire.checking.check_stored`) and never part of an import."""

from __future__ import annotations

import copy
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from survey.exports import ExportOptions
from survey.exports.import_checks import Version
from survey.exports.importing import ImportProblem, import_json
from survey.exports.interchange import export_json
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.questionnaire.checking import check_stored
from survey.questionnaire.loader import load
from tests.conftest import APPENDIX_A, truncate_all
from tests.exports.helpers import BARNET, QID, add_response, document_of, lines_of
from tests.web.test_hostile import PAGE_KEYS, PAGES

QUESTIONNAIRE = load(APPENDIX_A)
OWNERS = Version(1, QUESTIONNAIRE, "", "", None).questions  # answer key -> its question
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
NASTY = st.sampled_from(
    ["", "0", "-1", "£78,500", "78.5K", "1e309", "NaN", "Infinity", "9" * 5000, "£9" + "9" * 4300,
     "-" + "0" * 5000 + "1", "1" * 16, "2013-02-30", "x" * 6000, "\r\n", "\x00", "\u202e"]
)  # fmt: skip
TYPED = st.one_of(
    NASTY,
    NASTY,  # drawn half the time: the values that broke pages before
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.from_regex(r"-?£?[0-9,]{0,20}", fullmatch=True),
)
ASKING = [pi for pi in PAGES if PAGE_KEYS[pi.key]]  # pages with questions on them


def _stored_answers_are_valid(app) -> None:
    by_response: dict[int, dict] = {}
    with app.app_context():
        for response_id, key, value in db.session.execute(
            select(Answer.response_id, Answer.key, Answer.value)
        ):
            by_response.setdefault(response_id, {})[key] = value
    for answers in by_response.values():
        for key in answers:
            assert check_stored(QUESTIONNAIRE, OWNERS[key], answers) == {}, (key, answers[key])


@pytest.mark.slow
@given(data=st.data())
@settings(FUZZ, max_examples=400)
def test_posts_to_respondent_pages_never_fail_nor_store_what_a_form_refuses(app, make_link, data):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the checks behind the CSRF check
    client = app.test_client()
    # a fresh respondent now and then: what earlier posts saved changes which fields are asked
    tokens = app.extensions.setdefault("fuzz_tokens", [])  # this test's database only
    if data.draw(st.booleans()) or not tokens:
        tokens.append(make_link())
    token = tokens[-1]
    page = data.draw(st.sampled_from(ASKING))
    keys = st.sampled_from([*PAGE_KEYS[page.key], "action", "state"])
    fields = data.draw(st.lists(st.tuples(keys, TYPED), min_size=1, max_size=30))
    pages = [f"/s/{token}/page/{page.key}"] * 3  # most posts are page saves
    route = data.draw(
        st.sampled_from([*pages, f"/s/{token}/check",
                         f"/s/{token}/remove/examples/{data.draw(st.integers(-1, 4))}"])
    )  # fmt: skip
    response = client.post(route, data=MultiDict(fields))
    assert response.status_code in (200, 302, 400, 404, 409), (route, response.status_code)
    _stored_answers_are_valid(app)


@pytest.fixture
def genuine(app) -> dict:
    with app.app_context():
        add_response("Barnet", BARNET, contact_name="Jo Bloggs", reference="ABCD-EFGH")
        add_response(
            "Leeds",
            {"q2": "metropolitan", "q8_ex1_2011_12_base": 1200, "q7_ex1": ["assets"]},
            status="in_progress",
            authority_type="metropolitan",
            drafts={"q8_ex1_2010_11_base": "12,5OO"},
        )
        text = b"".join(export_json(QID, ExportOptions(include_in_progress=True)))
    truncate_all(app)
    return document_of(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


def _paths(value, prefix=()):
    """Every place in the document a value could be changed, except the definitions' text
    (whose every change is a hash mismatch, tested on its own)."""
    if prefix[:1] == ("questionnaire_versions",) and prefix[-1:] == ("source",):
        return
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(table))
            for table in (QuestionnaireVersion, Respondent, Response, Answer)
        )


@pytest.mark.slow
@given(data=st.data())
@FUZZ
def test_changed_interchange_files_import_whole_or_not_at_all(app, genuine, data):
    document = copy.deepcopy(genuine)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from([p for p in _paths(document) if p]))
        target = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = data.draw(JSON_VALUES)
    text = lines_of(document, allow_nan=True)
    with app.app_context():
        try:
            summary = import_json(io.StringIO(text), batch_size=1)
        except ImportProblem:
            summary = None
    try:
        if summary is None:
            assert _counts(app) == (0, 0, 0, 0)
        else:
            versions, respondents, responses, answers = _counts(app)
            assert respondents == responses == summary.responses == len(document["responses"])
            assert answers == summary.answers and versions == summary.versions_created
            _stored_answers_are_valid(app)
    finally:
        truncate_all(app)  # the next example meets an empty database whatever this one did

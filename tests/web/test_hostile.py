"""Hostile input: arbitrary form data, odd encodings, huge fields, repeated keys, missing CSRF
tokens and wrong content types never produce a 500 or a half-written page."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.models import Answer
from survey.questionnaire.loader import load
from survey.questionnaire.money import LIMIT, MoneyError, format_money, parse_money
from survey.questionnaire.routing import field_keys, route
from tests.conftest import APPENDIX_A, Journey, redis_answers

QUESTIONNAIRE = load(APPENDIX_A)
PAGES = [
    pi for pi in route(QUESTIONNAIRE, {"q11_ex1": "yes", "q7_ex1": ["assets"], "q28": ["housing"]})
]
PAGE_KEYS = {
    pi.key: [k for qi in pi.questions() for k in field_keys(QUESTIONNAIRE, qi)] for pi in PAGES
}
NASTY = st.sampled_from(
    [
        "=HYPERLINK(\"http://evil\")", "<script>alert(1)</script>", "\u202eevil\u202c", "\x00",
        "'; DROP TABLE answer; --", "78.5K", "£", "-", "9" * 40, "🙂" * 3, "",
    ]
)  # fmt: skip
# Browsers send UTF-8, so lone surrogates cannot arrive; everything else can.
TEXT = st.characters(blacklist_categories=("Cs",))
VALUES = st.one_of(NASTY, st.text(TEXT, max_size=60), st.text(TEXT, min_size=5000, max_size=6000))

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@st.composite
def form_data(draw, page_key: str) -> MultiDict:
    keys = PAGE_KEYS[page_key] + ["action", "state", "unknown_field", "q2", "csrf_token"]
    items = draw(st.lists(st.tuples(st.sampled_from(keys), VALUES), max_size=25))
    return MultiDict(items)  # repeated keys included


@pytest.fixture
def open_app(app):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the checks behind the CSRF check
    return app


@given(data=st.data())
@SETTINGS
def test_arbitrary_posts_to_every_page_never_fail(open_app, token, data):
    client = open_app.test_client()
    page = data.draw(st.sampled_from(PAGES))
    payload = data.draw(form_data(page.key))
    response = client.post(f"/s/{token}/page/{page.key}", data=payload)
    assert response.status_code in (200, 302, 400, 409), response.status_code
    with open_app.app_context():
        for answer in db.session.query(Answer):
            _assert_well_typed(answer.key, answer.value)


def _assert_well_typed(key: str, value) -> None:
    """Stored answers are always of the type their question stores, never raw junk."""
    for pi in PAGES:
        for qi in pi.questions():
            if key in field_keys(QUESTIONNAIRE, qi):
                kind = qi.question.type
                if kind == "money_table" and not key.endswith("_text"):
                    assert isinstance(value, int) and abs(value) < LIMIT
                elif kind == "multiple" and key == qi.key:
                    assert isinstance(value, list)
                    assert set(value) <= {o.id for o in qi.question.options}
                elif kind == "single" and key == qi.key:
                    assert value in {o.id for o in qi.question.options}
                return


@given(payload=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/octet-stream", "multipart/form-data; boundary=x",
     "application/x-www-form-urlencoded; charset=latin-1"]
))  # fmt: skip
@SETTINGS
def test_wrong_content_types_and_bytes(app, token, payload, content_type):
    client = app.test_client()
    response = client.post(
        f"/s/{token}/page/authority_information", data=payload, content_type=content_type
    )
    assert response.status_code < 500
    with app.app_context():
        assert db.session.query(Answer).count() == 0  # no CSRF token: nothing saved


def test_missing_csrf_everywhere_refused_without_saving(app, client, token, sign_in):
    for page in PAGES[:6]:
        response = client.post(
            f"/s/{token}/page/{page.key}", data={"q2": "district", "action": "next"}
        )
        assert response.status_code == 400
    sign_in("researcher")
    assert (
        client.post(
            "/research/good_practice_savings/invitations/add", data={"name": "X"}
        ).status_code
        == 400
    )
    with app.app_context():
        assert db.session.query(Answer).count() == 0


def test_request_size_is_capped(app, client, token):
    response = client.post(
        f"/s/{token}/page/authority_information", data={"q1": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "Too much information" in response.get_data(as_text=True)


def test_odd_tokens(client):
    for token in ["%00", "a" * 500, "..%2F..%2Fetc%2Fpasswd", "\u202e", "key~garbage"]:
        response = client.get(f"/s/{token}")
        assert response.status_code in (404, 429), token


@given(data=st.data())
@SETTINGS
def test_researcher_pages_never_fail(app, sign_in, data):
    import uuid

    client = app.test_client()
    sign_in("admin", email=f"admin-{uuid.uuid4().hex}@example.org")
    app.config["WTF_CSRF_ENABLED"] = False
    url = data.draw(st.sampled_from([
        "/research/users", "/research/good_practice_savings/invitations/add",
        "/research/sign-in", "/research/good_practice_savings/invitations",
    ]))  # fmt: skip
    payload = MultiDict(data.draw(st.lists(st.tuples(
        st.sampled_from(["email", "role", "password", "name", "type", "contact_name", "file"]), VALUES
    ), max_size=10)))  # fmt: skip
    response = client.post(url, data=payload)
    assert response.status_code < 500, (url, response.status_code)


# -- money parsing against its specification ------------------------------------------------------


@given(st.integers(min_value=-(LIMIT - 1), max_value=LIMIT - 1))
def test_every_whole_amount_round_trips(amount):
    assert parse_money(str(amount)) == amount
    assert parse_money(f"{amount:,}") == amount
    assert parse_money(format_money(amount)) == amount
    assert parse_money(f"  {amount} ") == amount


@given(st.text(TEXT, max_size=30))
def test_money_parses_or_explains(text):
    try:
        value = parse_money(text)
    except MoneyError as exc:
        assert "in full" in str(exc) or "smaller than" in str(exc) or "0 or more" in str(exc)
        return
    if value is None:
        assert text.strip().replace("\u00a0", "") == ""
    else:
        assert isinstance(value, int)
        pounds = re.sub(r"\.0{1,2}\)?$", "", text.strip().replace("\u00a0", "").rstrip())
        digits = "".join(c for c in pounds if c.isdigit())
        assert int(digits) == abs(value)  # nothing invented, nothing dropped (zero pence aside)
        assert not any(c in text for c in "kKmMe")
        assert value >= 0 or "-" in text or "(" in text


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=2).filter(
        lambda d: d != d.to_integral()
    )
)
def test_pence_are_refused(value):
    with pytest.raises(MoneyError):
        parse_money(str(value))


def test_hostile_question_instance_keys_are_not_writable(app, token):
    """Keys outside the page's questions are ignored, whatever they look like."""
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    journey = Journey(client, token)
    journey.page("authority_information")
    journey.post(
        {"q2": "district", "q34_housing_base_2010_11": "5", "status": "submitted"}, action="save"
    )
    with app.app_context():
        keys = {a.key for a in db.session.query(Answer)}
    assert keys == {"q2"}


@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer at 127.0.0.1:6379")
def test_link_guessing_limit_is_shared_between_workers_through_redis(tmp_path):
    """Two application processes (here: two apps) count one client's failed links together."""
    import secrets

    from survey import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
        "SECRET_KEY": "x",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "LINK_GUESS_LIMIT": "5 per minute",
    }
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    codes = []
    for _ in range(2):  # two "workers"
        worker = create_app(config)
        with worker.app_context():
            db.create_all()
        client = worker.test_client()
        codes += [
            client.get("/s/" + "x" * 43, environ_base={"REMOTE_ADDR": address}).status_code
            for _ in range(3)
        ]
    assert codes == [404] * 5 + [429]


def test_nul_characters_never_reach_the_database(app, client, sign_in, make_link):
    """Found by the property test above on PostgreSQL: a NUL in the sign-in email was a 500."""
    response = client.post(
        "/research/sign-in", data={"email": "a\x00b@example.org", "password": "x\x00"}
    )
    assert response.status_code == 400  # "Enter a correct email address and password"
    token = make_link()
    response = client.get(f"/s/{token}/page/authority_information?change=1\x00")
    assert response.status_code == 200
    from survey.web.request import without_nul

    cleaned = without_nul(MultiDict([("na\x00me", "Bar\x00net"), ("type", "district")]))
    assert list(cleaned.items(multi=True)) == [("name", "Barnet"), ("type", "district")]


def test_an_uploaded_list_of_authorities_loses_its_nul_characters():
    from survey.questionnaire.loader import load
    from survey.responses.invitations import parse_invitations
    from tests.conftest import APPENDIX_A

    invitees, errors = parse_invitations(
        b"name,type\nBar\x00net,london_borough\n", load(APPENDIX_A), set()
    )
    assert errors == [] and [i.name for i in invitees] == ["Barnet"]

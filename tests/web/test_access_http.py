"""What every response says to caches and browsers; ids too large for the database; the
account and sign-in forms never answer a hostile post with a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from survey.extensions import db
from survey.models import User
from survey.scoring.cli import demo_data_command
from survey.web.passwords import hash_password
from tests.conftest import Journey
from tests.web.test_access_signin import PASSWORD, make_account, sign_in_as
from tests.web.test_respondent import complete, submit

QID = "good_practice_savings"


# -- ids beyond what an id column can hold ------------------------------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**63, 99999999999999999999, 10**40])
def test_an_id_too_large_for_the_database_is_not_found(app, client, sign_in, number):
    sign_in("admin")
    for url in (
        f"/research/{QID}/respondents/{number}",
        f"/research/{QID}/respondents/{number}/answers.pdf",
        f"/research/users/{number}/password",
    ):
        assert client.get(url).status_code == 404, url


def test_the_largest_id_a_column_holds_is_looked_up(app, client, sign_in):
    sign_in("admin")
    assert client.get(f"/research/{QID}/respondents/{2**31 - 1}").status_code == 404
    assert client.get(f"/research/{QID}/respondents/0").status_code == 404


# -- caching ------------------------------------------------------------------------------------------


@pytest.fixture
def answered(app, client, make_link):
    journey = Journey(client, make_link("Barnet"))
    complete(journey)
    submit(journey)
    result = app.test_cli_runner().invoke(
        demo_data_command, [QID, "--respondents", "12", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    return app


DOWNLOADS = [
    f"/research/{QID}/downloads/csv-wide",
    f"/research/{QID}/downloads/csv-long",
    f"/research/{QID}/downloads/json",
    f"/research/{QID}/downloads/xlsx",
    f"/research/{QID}/downloads/sav",
    f"/research/{QID}/downloads/codebook-html",
    f"/research/{QID}/chase-list.csv",
    f"/research/{QID}/respondents/1/answers.pdf",
    f"/research/{QID}/figures/figure/figure_2.svg",
    f"/research/{QID}/figures/figure/figure_2.csv",
    f"/research/{QID}/figures/figures.json",
    f"/research/{QID}/figures/report.pdf",
    f"/print/{QID}/questionnaire.pdf",
]


def test_no_response_with_answers_or_contact_details_may_be_stored_by_a_cache(answered, client):
    sign_in_as_researcher(answered, client)
    kinds = set()
    for url in [*DOWNLOADS, "/research/", f"/research/{QID}/respondents/1"]:
        response = client.get(url)
        assert response.status_code == 200 and response.data, url  # (reads streamed bodies)
        assert response.headers["Cache-Control"] == "no-store", url
        kinds.add(response.mimetype)
    assert {"text/csv", "application/json", "application/pdf", "image/svg+xml"} <= kinds
    assert {"text/html", "application/x-spss-sav"} & kinds
    assert any("spreadsheet" in kind for kind in kinds)


def sign_in_as_researcher(app, client) -> None:
    make_account(app, email="r@example.org", role="researcher")
    assert sign_in_as(client, email="r@example.org").status_code == 302


def test_sign_in_and_error_pages_are_not_stored_either(client):
    for url in ("/research/sign-in", "/s/" + "x" * 43, "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_once_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/research/sign-in").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.get("/research/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# -- hostile posts to the research team's forms ------------------------------------------------------------

FIELDS = [
    "email",
    "password",
    "role",
    "current_password",
    "new_password",
    "confirm_password",
    "csrf_token",
    "name",
    "type",
    "contact_name",
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=400),
    st.sampled_from(["", " ", "admin", "a@b", "\r\n", "%00", PASSWORD, "1" * 30]),
)
ROUTES = [
    "/research/sign-in",
    "/research/sign-in?next=%0d%0a",
    "/research/account/password",
    "/research/account/sign-out-others",
    "/research/users",
    "/research/users/2/password",
    "/research/users/2/deactivate",
    "/research/users/99/password",
    f"/research/{QID}/invitations",
    f"/research/{QID}/invitations/add",
    f"/research/{QID}/respondents/1/reissue",
    f"/research/{QID}/respondents/1/revoke",
    f"/research/{QID}/respondents/1/reopen",
    f"/research/{QID}/respondents/1/key-in",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    form=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6),
)
def test_research_forms_never_fail_on_hostile_input(app, make_link, route, form):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the views' own checks
    with app.app_context():
        if db.session.get(User, 2) is None:
            make_account(app, email="admin@example.org")
            make_account(app, email="other@example.org", role="researcher")
            make_link()
        # an earlier example may have changed the admin's password or deactivated an account
        db.session.execute(
            update(User).values(active=True, must_change_password=False, session_version=0)
        )
        db.session.execute(
            update(User)
            .where(User.email == "admin@example.org")
            .values(password_hash=hash_password(PASSWORD))
        )
        db.session.commit()
    client = app.test_client()
    signed_in = sign_in_as(client)
    assert signed_in.status_code == 302 and signed_in.location.endswith("/research/")
    response = client.post(route, data=form)
    assert response.status_code < 500, (route, form)
    if not route.startswith("/research/sign-in"):  # the view itself answered, not the sign-in
        assert "/research/sign-in" not in (response.location or ""), (route, form)

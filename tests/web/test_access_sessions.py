"""Sessions end on the server (sign-out, idle, lifetime, password changes); temporary passwords
must be changed first; passwords must be long and hard to guess."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, User, UserSession
from survey.web.passwords import password_matches
from tests.web.test_access_signin import PASSWORD, csrf_token, make_account, sign_in_as

NEW_PASSWORD = "plum orchard lantern violin"


def copy_session(source, target) -> None:
    """Give ``target`` the session cookie of ``source``, as someone who copied it would."""
    target.set_cookie("session", source.get_cookie("session").value)


def signed_in(client) -> bool:
    response = client.get("/research/")
    return response.status_code == 200


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, "/research/account/password")
    return client.post(
        "/research/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [m.strip() for m in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', html, re.S)]


@pytest.fixture
def account(app):
    return make_account(app, email="r@example.org", role="researcher")


# -- sessions end on the server ---------------------------------------------------------------------


def test_a_copied_session_cookie_stops_working_when_its_owner_signs_out(app, client, account):
    assert sign_in_as(client, email="r@example.org").status_code == 302
    thief = app.test_client()
    copy_session(client, thief)
    assert signed_in(thief)
    client.post("/research/sign-out", data={"csrf_token": csrf_token(client, "/research/")})
    assert not signed_in(client)
    assert not signed_in(thief)
    with app.app_context():
        assert db.session.query(UserSession).count() == 0


def test_a_session_ends_after_the_idle_timeout(app, client, account):
    sign_in_as(client, email="r@example.org")
    with client.session_transaction() as session:
        session["_seen"] -= 8 * 3600 - 60  # used 7 h 59 min ago: still signed in
    assert signed_in(client)  # ... and this use counts as the last one
    with client.session_transaction() as session:
        session["_seen"] -= 8 * 3600 + 1
    assert not signed_in(client)


def test_a_session_ends_after_its_lifetime_however_busy(app, client, account):
    sign_in_as(client, email="r@example.org")
    assert signed_in(client)
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        row.created_at -= dt.timedelta(hours=24)
        db.session.commit()
    assert not signed_in(client)


def test_the_session_settings_are_read(app, client, account):
    app.config["SESSION_IDLE_MINUTES"] = 1
    sign_in_as(client, email="r@example.org")
    with client.session_transaction() as session:
        session["_seen"] -= 61
    assert not signed_in(client)


def test_a_cookie_without_a_session_row_signs_nobody_in(app, client, account):
    """A cookie naming the user, as every cookie did before sessions had rows (signed with the
    real key), is not enough."""
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "1:0"})
    client.set_cookie("session", cookie)
    assert not signed_in(client)
    assert not signed_in(client)  # ... nor does the cookie it is answered with
    with app.app_context():
        assert db.session.query(UserSession).count() == 0


def test_signing_in_again_ends_the_browsers_previous_session(app, client, account):
    sign_in_as(client, email="r@example.org")
    earlier = app.test_client()
    copy_session(client, earlier)
    sign_in_as(client, email="r@example.org")
    assert signed_in(client) and not signed_in(earlier)


def test_changing_the_password_ends_the_other_sessions(app, client, account):
    sign_in_as(client, email="r@example.org")
    other = app.test_client()
    sign_in_as(other, email="r@example.org")
    assert signed_in(other)
    response = change_password(client)
    assert response.status_code == 302 and response.location.endswith("/research/")
    assert signed_in(client) and not signed_in(other)
    assert (
        sign_in_as(app.test_client(), email="r@example.org", password=PASSWORD).status_code == 400
    )
    assert sign_in_as(other, email="r@example.org", password=NEW_PASSWORD).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="password_changed"))
        assert event.actor == "r@example.org" and event.details == {"other_sessions_ended": 1}


def test_signing_out_of_every_other_browser(app, client, account):
    sign_in_as(client, email="r@example.org")
    others = [app.test_client(), app.test_client()]
    for other in others:
        sign_in_as(other, email="r@example.org")
    page = client.get("/research/account").get_data(as_text=True)
    assert "Sign out of every other browser" in page
    response = client.post(
        "/research/account/sign-out-others",
        data={"csrf_token": csrf_token(client, "/research/account")},
    )
    assert response.status_code == 302
    assert signed_in(client) and not any(signed_in(other) for other in others)


def test_deactivating_an_account_deletes_its_sessions(app, client, sign_in, account):
    holder = app.test_client()
    sign_in_as(holder, email="r@example.org")
    sign_in("admin")
    client.post(
        f"/research/users/{account}/deactivate",
        data={"csrf_token": csrf_token(client, "/research/users")},
    )
    assert not signed_in(holder)
    with app.app_context():
        assert db.session.query(UserSession).filter_by(user_id=account).count() == 0


# -- temporary passwords ----------------------------------------------------------------------------


def test_a_password_from_create_user_must_be_changed_first(app, client):
    from survey.web.researcher.cli import create_user_command

    result = app.test_cli_runner().invoke(
        create_user_command, ["new@example.org", "--role", "researcher"]
    )
    assert result.exit_code == 0, result.output
    temporary = re.search(r"password \(shown once\): (\S+)", result.output).group(1)
    signed = sign_in_as(client, email="new@example.org", password=temporary)
    assert signed.location.endswith("/research/account/password")
    for url in (
        "/research/",
        "/research/account",
        "/research/good_practice_savings/",
        "/research/good_practice_savings/downloads/csv-wide",
        "/research/good_practice_savings/figures/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.endswith("/research/account/password"), url
    page = client.get("/research/account/password").get_data(as_text=True)
    assert "Your password is a temporary one" in page
    assert change_password(client, current=temporary).status_code == 302
    assert signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="new@example.org"))
        assert not user.must_change_password and user.password_changed_at is not None


def test_someone_with_a_temporary_password_can_still_sign_out(app, client):
    make_account(app, email="t@example.org", temporary=True)
    sign_in_as(client, email="t@example.org")
    token = csrf_token(client, "/research/account/password")
    response = client.post("/research/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/research/sign-in")
    assert client.get("/research/account/password").status_code == 302  # signed out


def test_an_admin_sets_a_temporary_password(app, client, sign_in, account):
    holder = app.test_client()
    sign_in_as(holder, email="r@example.org")
    sign_in("admin")
    page = client.get("/research/users").get_data(as_text=True)
    assert f"/research/users/{account}/password" in page
    url = f"/research/users/{account}/password"
    weak = client.post(
        url, data={"csrf_token": csrf_token(client, url), "password": "Password1234"}
    )
    assert weak.status_code == 400 and "harder to guess" in weak.get_data(as_text=True)
    ok = client.post(url, data={"csrf_token": csrf_token(client, url), "password": NEW_PASSWORD})
    assert ok.status_code == 302
    assert not signed_in(holder)  # every session of theirs ended
    again = sign_in_as(holder, email="r@example.org", password=NEW_PASSWORD)
    assert again.location.endswith("/research/account/password")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="temporary_password_set"))
        assert event.actor == "admin@example.org" and event.details == {"email": "r@example.org"}


def test_new_accounts_from_the_accounts_page_have_temporary_passwords(app, client, sign_in):
    sign_in("admin")
    response = client.post(
        "/research/users",
        data={
            "csrf_token": csrf_token(client, "/research/users"),
            "email": "new@example.org",
            "role": "sponsor",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="new@example.org"))
        assert user.must_change_password


# -- what a password must be ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("short one", None, "new_password", "at least 12 characters"),
        ("Password1234", None, "new_password", "harder to guess"),
        ("qwertyuiop123", None, "new_password", "harder to guess"),
        ("r@example.org!!", None, "new_password", "harder to guess"),  # the account's own email
        (PASSWORD, None, "new_password", "different from your current one"),
        (NEW_PASSWORD, "plum orchard lantern viola", "confirm_password", "the same new password"),
        ("p" * 129, None, "new_password", "128 characters or fewer"),
    ],
)
def test_a_new_password_is_checked(app, client, account, new, confirm, field, message):
    sign_in_as(client, email="r@example.org")
    response = change_password(client, new=new, confirm=confirm)
    assert response.status_code == 400
    assert any(message in e for e in errors(response)), errors(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, account)
        assert password_matches(user.password_hash, PASSWORD)  # unchanged


def test_the_current_password_must_be_given_correctly(app, client, account):
    sign_in_as(client, email="r@example.org")
    response = change_password(client, current="not my password")
    assert response.status_code == 400
    assert "Your current password is not correct" in errors(response)
    assert change_password(client, current="").status_code == 400


def test_create_user_refuses_a_guessable_password(app):
    from survey.web.researcher.cli import create_user_command

    result = app.test_cli_runner().invoke(
        create_user_command, ["x@example.org", "--role", "admin", "--password", "Password1234"]
    )
    assert result.exit_code != 0 and "harder to guess" in result.output


# -- keying in a paper return: the key lives as long as the session it was made in -------------------


def _key_in_link(client, make_link) -> str:
    make_link("Barnet")
    url = "/research/good_practice_savings/respondents/1"
    response = client.post(f"{url}/key-in", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and "/s/key~" in response.location
    return response.location


def test_a_key_in_link_opens_only_in_the_session_it_was_made_in(app, client, account, make_link):
    assert sign_in_as(client, email="r@example.org").status_code == 302
    link = _key_in_link(client, make_link)
    assert client.get(link).status_code == 302  # into the respondent's forms
    client.post("/research/sign-out", data={"csrf_token": csrf_token(client, "/research/")})
    assert sign_in_as(client, email="r@example.org").status_code == 302
    assert client.get(link).status_code == 404  # signed out since: the key is gone with it


def test_a_key_in_link_waits_for_an_outstanding_password_change(app, client, account, make_link):
    """A reset password must be changed before anything else, keying in included."""
    assert sign_in_as(client, email="r@example.org").status_code == 302
    link = _key_in_link(client, make_link)
    with app.app_context():
        db.session.get(User, account).must_change_password = True
        db.session.commit()
    assert client.get("/research/").location.endswith("/research/account/password")
    assert client.get(link).status_code == 404

"""Sign-in throttling behind a proxy, without locking the account holder out; bounded inputs;
an audit log that anonymous posts cannot fill; safe redirects after signing in."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from sqlalchemy import select

from survey import create_app
from survey.extensions import db
from survey.models import AuditEvent, User
from survey.web.passwords import hash_password
from tests.conftest import redis_answers

PASSWORD = "a correct horse battery staple"
PROXY = "127.0.0.1"  # nginx, in front of the application
WRONG = "Enter a correct email address and password"


def make_account(app, email="admin@example.org", role="admin", temporary=False) -> int:
    with app.app_context():
        user = User(
            email=email,
            role=role,
            password_hash=hash_password(PASSWORD),
            must_change_password=temporary,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def csrf_token(client, url="/research/sign-in", **request) -> str:
    html = client.get(url, **request).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def through_proxy(address: str) -> dict:
    """The request as nginx passes it on: from the proxy, naming the client in a header."""
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": {"X-Forwarded-For": address}}


def sign_in_as(client, email="admin@example.org", password=PASSWORD, next_url=None, **request):
    token = csrf_token(client, **request)
    url = "/research/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(
        url, data={"csrf_token": token, "email": email, "password": password}, **request
    )


def random_address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"


@pytest.fixture
def proxied(app):
    """The application behind one trusted proxy, with small limits to reach."""
    app.config.update(
        TRUSTED_PROXIES=1, SIGN_IN_LIMIT="5 per minute", SIGN_IN_ACCOUNT_LIMIT="8 per hour"
    )
    # ProxyFix wraps the WSGI app at creation: a second app built with the same settings
    proxied_app = create_app({**_settings(app), "TRUSTED_PROXIES": 1})
    yield proxied_app
    with proxied_app.app_context():
        db.engine.dispose()


def _settings(app) -> dict:
    keys = (
        "TESTING",
        "SECRET_KEY",
        "SQLALCHEMY_DATABASE_URI",
        "SURVEY_SCHEDULE",
        "BASE_URL",
        "SIGN_IN_LIMIT",
        "SIGN_IN_ACCOUNT_LIMIT",
        "LINK_GUESS_LIMIT",
        "RATELIMIT_STORAGE_URI",
    )
    return {key: app.config[key] for key in keys}


# -- behind a proxy, failures from one client do not lock out another ------------------------------


def test_failures_from_one_address_do_not_stop_the_holder_signing_in_from_another(proxied):
    make_account(proxied)
    attacker, holder = proxied.test_client(), proxied.test_client()
    codes = [
        sign_in_as(attacker, password=f"guess {n}", **through_proxy("203.0.113.7")).status_code
        for n in range(7)
    ]
    assert codes == [400] * 5 + [429] * 2  # the attacker's address is refused ...
    # ... and the holder, behind the same proxy but at another address, signs in
    response = sign_in_as(holder, **through_proxy("198.51.100.20"))
    assert response.status_code == 302 and response.location.endswith("/research/")


def test_a_spread_out_attack_slows_strangers_down_and_never_locks_the_holder_out(proxied):
    make_account(proxied)
    holder = proxied.test_client()
    assert sign_in_as(holder, **through_proxy("198.51.100.20")).status_code == 302
    holder.post("/research/sign-out", data={"csrf_token": csrf_token(holder, "/research/")})
    attacker = proxied.test_client()
    # four addresses, each under its own allowance, together use up the account's for strangers;
    # past it, each address gets one attempt a minute for the account (the slow lane)
    codes = [
        sign_in_as(attacker, password="guess", **through_proxy(f"203.0.113.{n}")).status_code
        for n in range(4)
        for _ in range(3)
    ]
    # the holder's sign-in was 1 of 8; then addresses .2 and .3 get one slow attempt each
    assert codes == [400] * 7 + [400, 429] + [400, 429, 429]
    # the holder on a computer never used before: not locked out, at most a minute's wait
    stranger = proxied.test_client()
    first = sign_in_as(stranger, **through_proxy("192.0.2.1"))
    assert first.status_code == 302 and first.location.endswith("/research/")
    stranger.post("/research/sign-out", data={"csrf_token": csrf_token(stranger, "/research/")})
    again = sign_in_as(proxied.test_client(), password="typo", **through_proxy("192.0.2.1"))
    assert again.status_code == 429
    assert "wait a minute" in again.get_data(as_text=True)
    # the holder's own browser (it signed in before) is exempt from the account's limit
    known = sign_in_as(holder, **through_proxy("192.0.2.99"))
    assert known.status_code == 302 and known.location.endswith("/research/")


def test_a_password_change_makes_every_browser_a_stranger_to_the_account(proxied):
    """A browser that signed in with a stolen password must not stay exempt once it is reset."""
    user_id = make_account(proxied)
    thief = proxied.test_client()
    assert sign_in_as(thief, **through_proxy("198.51.100.30")).status_code == 302
    with proxied.app_context():
        user = db.session.get(User, user_id)
        user.password_changed_at = dt.datetime(2030, 1, 1)  # as a reset by an admin sets it
        db.session.commit()
    for n in range(8):  # the account's allowance for strangers, used up from elsewhere
        sign_in_as(proxied.test_client(), password="guess", **through_proxy(f"203.0.113.{n}"))
    codes = [
        sign_in_as(thief, password="guess", **through_proxy("198.51.100.30")).status_code
        for _ in range(2)
    ]
    assert codes == [400, 429]  # the slow lane, as for any stranger: no longer exempt


def test_spraying_many_accounts_from_one_address_is_refused(app, client):
    app.config["SIGN_IN_LIMIT"] = "5 per minute"
    for n in range(8):
        make_account(app, email=f"user{n}@example.org", role="researcher")
    codes = [
        sign_in_as(client, email=f"user{n}@example.org", password="Summer2026!").status_code
        for n in range(8)
    ]
    assert codes == [400] * 5 + [429] * 3


def test_without_trusted_proxies_the_forwarded_header_is_ignored(app, client):
    """Anyone can send X-Forwarded-For: unless a proxy is trusted, it cannot buy new attempts."""
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    codes = [
        sign_in_as(client, password="x", headers={"X-Forwarded-For": random_address()}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_the_audit_log_records_the_real_client_address(proxied):
    make_account(proxied)
    sign_in_as(proxied.test_client(), password="nope", **through_proxy("198.51.100.20"))
    with proxied.app_context():
        event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.details) == ("sign_in_failed", {"ip": "198.51.100.20"})


@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer at 127.0.0.1:6379")
def test_sign_in_limits_are_shared_between_workers_through_redis(app):
    """Two application processes (here: two apps on one database) count together, per address
    and per account."""
    settings = {
        **_settings(app),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1",
        "SIGN_IN_LIMIT": "3 per minute",
        "SIGN_IN_ACCOUNT_LIMIT": "5 per hour",
    }
    workers = [create_app(settings), create_app(settings)]
    email = f"{secrets.token_hex(8)}@example.org"
    make_account(app, email=email)
    address = random_address()
    per_address = [
        sign_in_as(worker.test_client(), email=email, password="x", **_from(address)).status_code
        for worker in workers
        for _ in range(2)
    ]
    assert per_address == [400, 400, 400, 429]
    # the second worker finds the account's allowance (5) used up by the first worker's
    # attempts: its address gets only the slow lane (one a minute), counted in Redis too
    others = [random_address(), random_address()]
    per_account = [
        sign_in_as(worker.test_client(), email=email, password="x", **_from(other))
        for worker, other in zip(workers, others, strict=True)
        for _ in range(2)
    ]
    assert [r.status_code for r in per_account] == [400, 400, 400, 429]
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


# -- bounded inputs, and an audit log anonymous posts cannot fill ------------------------------------


def test_a_too_long_email_is_a_form_error_and_stores_nothing(app, client):
    long_email = "x" * 100_000 + "@example.org"
    response = sign_in_as(client, email=long_email, password="anything at all")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter an email address of 254 characters or fewer" in html
    assert long_email not in html  # the field shows what fits, not the 100 kB
    with app.app_context():
        assert db.session.query(AuditEvent).count() == 0


def test_a_too_long_password_is_a_form_error(app, client):
    make_account(app)
    response = sign_in_as(client, password="p" * 129)
    assert response.status_code == 400
    assert "Enter a password of 128 characters or fewer" in response.get_data(as_text=True)


def test_failed_sign_ins_for_unknown_emails_are_not_stored(app, client):
    for n in range(20):
        response = sign_in_as(client, email=f"{'y' * 240}{n}@example.org", password="x")
        assert response.status_code == 400 and WRONG in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AuditEvent).count() == 0


def test_failed_sign_ins_for_an_account_are_audited_with_its_own_email(app, client):
    make_account(app, email="r@example.org", role="researcher")
    sign_in_as(client, email="  R@Example.org", password="wrong")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
    assert [(e.actor, e.action, e.details) for e in events] == [
        ("r@example.org", "sign_in_failed", {"ip": "127.0.0.1"})
    ]


def test_the_accounts_page_refuses_a_too_long_email(app, client, sign_in):
    sign_in("admin")
    token = csrf_token(client, "/research/users")
    response = client.post(
        "/research/users",
        data={
            "csrf_token": token,
            "email": "z" * 250 + "@example.org",
            "role": "researcher",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "254 characters or fewer" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


# -- where a sign-in goes next ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/research/\r\nSet-Cookie: x=1",
        "/research/ two words",
        "//evil.example/research",
        "/research\\@evil.example",
        "https://evil.example/research/",
        "javascript:alert(1)",
        "/research/\u00e9t\u00e9",
        "/researchers",
        "/s/some-respondent-link",
        "/research/" + "x" * 5000,
    ],
)
def test_an_odd_next_goes_to_the_home_page(app, client, target):
    make_account(app)
    token = csrf_token(client)
    response = client.post(
        "/research/sign-in",
        query_string={"next": target},
        data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/research/"


def test_a_research_page_as_next_is_kept(app, client):
    make_account(app)
    response = sign_in_as(client, next_url="/research/good_practice_savings/?status=submitted")
    assert response.location == "/research/good_practice_savings/?status=submitted"


def test_the_slow_lane_keeps_the_accounts_guesses_bounded_however_many_addresses(proxied):
    """Past the account's allowance each address had a slow lane of its own, so guesses grew
    with the number of addresses without limit (found in review): all addresses together now
    share a ceiling, and an IPv6 /64 (one subscriber's) counts as one address."""
    proxied.config.update(SIGN_IN_ACCOUNT_SLOW_CEILING="6 per day")
    make_account(proxied)
    for n in range(8):  # the account's allowance for strangers, used up (8 per hour)
        sign_in_as(proxied.test_client(), password="guess", **through_proxy(f"203.0.113.{n}"))
    from_one_network = [
        sign_in_as(proxied.test_client(), password="guess", **through_proxy(f"2001:db8::{n:x}"))
        for n in range(1, 4)
    ]
    assert [r.status_code for r in from_one_network] == [400, 429, 429]  # one /64, one lane
    spread = [
        sign_in_as(proxied.test_client(), password="guess", **through_proxy(f"198.51.100.{n}"))
        for n in range(1, 9)
    ]
    assert [r.status_code for r in spread] == [400] * 5 + [429] * 3  # 6 a day in all
    holder = sign_in_as(proxied.test_client(), **through_proxy("192.0.2.50"))
    assert holder.status_code == 429  # past the ceiling: only a browser it knows gets in

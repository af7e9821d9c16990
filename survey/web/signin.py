"""Throttling sign-in without letting anyone lock the account holder out.

Two measures, both in the rate-limit storage (shared between workers through Redis):

* per client address, every attempt, whatever the email (``SIGN_IN_LIMIT``): one address cannot
  try many passwords on one account, nor spray a few over many accounts;
* per account, the attempts from browsers that have never signed in to it
  (``SIGN_IN_ACCOUNT_LIMIT``): an attack spread over many addresses still gets only so many
  guesses. This one is never a lock on the holder: a browser that signed in to the account
  carries a signed "known device" cookie for it (OWASP's device cookies) and is exempt, and its
  allowance is larger than one address's, so a single address cannot use it up.

Behind a reverse proxy the client address is only right with ``TRUSTED_PROXIES`` set (see
:func:`survey.create_app`).
"""

from __future__ import annotations

import hashlib
import ipaddress

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from survey.extensions import count_attempt
from survey.models import User

EMAIL_MAX_LENGTH = 254  # the longest address SMTP allows (RFC 5321 with RFC 3696's erratum)
ADDRESS_MAX_LENGTH = 64  # an IPv6 address is at most 45 characters
DEVICE_COOKIE = "survey_known_device"
DEVICE_ACCOUNTS_KEPT = 10  # accounts a browser is known to (people sharing a computer)


def client_address() -> str:
    """The client's address as the limits and the audit log record it (bounded)."""
    return (request.remote_addr or "unknown")[:ADDRESS_MAX_LENGTH]


def normalise_email(typed: str | None) -> str:
    return (typed or "").strip().lower()


def address_may_try() -> bool:
    """Count one sign-in attempt from the client's address; False when it is over the limit."""
    return count_attempt("sign_in", limit_key(), current_app.config["SIGN_IN_LIMIT"])


def account_may_try(email: str, user: User | None) -> bool:
    """Count one attempt on the account ``email`` from this browser, unless the browser has
    signed in to it (with its current password) before; False when this browser must wait.

    Counted by email whether or not the account exists, so the answer does not tell which
    accounts do; the key is a digest, so the storage holds no typed email. Once the account's
    allowance for unknown browsers is used up, each address still has a slow lane of its own
    (``SIGN_IN_ACCOUNT_SLOW_LIMIT``, one a minute by default): other people's failures make the
    holder on a new computer wait a minute, never lock them out."""
    if user is not None and _device_entry(user) in known_devices():
        return True
    key = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    if count_attempt("sign_in_account", key, current_app.config["SIGN_IN_ACCOUNT_LIMIT"]):
        return True
    slow = current_app.config.get("SIGN_IN_ACCOUNT_SLOW_LIMIT", "1 per minute;10 per day")
    if not count_attempt("sign_in_account_slow", f"{key}|{limit_key()}", slow):
        return False
    # however many addresses an attacker has, the account's guesses stay bounded: past this a
    # stranger's browser waits for the next day (a strong password needs 10**8 guesses or more)
    ceiling = current_app.config.get("SIGN_IN_ACCOUNT_SLOW_CEILING", "5000 per day")
    return count_attempt("sign_in_account_ceiling", key, ceiling)


def limit_key() -> str:
    """The client address as the limits count it: an IPv6 address by its /64 network, since
    one subscriber holds a whole /64 and could otherwise take a fresh address for each try."""
    address = client_address()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def _device_entry(user: User) -> list[int]:
    """What a device cookie holds for an account: its id and when its password was set, so a
    password change or reset makes every browser a stranger to the account again."""
    changed = user.password_changed_at
    return [user.id, int(changed.timestamp()) if changed else 0]


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _max_age() -> int:
    return int(current_app.config.get("KNOWN_DEVICE_DAYS", 90)) * 24 * 3600


def known_devices() -> list[list[int]]:
    """The accounts this browser has signed in to, as ``[id, password set]`` pairs (from its
    signed device cookie)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 1000:
        return []
    try:
        entries = _device_serializer().loads(cookie, max_age=_max_age())
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [
        e for e in entries if isinstance(e, list) and len(e) == 2 and all(type(v) is int for v in e)
    ]


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one that signed in to ``user`` (newest first, a few kept)."""
    others = [e for e in known_devices() if e[0] != user.id]
    entries = [_device_entry(user), *others][:DEVICE_ACCOUNTS_KEPT]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(entries),
        max_age=_max_age(),
        path="/research",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )

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

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .extensions import count_attempt

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
    return count_attempt("sign_in", client_address(), current_app.config["SIGN_IN_LIMIT"])


def account_may_try(email: str, user_id: int | None) -> bool:
    """Count one attempt on the account ``email`` from this browser, unless the browser has
    signed in to it before; False when the account's allowance for unknown browsers is used up.

    Counted by email whether or not the account exists, so the answer does not tell which
    accounts do; the key is a digest, so the storage holds no typed email."""
    if user_id is not None and user_id in known_accounts():
        return True
    key = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return count_attempt("sign_in_account", key, current_app.config["SIGN_IN_ACCOUNT_LIMIT"])


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _max_age() -> int:
    return int(current_app.config.get("KNOWN_DEVICE_DAYS", 90)) * 24 * 3600


def known_accounts() -> list[int]:
    """The accounts this browser has signed in to (from its signed device cookie)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 1000:
        return []
    try:
        ids = _device_serializer().loads(cookie, max_age=_max_age())
    except BadSignature:
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int)]


def remember_device(response: Response, user_id: int) -> None:
    """Mark this browser as one that signed in to ``user_id`` (newest first, a few kept)."""
    ids = [user_id, *(i for i in known_accounts() if i != user_id)][:DEVICE_ACCOUNTS_KEPT]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(ids),
        max_age=_max_age(),
        path="/research",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )

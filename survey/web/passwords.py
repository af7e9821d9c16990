"""The research team's passwords: what makes one acceptable, and hashing it.

A password must be long (``PASSWORD_MIN_LENGTH``, 12 by default) and not easy to guess. The
guessability check is zxcvbn's (the ``zxcvbn`` package): it ships the 30,000 most common leaked
passwords and lists of words and names, and scores how many guesses a password would take,
so "Password1234" is refused although it is long enough. Nothing is downloaded at run time.
"""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MAX_LENGTH = 128  # longer than any pass phrase people type; bounds what a sign-in hashes
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; it judges the first 72 characters
GOOD_ENOUGH = 3  # zxcvbn's score: 3 is "safely unguessable: moderate protection offline"


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be chosen (a message for the form), or None when it may."""
    from zxcvbn import zxcvbn

    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 12)
    if len(password) < minimum:
        return f"Enter a password of at least {minimum} characters"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of {MAX_LENGTH} characters or fewer"
    hints = [email, email.partition("@")[0]] if email else []
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=hints)
    if result["score"] < GOOD_ENOUGH:
        warning = (result["feedback"].get("warning") or "").rstrip(".")
        detail = f" {warning}." if warning else ""
        return (
            f"Choose a password that is harder to guess.{detail} Several unrelated words work well."
        )
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one hashed; a too-long password is never (and costs nothing)."""
    if len(password) > MAX_LENGTH:
        return False
    return check_password_hash(password_hash, password)

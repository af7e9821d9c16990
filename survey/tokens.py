"""Unique links: random tokens shown once, stored only as a SHA-256 hash.

A token carries 256 bits from :func:`secrets.token_urlsafe`, so hashing without a salt is safe
(nothing to brute-force) and lets the database look a token up by its hash in one indexed query
whose cost does not depend on whether the token exists.
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_reference(prefix: str = "") -> str:
    """A short reference for the confirmation page, easy to read out on the telephone."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    body = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{prefix}{body[:4]}-{body[4:]}"


class UnsealError(ValueError):
    """A sealed token cannot be opened with this key (the key changed, or the text is not one)."""


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"survey-link-seal\x00" + secret.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(token: str, secret: str) -> str:
    """The token encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256) under a key
    derived from ``secret``, so an email sent later can carry the respondent's own link."""
    return _fernet(secret).encrypt(token.encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret: str) -> str:
    """The token :func:`seal` encrypted; :class:`UnsealError` if the key is not the one used."""
    try:
        return _fernet(secret).decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise UnsealError("the link cannot be decrypted with the current key") from exc

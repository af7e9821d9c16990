"""Unique links: random tokens shown once, stored only as a SHA-256 hash.

A token carries 256 bits from :func:`secrets.token_urlsafe`, so hashing without a salt is safe
(nothing to brute-force) and lets the database look a token up by its hash in one indexed query
whose cost does not depend on whether the token exists.
"""

import hashlib
import secrets

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

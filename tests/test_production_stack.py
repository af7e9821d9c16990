"""The production shape on loopback: nginx in front of two gunicorn instances, PostgreSQL, Redis
for the limits (tests/production_stack.py). From several client addresses, sent through nginx as
X-Forwarded-For, it shows that guesses from one address never block another, that a valid link
is never refused, even from the guessing address and whichever instance answers, and that a
client cannot dodge its own count or charge its guesses to someone else by writing its own
X-Forwarded-For header."""

from __future__ import annotations

import secrets

import pytest
from limits import parse_many

from survey.config import defaults
from tests.production_stack import Stack, missing, production_stack

pytestmark = pytest.mark.slow


def _allowance(setting: str) -> int:
    """The smallest count a default limit allows (the stack runs with the defaults)."""
    return min(item.amount for item in parse_many(defaults("instance")[setting]))


LINK_GUESSES = _allowance("LINK_GUESS_LIMIT")  # 30 (per minute)
SIGN_IN_TRIES = _allowance("SIGN_IN_LIMIT")  # 10 (per minute), from one address
# one set of addresses per test, so each starts with full allowances in any order
GUESSER, NEIGHBOUR, EVADER, FRAMER, FRAMED = (f"127.0.0.{n}" for n in range(2, 7))
ATTACKER, HOLDER = "127.0.0.7", "127.0.0.8"


@pytest.fixture(scope="module")
def stack():
    reason = missing()
    if reason:
        pytest.skip(f"the production-shape stack cannot run here: {reason}")
    with production_stack() as running:
        yield running


def _guess() -> str:
    return "/s/" + secrets.token_urlsafe(32)  # the shape of a real link, but no one's


def _guess_until_refused(stack: Stack, address: str, spoofed_for: str | None = None):
    """Unknown links from one address until the first refusal (bounded); the statuses and the
    instances that answered."""
    client = stack.client(address, spoofed_for)
    replies = [client.get(_guess()) for _ in range(LINK_GUESSES + 4)]
    return [r.status for r in replies], {r.upstream for r in replies}


def test_link_guesses_are_counted_per_client_address_across_both_instances(stack):
    statuses, upstreams = _guess_until_refused(stack, GUESSER)
    # exactly the allowance, then refused: the two instances (two workers each) share one
    # count in Redis; counted separately, each process would have allowed 30 of its own
    assert statuses == [404] * LINK_GUESSES + [429] * 4
    assert upstreams == {f"127.0.0.1:{port}" for port in stack.upstreams}

    neighbour = stack.client(NEIGHBOUR)  # another address behind the same nginx: unaffected
    assert [neighbour.get(_guess()).status for _ in range(4)] == [404] * 4

    # a valid link is never refused, even from the address that used up its guesses, on
    # either instance
    guesser = stack.client(GUESSER)
    assert len(stack.tokens) == 2
    for token in stack.tokens:
        replies = [guesser.get(f"/s/{token}") for _ in range(4)]
        assert [r.status for r in replies if r.status not in (200, 302)] == [], token
        assert len({r.upstream for r in replies}) == 2
        page = guesser.get(replies[0].location or f"/s/{token}")
        assert page.status == 200 and "Good practice" in page.text


def test_a_forged_forwarded_for_header_neither_evades_nor_frames(stack):
    # a guesser, refused, pretends to be a fresh address: nginx appends its real one, and the
    # app trusts only that last hop, so it is still refused
    statuses, _ = _guess_until_refused(stack, EVADER)
    assert statuses[-1] == 429
    disguised = stack.client(EVADER, spoofed_for="127.0.0.99")
    assert [disguised.get(_guess()).status for _ in range(3)] == [429] * 3

    # a client writing someone else's address charges its guesses to itself, not to them
    statuses, _ = _guess_until_refused(stack, FRAMER, spoofed_for=FRAMED)
    assert statuses == [404] * LINK_GUESSES + [429] * 4
    assert stack.client(FRAMED).get(_guess()).status == 404
    assert stack.client("127.0.0.99").get(_guess()).status == 404


def test_sign_in_failures_from_one_address_do_not_block_another(stack):
    attacker = stack.client(ATTACKER, spoofed_for=HOLDER)  # and tries to frame the holder
    statuses = [
        attacker.sign_in(stack.email, f"wrong {i}").status for i in range(SIGN_IN_TRIES + 2)
    ]
    assert statuses == [400] * SIGN_IN_TRIES + [429] * 2
    # the account's holder, at another address, signs in at once
    holder = stack.client(HOLDER)
    reply = holder.sign_in(stack.email, stack.password)
    assert reply.status == 302 and "sign-in" not in (reply.location or ""), reply.status
    # and the audit log has each attempt under the address nginx saw, never the forged one
    assert set(stack.audited_addresses("sign_in_failed")) == {ATTACKER}
    assert stack.audited_addresses("signed_in") == [HOLDER]

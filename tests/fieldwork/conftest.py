"""A real SMTP server on loopback (aiosmtpd), started per test, and what it received."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from survey.extensions import db
from survey.models import Respondent
from survey.responses.writing import create_respondent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(self.message.get_content_charset() or "utf-8")


@dataclass
class Handler:
    """Keeps every message; refuses recipients by their local part (``bounce...`` 550,
    ``busy...`` 451) and can wait before answering the DATA (``data_delay``)."""

    received: list[Received] = field(default_factory=list)
    data_delay: float = 0.0
    rcpt_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:  # kept as soon as the final "." arrived, as a real server would
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.content, policy=default),
                )
            )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Queued"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def wait_for(self, n: int, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while self.count() < n:
            if time.monotonic() > end:
                raise AssertionError(f"the server got {self.count()} messages, not {n}")
            time.sleep(0.01)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Handler

    def config(self) -> dict:
        return {
            "MAIL_HOST": self.host,
            "MAIL_PORT": self.port,
            "MAIL_SECURITY": "none",
            "MAIL_SENDER": "survey-team@example.org",
            "MAIL_TIMEOUT": 10.0,
        }


@pytest.fixture
def smtp_server():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    """The test application sending to the loopback server."""
    app.config.update(smtp_server.config())
    return app


@pytest.fixture
def authorities(app):
    """Make invited authorities: ``make(n)`` returns their ids (emails a1@..., a2@...)."""

    def make(n: int, prefix: str = "a", questionnaire: str = "good_practice_savings") -> list[int]:
        ids = []
        with app.app_context():
            for i in range(1, n + 1):
                respondent, _ = create_respondent(
                    questionnaire, f"Authority {prefix}{i}", "london_borough",
                    f"Contact {i}", f"{prefix}{i}@council.example",
                )  # fmt: skip
                ids.append(respondent.id)
            db.session.commit()
        return ids

    return make


def respondents(app, ids) -> list[Respondent]:
    return [db.session.get(Respondent, i) for i in ids]

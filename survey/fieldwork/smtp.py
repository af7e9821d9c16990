"""Talking to the SMTP server: one connection per run of the sender, one mail transaction per
message, with the end of the DATA under the caller's control.

SMTP cannot make delivery exactly-once (RFC 1047): once the final "." of a message has been
sent, the server may have accepted it even if its "250" never arrives. So :meth:`Mailer.send`
calls ``before_end`` just before that "." (the sender records the message as "finishing" there)
and everything that goes wrong before it is certainly not delivered, while a lost connection
after it is :class:`Uncertain`.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str  # starttls, ssl or none
    username: str
    password: str
    sender: str
    reply_to: str
    timeout: float

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings, or None when no MAIL_HOST is set (email is not used)."""
        if not config.get("MAIL_HOST"):
            return None
        return cls(
            host=config["MAIL_HOST"],
            port=int(config.get("MAIL_PORT") or 587),
            security=(config.get("MAIL_SECURITY") or "starttls").lower(),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            sender=config.get("MAIL_SENDER") or "",
            reply_to=config.get("MAIL_REPLY_TO") or "",
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
        )

    def problems(self) -> list[str]:
        """What is wrong with the settings, in words for whoever set them."""
        found = []
        if self.security not in ("starttls", "ssl", "none"):
            found.append(f"MAIL_SECURITY is '{self.security}': use starttls, ssl or none")
        if "@" not in self.sender:
            found.append("MAIL_SENDER must be the address messages come from")
        if bool(self.username) != bool(self.password):
            found.append("MAIL_USERNAME and MAIL_PASSWORD are set together or not at all")
        return found


class Refused(Exception):
    """The server answered with an error: nothing was delivered. 4xx is temporary, 5xx not."""

    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}")
        self.code, self.text = code, text

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500


class Unreachable(Exception):
    """The connection failed or broke before the end of a message: nothing was delivered, and
    the rest of the run cannot use this connection."""


class Uncertain(Exception):
    """The connection broke after the message's final ".": it may have been delivered."""


class Abandoned(Exception):
    """``before_end`` said not to finish (the claim on the message was lost)."""


class Mailer:
    """One SMTP connection (opened on entering, closed on leaving)."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        try:
            if s.security == "ssl":
                context = ssl.create_default_context()
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.smtp.starttls(context=ssl.create_default_context())
            self.smtp.ehlo_or_helo_if_needed()
            if s.username:
                self.smtp.login(s.username, s.password)
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise Unreachable(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Unreachable(f"cannot connect to {s.host}:{s.port}: {exc}") from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
        self.smtp = None

    def send(self, message: EmailMessage, recipient: str, before_end: Callable[[], bool]) -> None:
        """Deliver one message to one recipient, or raise what happened."""
        smtp = self.smtp
        if smtp is None:
            raise Unreachable("the connection is closed")
        try:
            self._expect(smtp.mail(self.settings.sender), (250,))
            self._expect(smtp.rcpt(recipient), (250, 251))
            self._expect(smtp.docmd("DATA"), (354,))
            smtp.send(_data(message))
        except Refused:
            self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Unreachable(f"the connection broke: {exc}") from exc
        if not before_end():
            self.close()  # a DATA never ended is discarded by the server
            raise Abandoned()
        try:
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Uncertain(f"the connection broke after the message was sent: {exc}") from exc
        if code != 250:
            self._reset()
            raise Refused(code, _text(text))

    @staticmethod
    def _expect(reply: tuple[int, bytes], good: tuple[int, ...]) -> None:
        code, text = reply
        if code not in good:
            raise Refused(code, _text(text))

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# Lines up to RFC 5322's limit of 998: a subject is not folded before its first word (which
# some mail programs then show with a leading space), and a link is never broken.
POLICY = SMTP.clone(max_line_length=998)


def _data(message: EmailMessage) -> bytes:
    """The message as DATA: CRLF line ends, leading dots doubled, ending in CRLF (the final
    "." is sent separately)."""
    raw = message.as_bytes(policy=POLICY)
    raw = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", raw)
    raw = re.sub(rb"(?m)^\.", b"..", raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw

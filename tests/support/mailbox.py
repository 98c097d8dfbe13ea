"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it is sent, for the
app's mail settings to point at: MAIL_SERVER=127.0.0.1, MAIL_PORT=<port>, no TLS, no login."""

import email
import email.policy
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from aiosmtpd.controller import Controller

from .services import free_port

HTTPS_LINK = re.compile(r"https://[^\s<>\"']+")


@dataclass
class Captured:
    message: EmailMessage
    recipients: list[str]  # the envelope's RCPT TO addresses
    taken: bool = False

    def addressed_to(self, address: str) -> bool:
        headers = self.message.get_all("To", []) + self.message.get_all("Cc", [])
        named = [found for _, found in getaddresses(headers)] + self.recipients
        return address.lower() in {found.lower() for found in named}


@dataclass
class Mailbox:
    """The messages the server has received, in order; wait_for takes them one at a time."""

    host: str
    port: int
    captured: list[Captured] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._arrived:
            self.captured.append(Captured(message, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def app_settings(self) -> dict[str, str]:
        """The app's mail variables that send to this mailbox: no TLS, no login."""
        return {
            "MAIL_SERVER": self.host,
            "MAIL_PORT": str(self.port),
            "MAIL_USE_TLS": "false",
            "MAIL_USERNAME": "",
            "MAIL_PASSWORD": "",
        }

    @property
    def messages(self) -> list[EmailMessage]:
        with self._arrived:
            return [captured.message for captured in self.captured]

    def wait_for(
        self, to: str | None = None, subject_contains: str = "", timeout: float = 10
    ) -> EmailMessage:
        """The earliest message not taken yet that is addressed to `to` (envelope, To or Cc)
        and whose subject contains subject_contains; waits up to timeout seconds for it."""

        def match() -> Captured | None:
            for captured in self.captured:
                subject = captured.message["Subject"] or ""
                if captured.taken or subject_contains not in subject:
                    continue
                if to is None or captured.addressed_to(to):
                    return captured
            return None

        deadline = time.monotonic() + timeout
        with self._arrived:
            while (found := match()) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    received = [
                        (captured.recipients, captured.message["Subject"])
                        for captured in self.captured
                    ]
                    raise AssertionError(
                        f"no message to {to!r} with {subject_contains!r} in its subject within "
                        f"{timeout} s; received: {received}"
                    )
                self._arrived.wait(left)
            found.taken = True
            return found.message


def links_in(message: EmailMessage) -> list[str]:
    """The https links in the message's plain-text body, in order."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, f"no text/plain part in {message['Subject']!r}"
    return [link.rstrip(".,;:!?)]") for link in HTTPS_LINK.findall(body.get_content())]


@contextmanager
def mailbox():
    """Yield a Mailbox while an SMTP server on 127.0.0.1:<free port> delivers to it."""
    box = Mailbox("127.0.0.1", free_port())
    controller = Controller(
        box,
        hostname=box.host,
        port=box.port,
        server_hostname="localhost",  # not socket.getfqdn(), which may wait on DNS
        enable_SMTPUTF8=True,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()

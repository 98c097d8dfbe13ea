"""Sending e-mail. Without MAIL_SERVER (development, tests) a message is written to the log
instead of being sent, so every mail flow works on a laptop with no services; in production
only its recipients and subject are, since a body may hold a sign-in link.

With MAIL_IN_BACKGROUND a message goes out from a thread of its own: the request does not
wait for the mail server, and takes as long whether or not it sent mail. in_background()
does the same for the work that decides whether to send one."""

from collections.abc import Callable
from threading import Thread

from flask import Flask, copy_current_request_context, current_app
from flask_mail import Message

from .extensions import mail


def in_background(work: Callable[..., None], *args) -> None:
    """Run work(*args) in a thread of its own, with a copy of the request's context, when
    MAIL_IN_BACKGROUND is on (at once otherwise, as in the tests): whatever work looks up and
    sends, the request takes the same time."""
    if not current_app.config["MAIL_IN_BACKGROUND"]:
        work(*args)
        return
    app = current_app._get_current_object()

    @copy_current_request_context
    def run() -> None:
        try:
            work(*args)
        except Exception:  # the request has been answered: the log is the only place left
            app.logger.exception("%s failed", work.__name__)

    Thread(target=run, name=work.__name__).start()


def send_email(to: list[str], subject: str, body: str) -> None:
    message = Message(subject=subject, recipients=to, body=body)
    app = current_app._get_current_object()
    if app.config["MAIL_SUPPRESS_SEND"]:
        log_instead(app, message)
        mail.send(message)  # sends nothing; tells mail.record_messages() listeners
    elif app.config["MAIL_IN_BACKGROUND"]:
        Thread(target=deliver, args=(app, message), name="send-email").start()
    else:
        mail.send(message)


def deliver(app: Flask, message: Message) -> None:
    with app.app_context():
        try:
            mail.send(message)
        except Exception:  # the request has been answered: the log is the only place left
            app.logger.exception("E-mail to %s not sent", ", ".join(message.recipients))


def log_instead(app: Flask, message: Message) -> None:
    shown = message.body if app.debug or app.testing else "(body not logged in production)"
    app.logger.info(
        "E-mail not sent (MAIL_SERVER is not set):\nTo: %s\nSubject: %s\n\n%s",
        ", ".join(message.recipients),
        message.subject,
        shown,
    )

"""E-mail through the queue: send_email() (email.py) enqueues each message, and the worker
sends it, retrying with back-off (JOBS_RETRY_INTERVALS) while the mail server refuses or
cannot be reached; a message that still fails waits in `flask jobs failed`.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from threading import Thread

from flask import Flask, current_app
from flask_mail import Message
from redis.exceptions import RedisError

from . import enqueue, rq, with_retries


@rq.job
def send_message(recipients: list[str], subject: str, body: str) -> None:
    """The job: send the message now, through Flask-Mail's settings. An error fails the job,
    which RQ then retries."""
    current_app.extensions["mail"].send(Message(subject, recipients=recipients, body=body))


def send_later(app: Flask, message: Message) -> None:
    """Enqueue message for the worker. When Redis cannot take it, the message goes out from
    a thread of this process instead, as without jobs, rather than not at all."""
    recipients = list(message.recipients)
    # What the worker logs of the job: never its body, which may hold a sign-in link.
    description = f"e-mail to {', '.join(recipients)}: {message.subject}"
    try:
        enqueue(
            send_message,
            recipients,
            message.subject,
            message.body,
            retry=with_retries(),
            description=description,
        )
    except RedisError:
        from ..email import deliver  # here: email.py imports this module

        app.logger.exception("E-mail to %s not queued: sending it now", ", ".join(recipients))
        Thread(target=deliver, args=(app, message), name="send-email").start()

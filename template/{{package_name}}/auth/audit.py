"""The audit log: security events, recorded with the client's address (after ProxyFix) and
user agent. Every event is also sent as the `security_event` signal, for those who subscribe
to it.

Never record a password, a token or a second-factor secret: `detail` is for names and roles.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from datetime import datetime

from blinker import Namespace
from flask import has_request_context, request
from sqlalchemy import select

from ..extensions import db
from .models import AuditEvent, User

ACCOUNT_CREATED = "account_created"
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SIGN_IN_ENDED = "sign_in_ended"  # another device signed out from the account page
OTHER_SIGN_INS_ENDED = "other_sign_ins_ended"
ACCOUNT_LOCKED = "account_locked"
ACCOUNT_UNLOCKED = "account_unlocked"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
ROLE_CHANGED = "role_changed"
# Features record events of their own (e-mailed links: auth/emails.py; two-factor sign-in:
# two_factor/__init__.py), named the same way.

# The events the account's owner is told of, in case it was not them (by e-mail, where the
# project sends it), with the notice's subject. Features add theirs.
OWNER_NOTICES: dict[str, str] = {
    ACCOUNT_LOCKED: "Your account is locked for a while",
    PASSWORD_CHANGED: "Your password was changed",
}

signals = Namespace()
security_event = signals.signal("security-event")


def record(event: str, user: User | None = None, detail: str = "") -> AuditEvent:
    """Add event to the log and commit it, then send the signal."""
    entry = AuditEvent(event=event, user=user, detail=detail[:255], **client())
    db.session.add(entry)
    db.session.commit()
    security_event.send(entry, user=user)
    return entry


def client() -> dict[str, str | None]:
    if not has_request_context():
        return {"remote_addr": None, "user_agent": "flask command"}
    agent = request.user_agent.string[:255] or None
    return {"remote_addr": request.remote_addr, "user_agent": agent}


def events(
    *, user: User | None = None, event: str | None = None, since: datetime | None = None
) -> list[AuditEvent]:
    """The log, oldest first, narrowed to a user, an event and a start when given."""
    query = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)
    if user is not None:
        query = query.where(AuditEvent.user_id == user.id)
    if event is not None:
        query = query.where(AuditEvent.event == event)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(db.session.scalars(query))

"""Account lockout: LOCKOUT_THRESHOLD failures within LOCKOUT_WINDOW lock the account for
LOCKOUT_DURATION. Failures are counted from the audit log, since the last sign-in, lock or
unlock."""

from flask import current_app

from .. import audit
from ..extensions import db
from ..models import User, utcnow

# The events after which counting starts again.
COUNT_RESETS = (audit.SIGN_IN, audit.ACCOUNT_LOCKED, audit.ACCOUNT_UNLOCKED)


def record_failure(user: User, event: str = audit.SIGN_IN_FAILED) -> None:
    """Log a failed attempt at event on user's account, and lock it when there were too many."""
    audit.record(event, user)
    config = current_app.config
    since = utcnow() - config["LOCKOUT_WINDOW"]
    if audit.count_since(user, event, since, COUNT_RESETS) >= config["LOCKOUT_THRESHOLD"]:
        lock(user)


def lock(user: User) -> None:
    user.locked_until = utcnow() + current_app.config["LOCKOUT_DURATION"]
    db.session.commit()
    audit.record(audit.ACCOUNT_LOCKED, user, detail=f"until {user.locked_until:%Y-%m-%d %H:%M} UTC")


def unlock(user: User) -> None:
    user.locked_until = None
    db.session.commit()
    audit.record(audit.ACCOUNT_UNLOCKED, user)

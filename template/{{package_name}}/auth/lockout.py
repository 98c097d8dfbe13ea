"""Account lockout: at most LOCKOUT_THRESHOLD sign-in steps (passwords and second-step codes
alike) are checked per account within LOCKOUT_WINDOW, however many requests arrive at once;
the threshold-th failure locks the account for LOCKOUT_DURATION.

Each check first takes an attempt with one conditional UPDATE of the user's counter, which
the database applies to one request at a time: when the count is at the threshold or the
account is locked, no row matches and no check is made. A completed sign-in gives the
attempts back; the audit log records each failure and lock.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import current_app
from sqlalchemy import case, literal, select, update

from ..extensions import db
from . import audit
from .models import User, UTCDateTime, utcnow


def take_attempt(user: User) -> int | None:
    """Count one sign-in step against user: its number in the current window, or None when
    the account is locked or has no attempt left, and the step must not be checked."""
    config, now = current_app.config, utcnow()
    window_over = User.failures_since.is_(None) | (
        User.failures_since <= now - config["LOCKOUT_WINDOW"]
    )
    taken = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.locked_until.is_(None) | (User.locked_until <= now),
            window_over | (User.failed_sign_ins < config["LOCKOUT_THRESHOLD"]),
        )
        .values(
            failed_sign_ins=case((window_over, 1), else_=User.failed_sign_ins + 1),
            failures_since=case(
                (window_over, literal(now, UTCDateTime())), else_=User.failures_since
            ),
        )
        .execution_options(synchronize_session=False)
    )
    # Read within the transaction that holds the row: the number this request took.
    number = db.session.scalar(select(User.failed_sign_ins).where(User.id == user.id))
    db.session.commit()
    return number if taken.rowcount == 1 else None


def record_failure(user: User, attempt: int, event: str = audit.SIGN_IN_FAILED) -> None:
    """Log a failed check of attempt (from take_attempt); the threshold-th locks the account."""
    audit.record(event, user)
    if attempt >= current_app.config["LOCKOUT_THRESHOLD"]:
        lock(user)


def record_success(user: User) -> None:
    """The sign-in is complete: the attempts taken so far are given back."""
    set_counter(user, failed_sign_ins=0, failures_since=None)


def lock(user: User) -> None:
    """Lock user's account, unless a sign-in completed since the count reached the threshold
    (it gave the attempts back) or another request locked it first."""
    config, now = current_app.config, utcnow()
    until = now + config["LOCKOUT_DURATION"]
    locked = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.failed_sign_ins >= config["LOCKOUT_THRESHOLD"],
            User.locked_until.is_(None) | (User.locked_until <= now),
        )
        # The count starts again when the lock ends.
        .values(locked_until=until, failed_sign_ins=0, failures_since=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if locked.rowcount == 1:
        audit.record(audit.ACCOUNT_LOCKED, user, detail=f"until {until:%Y-%m-%d %H:%M} UTC")


def unlock(user: User) -> None:
    """End any lock on user's account and give back its attempts."""
    set_counter(user, locked_until=None, failed_sign_ins=0, failures_since=None)
    audit.record(audit.ACCOUNT_UNLOCKED, user)


def set_counter(user: User, **values) -> None:
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()

"""Signed links for e-mail: each names a user and a digest of the state it is good for, so
that it stops working when it expires, once it has been used, and when the password changes.
Using one changes that state with a single conditional UPDATE (use_link), so that of requests
that bring the same link at the same moment, only one succeeds.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update

from ..extensions import db
from .models import User

CONFIRMATION = "confirm-email"
RESET = "reset-password"
MAX_AGE_SETTINGS = {
    CONFIRMATION: "EMAIL_CONFIRMATION_MAX_AGE",
    RESET: "PASSWORD_RESET_MAX_AGE",
}


def fingerprint_of(user: User, purpose: str) -> str:
    """A confirmation link is good while the address it confirms is unconfirmed; a reset
    link while the password is the one it replaces."""
    if purpose == CONFIRMATION:
        return user.fingerprint(purpose, user.email, str(user.email_confirmed_at))
    return user.fingerprint(purpose)


def state_of(user: User, purpose: str) -> dict:
    """The columns fingerprint_of digests, with the values user holds."""
    state = {"password_hash": user.password_hash}
    if purpose == CONFIRMATION:
        state.update(email=user.email, email_confirmed_at=user.email_confirmed_at)
    return state


def serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def token_for(user: User, purpose: str) -> str:
    return serializer(purpose).dumps([user.id, fingerprint_of(user, purpose)])


def user_for(token: str, purpose: str) -> User | None:
    """The user a valid, unexpired, unused token for purpose names; None for any other."""
    max_age = current_app.config[MAX_AGE_SETTINGS[purpose]]
    try:
        user_id, digest = serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (BadSignature, ValueError, TypeError):  # bad, expired or of another shape
        return None
    if not isinstance(user_id, int) or not isinstance(digest, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(fingerprint_of(user, purpose), digest):
        return None
    return user


def use_link(user: User, purpose: str, state: dict | None = None, **changes) -> bool:
    """Make changes to user (from user_for) if the state its link was good for still holds:
    whether this request used the link, rather than another one before it. state is that
    state as user_for found it (state_of), for a request that committed in between, which
    reloads user."""
    unchanged = [
        getattr(User, name).is_(None) if value is None else getattr(User, name) == value
        for name, value in (state or state_of(user, purpose)).items()
    ]
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, *unchanged)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1

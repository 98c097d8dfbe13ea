"""Signing in: checking a password without telling whether the account exists, and starting
the signed-in session."""

from flask import redirect, session, url_for
from flask_login import login_user

from .. import audit
from ..models import User
from ..passwords import spend_verification_time
from ..security import is_safe_redirect
from .lockout import record_failure

# The one answer to a wrong password, an unknown user and a locked account alike.
SIGN_IN_FAILED = "Wrong username, e-mail address or password."


def authenticate(login: str, password: str) -> User | None:
    """The user that login and password name, or None. The same password-hashing work is done
    for an unknown user and a locked account, so that timing tells no more than the answer."""
    user = User.by_login(login)
    if user is None:
        spend_verification_time(password)
        audit.record(audit.SIGN_IN_FAILED, detail="unknown account")
        return None
    matches = user.check_password(password)
    if user.is_locked():
        audit.record(audit.SIGN_IN_FAILED, user, detail="account locked")
        return None
    if not matches:
        record_failure(user)
        return None
    return user if user.is_active else None


def complete_sign_in(user: User, remember: bool, next_url: str | None):
    session.clear()  # a new session at sign-in: nothing from before carries over
    login_user(user, remember=remember)
    audit.record(audit.SIGN_IN, user)
    return redirect(next_url if is_safe_redirect(next_url) else url_for("main.index"))

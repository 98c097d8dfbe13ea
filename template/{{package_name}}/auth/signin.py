"""Signing in: checking a password without telling whether the account exists, and starting
the signed-in session; signing out, which ends it on the server and in the browser.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import after_this_request, current_app, redirect, request, session, url_for
from flask_login import login_user, logout_user
from flask_login.config import COOKIE_NAME

from ..security import is_safe_redirect
from . import audit, lockout, sign_ins
from .models import User
from .passwords import spend_verification_time

# The one answer to a wrong password, an unknown user and a locked account alike.
SIGN_IN_FAILED = "Wrong username, e-mail address or password."


def authenticate(login: str, password: str) -> User | None:
    """The user that login and password name, or None. The same password-hashing work is done
    for an unknown user and a locked account, so that timing tells no more than the answer.
    The password is checked only when the lockout gives the attempt (see lockout.py)."""
    user = User.by_login(login)
    attempt = lockout.take_attempt(user) if user is not None else None
    if attempt is None:
        spend_verification_time(password)
        detail = "unknown account" if user is None else "account locked"
        audit.record(audit.SIGN_IN_FAILED, user, detail=detail)
        return None
    if not user.check_password(password):
        lockout.record_failure(user, attempt)
        return None
    if not user.is_active:
        return None
    if not second_step_follows(user):
        lockout.record_success(user)
    return user


def second_step_follows(user: User) -> bool:
    """Whether a code must follow the password; until it does, the attempt stays counted."""
    return getattr(user, "has_second_factor", False)


def complete_sign_in(user: User, remember: bool, next_url: str | None):
    session.clear()  # a new session at sign-in: nothing from before carries over
    sign_ins.start(user, remember)
    login_user(user, remember=remember)
    audit.record(audit.SIGN_IN, user)
    return redirect(next_url if is_safe_redirect(next_url) else url_for("main.index"))


def sign_out(user: User) -> None:
    """End user's current sign-in on the server, empty the session, and delete the remember
    cookie."""
    sign_ins.end(user, user.current_sign_in.id)
    audit.record(audit.SIGN_OUT, user)
    session.clear()
    logout_user()
    # Flask-Login would delete the cookie without Secure, and a browser ignores that for a
    # __Host- cookie: delete it here, with the attributes it was set with.
    session.pop("_remember", None)
    after_this_request(delete_remember_cookie)


def delete_remember_cookie(response):
    config = current_app.config
    name = config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if name in request.cookies:
        response.delete_cookie(
            name,
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            secure=config["REMEMBER_COOKIE_SECURE"],
            httponly=config["REMEMBER_COOKIE_HTTPONLY"],
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )
    return response

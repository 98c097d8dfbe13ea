"""Signing in: checking a password without telling whether the account exists, and starting
the signed-in session; signing out, which ends it on the server and in the browser."""

from flask import after_this_request, current_app, redirect, request, session, url_for
from flask_login import login_user, logout_user
from flask_login.config import COOKIE_NAME

from .. import audit
from ..models import User
from ..passwords import spend_verification_time
from ..security import is_safe_redirect
from . import sign_ins
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

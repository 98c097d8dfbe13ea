"""The sign-in between its two steps: the password was right, the code is still to come. The
pending sign-in lives in the (signed) session and expires after SECOND_STEP_MAX_AGE.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import time

from flask import current_app, redirect, session, url_for

from ..auth import steps
from ..auth.models import User
from ..extensions import db

PENDING = "second_step"


@steps.sign_in_step
def second_step_first(user: User, remember: bool, next_url: str | None):
    """A user with a second factor signs in once the code follows the password."""
    if user.has_second_factor:
        return begin_second_step(user, remember, next_url)
    return None


def begin_second_step(user: User, remember: bool, next_url: str | None):
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "password": user.fingerprint("second-step"),
        "remember": bool(remember),
        "next": next_url,
        "since": time.time(),
    }
    return redirect(url_for("two_factor.verify"))


def pending() -> tuple[User, dict] | None:
    """The user halfway through signing in, and the sign-in's details; None when there is
    none, it expired, or the password changed since."""
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    max_age = current_app.config["SECOND_STEP_MAX_AGE"].total_seconds()
    if time.time() - state.get("since", 0) > max_age:
        return None
    user = db.session.get(User, state.get("user", 0))
    if user is None or user.fingerprint("second-step") != state.get("password"):
        return None
    return user, state


def abandon() -> None:
    session.pop(PENDING, None)

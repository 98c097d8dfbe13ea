"""Sign-ins kept on the server (models.SignIn): made at sign-in, listed on the account page,
ended by signing out there or on the device itself. Each ends by one UPDATE ... WHERE it has
not ended yet, so that requests at the same moment end it, and log it, once.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import re
import secrets

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from . import audit
from .models import SignIn, User, utcnow

LARGEST_ID = 2**31 - 1  # of an INTEGER column on every database

# What a user agent string shows, most telling first: Edge and Opera name Chrome too, and
# Chrome names Safari; Android names Linux, and iOS names Mac OS X.
BROWSERS = [
    ("Edge", r"\bEdg(e|A|iOS)?/"),
    ("Opera", r"\bOPR/"),
    ("Firefox", r"\b(Firefox|FxiOS)/"),
    ("Chrome", r"\b(Chrome|HeadlessChrome|Chromium|CriOS)/"),
    ("Safari", r"\bSafari/"),
]
SYSTEMS = [
    ("Android", r"\bAndroid\b"),
    ("iOS", r"\b(iPhone|iPad|iPod)\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("Windows", r"\bWindows\b"),
    ("macOS", r"\bMac OS X\b"),
    ("Linux", r"\bLinux\b"),
]


def start(user: User, remember: bool) -> SignIn:
    """A new sign-in for user, lasting as long as its session, or its remember cookie."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"]
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    sign_in = SignIn(
        user=user,
        secret_digest=SignIn.digest(secret),
        password_fingerprint=user.fingerprint("session"),
        remembered=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        **audit.client(),
    )
    db.session.add(sign_in)
    db.session.commit()
    forget_finished(user)
    sign_in.secret = secret
    user.current_sign_in = sign_in
    return sign_in


def forget_finished(user: User) -> None:
    """Delete user's sign-ins that ended or expired: the audit log keeps their history. By
    their ids, in a transaction of its own: a delete by user would lock a range of the index
    that another sign-in of the same user, starting at the same moment, inserts into, and
    MySQL would end one of the two as a deadlock."""
    finished = db.session.scalars(
        select(SignIn.id).where(
            SignIn.user_id == user.id,
            or_(SignIn.ended_at.is_not(None), SignIn.expires_at <= utcnow()),
        )
    ).all()
    if finished:
        db.session.execute(delete(SignIn).where(SignIn.id.in_(finished)))
    db.session.commit()


def active(user: User) -> list[SignIn]:
    """user's sign-ins that still let someone in, the latest seen first."""
    query = (
        select(SignIn)
        .where(
            SignIn.user_id == user.id,
            SignIn.ended_at.is_(None),
            SignIn.expires_at > utcnow(),
            SignIn.password_fingerprint == user.fingerprint("session"),
        )
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    )
    return list(db.session.scalars(query))


def end(user: User, sign_in_id: int) -> bool:
    """End user's sign-in sign_in_id; whether this call ended it."""
    return _end(SignIn.id == sign_in_id, user=user) == 1


def end_others(user: User) -> int:
    """End every sign-in of user but the current one; how many this call ended."""
    return _end(SignIn.id != user.current_sign_in.id, user=user)


def keep_after_password_change(user: User) -> None:
    """The current sign-in carries on with user's new password; the others end. Committed
    with the password itself."""
    db.session.execute(
        update(SignIn)
        .where(SignIn.id == user.current_sign_in.id)
        .values(password_fingerprint=user.fingerprint("session"))
    )
    end_others(user)


def _end(condition, *, user: User) -> int:
    result = db.session.execute(
        update(SignIn)
        .where(condition, SignIn.user_id == user.id, SignIn.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def device(user_agent: str | None) -> str:
    """A name for the device a user agent string describes, e.g. "Chrome on Linux"."""
    agent = user_agent or ""
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, agent)), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "An unknown device"

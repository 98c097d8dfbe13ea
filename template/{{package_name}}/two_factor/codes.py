"""The second factor's codes: TOTP (RFC 6238) from an authenticator app, each accepted once,
and recovery codes, kept only as digests. A recovery code holds 50 random bits, so a fast
digest suffices: unlike a password, it cannot be guessed from a list.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, select, update

from ..auth.models import RecoveryCode, User, utcnow
from ..auth.retention import delete_in_batches
from ..extensions import db

RECOVERY_CODE_COUNT = 10
STEPS_OF_DRIFT = 1  # a code from the step before or after still counts: clocks drift


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_code_svg(uri: str) -> Markup:
    """The QR code of uri as inline SVG: no script, no image request, nothing for the CSP.
    Markup is safe here: segno writes only path data drawn from uri, never uri's text."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code")
    return Markup(svg)  # noqa: S704  # nosec B704


def matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step whose code is code, later than after (so that no code works twice)."""
    code = normalized(code)
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in range(now - STEPS_OF_DRIFT, now + STEPS_OF_DRIFT + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_totp(user: User, code: str) -> bool:
    """Whether code is user's current code, not accepted before. The step is saved by one
    conditional UPDATE: of requests that bring the same code at once, one alone gets True."""
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    later = User.totp_last_step.is_(None) | (User.totp_last_step < step)
    accepted = changed(update(User).where(User.id == user.id, later).values(totp_last_step=step))
    db.session.commit()
    return accepted


def enable(user: User, secret: str, step: int) -> list[str] | None:
    """Turn the second factor on with secret, whose code of step the user just entered: the
    new recovery codes, or None when it was on already (another request turned it on)."""
    turned_on = changed(
        update(User)
        .where(User.id == user.id, User.totp_secret.is_(None))
        .values(totp_secret=secret, totp_last_step=step)
    )
    codes = new_recovery_codes(user) if turned_on else None
    db.session.commit()
    return codes


def disable(user: User) -> bool:
    """Turn the second factor off: whether this request did (and not another one first)."""
    turned_off = changed(
        update(User)
        .where(User.id == user.id, User.totp_secret.is_not(None))
        .values(totp_secret=None, totp_last_step=None)
    )
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()
    return turned_off


def new_recovery_codes(user: User) -> list[str]:
    """Replace user's recovery codes with new ones; the codes are shown once, then gone."""
    codes = [formatted(secrets.token_hex(5)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, digest=digest(code)) for code in codes)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Whether code is one of user's unused recovery codes. It is spent by one conditional
    UPDATE: of requests that bring it at once, one alone gets True."""
    unused = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id,
        RecoveryCode.digest == digest(code),
        RecoveryCode.used_at.is_(None),
    )
    code_id = db.session.scalar(unused.limit(1))
    if code_id is None:
        return False
    spent = changed(
        update(RecoveryCode)
        .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    db.session.commit()
    return spent


def purge_spent_recovery_codes() -> int:
    """Delete the recovery codes that were used (a used code is refused whether its row is
    there or not); where the project has a scheduler, it runs it each night."""
    deleted = delete_in_batches(RecoveryCode, RecoveryCode.used_at.is_not(None))
    current_app.logger.info("Purged %d used recovery codes", deleted)
    return deleted


def changed(statement) -> bool:
    """Run a conditional UPDATE of one row: whether the row met the condition and changed."""
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount == 1


def normalized(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def formatted(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()

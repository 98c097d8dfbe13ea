"""The second factor's codes: TOTP (RFC 6238) from an authenticator app, each accepted once,
and recovery codes, kept only as digests. A recovery code holds 50 random bits, so a fast
digest suffices: unlike a password, it cannot be guessed from a list."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from ..models import RecoveryCode, User, utcnow

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
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def new_recovery_codes(user: User) -> list[str]:
    """Replace user's recovery codes with new ones; the codes are shown once, then gone."""
    codes = [formatted(secrets.token_hex(5)) for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes = [RecoveryCode(digest=digest(code)) for code in codes]
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    wanted = digest(code)
    for stored in user.recovery_codes:
        if stored.used_at is None and hmac.compare_digest(stored.digest, wanted):
            stored.used_at = utcnow()
            return True
    return False


def normalized(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def formatted(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()

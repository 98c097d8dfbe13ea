"""Two-factor sign-in: codes from an authenticator app (TOTP), and one-time recovery codes.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, request

from ..auth import audit
from ..maintenance import let_through_maintenance

bp = Blueprint("two_factor", __name__)

SECOND_FACTOR_ENABLED = "second_factor_enabled"
SECOND_FACTOR_DISABLED = "second_factor_disabled"
SECOND_FACTOR_FAILED = "second_factor_failed"
RECOVERY_CODE_USED = "recovery_code_used"
audit.OWNER_NOTICES[SECOND_FACTOR_ENABLED] = "Two-factor sign-in is on"
audit.OWNER_NOTICES[SECOND_FACTOR_DISABLED] = "Two-factor sign-in is off"

from . import second_step, views  # noqa: E402,F401  (they attach themselves to bp and auth)


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """The second step must follow the password within SECOND_STEP_MAX_AGE."""
    config.setdefault("RATELIMIT_SECOND_FACTOR", "5 per minute")
    config.setdefault("SECOND_STEP_MAX_AGE", timedelta(minutes=5))
    config.setdefault("TOTP_ISSUER", config["APP_NAME"])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/auth/two-factor")
    let_through_maintenance(app, second_step_of_sign_in)


def second_step_of_sign_in() -> bool:
    """The second step of signing in stays open during maintenance, as the first does."""
    return request.endpoint == "two_factor.verify"

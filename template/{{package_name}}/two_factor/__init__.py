"""Two-factor sign-in: codes from an authenticator app (TOTP), and one-time recovery codes."""

from flask import Blueprint

bp = Blueprint("two_factor", __name__)

from . import views  # noqa: E402,F401  (the views attach themselves to bp)

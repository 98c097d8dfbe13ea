"""Accounts: registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401  (the views attach themselves to bp)

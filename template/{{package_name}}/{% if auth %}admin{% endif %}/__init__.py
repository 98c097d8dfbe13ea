"""Administration: the users and their roles, for administrators only."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views  # noqa: E402,F401  (the views attach themselves to bp)

"""Yours: `copier update` never changes this file.

The public pages: the home page, and any page of yours that needs no blueprint of its own.
"""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import views  # noqa: E402,F401  (the views attach themselves to bp)

"""Accounts during maintenance: signed-in administrators work as ever, and the sign-in pages
stay open so that an administrator can sign in (everyone else then gets the maintenance page).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .models import Role

SIGN_IN_ENDPOINTS = {"auth.login", "auth.logout"}


def administrators_and_signing_in() -> bool:
    """Whom maintenance mode lets through: signed-in administrators, and the sign-in pages."""
    if request.endpoint in SIGN_IN_ENDPOINTS:
        return True
    try:
        return current_user.is_authenticated and current_user.has_role(Role.ADMIN)
    except SQLAlchemyError:  # the account cannot be read: a visitor, for the page drawn too
        db.session.rollback()
        g._login_user = current_app.login_manager.anonymous_user()
        return False

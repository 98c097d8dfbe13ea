"""Guards for views: roles_required answers 403 to users without one of the roles.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles_required(*names: str) -> Callable:
    """Let a view through only for signed-in users with one of the roles names: others who are
    signed in get 403, visitors the sign-in page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not any(current_user.has_role(name) for name in names):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator

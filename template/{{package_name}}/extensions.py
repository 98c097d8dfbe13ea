"""The Flask extensions every app uses, created unbound; create_app() binds each with
init_app(). A feature creates its own (auth's login manager, the mail feature's Mail).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import current_app, request
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from . import extend
from .headers import Talisman
from .rate_limits import Limiter


class Base(DeclarativeBase):
    # Named constraints, so that migrations can drop and alter them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
talisman = Talisman()


def __getattr__(name: str):
    """extensions.migrate: Flask-Migrate's Migrate, loaded when first asked for, as only what
    migrates needs it (migrations.py)."""
    if name == "migrate":
        from .migrations import flask_migrate

        return flask_migrate()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rate_limit_key() -> str:
    """The client's address (ProxyFix has set it), in this app's namespace."""
    return current_app.config["RATELIMIT_NAMESPACE"] + (request.remote_addr or "unknown")


def default_limits() -> str:
    """RATELIMIT_DEFAULT and the limits extend.py adds, as Flask-Limiter reads them."""
    return "; ".join([current_app.config["RATELIMIT_DEFAULT"], *extend.RATE_LIMITS])


# The key and the default limit are read from each app's config, so that every app gets its
# own: Flask-Limiter keeps some settings of the first app it is bound to.
limiter = Limiter(key_func=rate_limit_key, default_limits=[default_limits])

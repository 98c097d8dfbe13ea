"""Yours: `copier update` never changes this file.

The doors through which the app grows without an edit to the template's modules (those that
say "The template's module"), so that every update merges clean: settings, Content-Security-
Policy sources and rate limits below, and init_app() for code. Your models go in models.py,
your pages in main/ (or a blueprint of your own, registered in init_app).
"""

from flask import Flask

# Settings for every environment, applied over config.py's and each feature's defaults and
# before the production checks (checks.py), e.g.
#     SETTINGS = {"PERMANENT_SESSION_LIFETIME": timedelta(hours=8)}
SETTINGS: dict[str, object] = {}

# Sources to add to a directive of the Content-Security-Policy (security.py), e.g. images
# from a CDN:
#     CSP_SOURCES = {"img-src": ["https://cdn.example.com"]}
CSP_SOURCES: dict[str, list[str]] = {}

# Rate limits on every page, on top of RATELIMIT_DEFAULT, e.g. ["2000 per day"].
RATE_LIMITS: list[str] = []


def init_app(app: Flask) -> None:
    """Wire your own code into the app; create_app() calls it last, after every feature.

    A blueprint, with its routes in a package of your own (e.g. reports/__init__.py):
        from .reports import bp as reports_bp
        app.register_blueprint(reports_bp, url_prefix="/reports")

    A command for `flask` (`flask send-digest`):
        @app.cli.command("send-digest")
        def send_digest() -> None:
            ...

    An error handler, for an exception of your own:
        @app.errorhandler(QuotaExceeded)
        def quota_exceeded(error):
            return render_template("quota.html"), 402
    """

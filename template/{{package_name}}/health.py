"""Health checks for the platform and monitors: /health says the process is alive (it
touches nothing else), /health/ready that it can reach its database (503 when not) and
whether the shared rate-limit storage answers (and what each feature's readiness check,
in app.extensions["readiness_checks"], reports). Without that storage each process counts on
its own until it is back: the app still serves, so readiness stays 200 and says "degraded".

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter, talisman
from .security import limits_are_shared

bp = Blueprint("health", __name__)


@limiter.request_filter
def is_health_check() -> bool:
    """Platforms poll these often; a monitor must never be refused. A request filter exempts
    them before Flask-Limiter works out which limits apply, which an exemption does after."""
    return request.blueprint == bp.name


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health")
@talisman(force_https=False)  # platform health checks come over plain HTTP from inside
def alive():
    return no_store(jsonify(status="ok"))


@bp.get("/health/ready")
@talisman(force_https=False)
def ready():
    checks = {"database": database_state()}
    if limits_are_shared(current_app.config):
        checks["rate_limit_storage"] = "ok" if limiter.storage.check() else "degraded"
    for name, check in current_app.extensions.get("readiness_checks", {}).items():
        checks[name] = check()  # a feature's own, reported without changing the status
    if checks["database"] != "ok":
        return no_store(jsonify(status="unavailable", **checks)), 503
    return no_store(jsonify(status="ok", **checks))


def database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("Readiness check: the database is unreachable")
        db.session.rollback()
        return "unreachable"
    return "ok"

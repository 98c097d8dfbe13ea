"""Maintenance mode: while it is on, every page answers 503 with Retry-After and a short
page, with the headers of every other page. The health checks and static files are answered
as ever, and features let their own through (accounts: signed-in administrators, and the
sign-in pages).

It is on while MAINTENANCE_MODE is set, for platforms where no command can run (or the
database is down), or after `flask maintenance on`, which writes it into the database for
every process and instance. Each process reads that row at most once every
MAINTENANCE_CHECK_SECONDS (5): a switch reaches every process within that time, and a request
costs no query. A database that cannot be read leaves the state last read (off at start).

MAINTENANCE_START_DATE and MAINTENANCE_END_DATE (ISO 8601, with a time zone) announce planned
maintenance in a banner on every page, until the end has passed (planned.py).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from ..config import env_bool
from ..errors import wants_json
from ..extensions import db
from .commands import maintenance
from .planned import announcement, back_by, planned_date, refuse_an_end_before_the_start
from .switch import SharedSwitch

EXEMPTIONS = "maintenance_exemptions"
ALWAYS_ANSWERED_BLUEPRINTS = {"health"}
UNAVAILABLE = "The site is down for maintenance. Please come back in a few minutes."


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """MAINTENANCE_MODE and the planned window from the environment; how long clients are
    told to wait, and how stale a process's view of the switch may be, as settings."""
    config.setdefault("MAINTENANCE_MODE", env_bool(environ, "MAINTENANCE_MODE", False))
    config.setdefault("MAINTENANCE_START_DATE", planned_date(environ, "MAINTENANCE_START_DATE"))
    config.setdefault("MAINTENANCE_END_DATE", planned_date(environ, "MAINTENANCE_END_DATE"))
    refuse_an_end_before_the_start(config["MAINTENANCE_START_DATE"], config["MAINTENANCE_END_DATE"])
    config.setdefault("MAINTENANCE_RETRY_AFTER", 300)  # seconds, when no end is announced
    config.setdefault("MAINTENANCE_CHECK_SECONDS", 5)
    config.setdefault("MAINTENANCE_BANNER", "Planned maintenance {when}.")  # {when}: the window


def init_app(app: Flask) -> None:
    app.extensions["maintenance"] = SharedSwitch()
    app.before_request(answer_during_maintenance)
    app.context_processor(planned_maintenance)
    app.cli.add_command(maintenance)


def let_through_maintenance(app: Flask, exempt: Callable[[], bool]) -> None:
    """Have requests for which exempt() is true answered as ever during maintenance."""
    app.extensions.setdefault(EXEMPTIONS, []).append(exempt)


def answer_during_maintenance():
    if always_answered() or not in_maintenance() or let_through():
        return None
    return unavailable()


def always_answered() -> bool:
    endpoint = request.endpoint or ""
    return (
        request.blueprint in ALWAYS_ANSWERED_BLUEPRINTS
        or endpoint == "static"
        or endpoint.endswith(".static")
    )


def in_maintenance() -> bool:
    return current_app.config["MAINTENANCE_MODE"] or current_app.extensions["maintenance"].is_on()


def let_through() -> bool:
    try:
        return any(exempt() for exempt in current_app.extensions.get(EXEMPTIONS, []))
    except SQLAlchemyError:  # the database is down: no one is known, and the page says why
        db.session.rollback()
        return False


def unavailable():
    config, now = current_app.config, datetime.now(UTC)
    end = config["MAINTENANCE_END_DATE"]
    headers = {"Retry-After": str(seconds_to_wait(config, now)), "Cache-Control": "no-store"}
    if wants_json():
        body = jsonify(error="Service Unavailable", status=503, description=UNAVAILABLE)
        return body, 503, headers
    page = render_template("maintenance.html", description=UNAVAILABLE, back_by=back_by(end, now))
    return page, 503, headers


def seconds_to_wait(config: Mapping[str, Any], now: datetime) -> int:
    """Until the announced end, while it lies ahead; MAINTENANCE_RETRY_AFTER otherwise."""
    end = config["MAINTENANCE_END_DATE"]
    if end and end > now:
        return int((end - now).total_seconds()) + 1
    return config["MAINTENANCE_RETRY_AFTER"]


def planned_maintenance() -> dict[str, str | None]:
    """The banner's text for every page, while planned maintenance lies ahead."""
    return {"planned_maintenance": announcement(current_app.config, datetime.now(UTC))}

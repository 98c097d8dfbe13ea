"""`flask maintenance on|off|status`: the switch every process and instance reads.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .planned import window
from .switch import MaintenanceState, current_state, turn

maintenance = AppGroup(
    "maintenance", help="Switch maintenance mode on or off for every instance, or show it."
)

CANNOT = (
    "The maintenance switch cannot be {what} the database: {error}\n"
    "Has `flask deploy` run (migration 0006)? Where the database or this command is out of "
    "reach, set MAINTENANCE_MODE=on in the app's environment instead."
)


@maintenance.command("on")
def switch_on() -> None:
    """Answer with 503 on every instance (but the health checks and static files)."""
    write(True)
    click.echo(f"Maintenance mode is on: every instance answers 503 within {delay()}.")


@maintenance.command("off")
def switch_off() -> None:
    """Answer every page again."""
    write(False)
    click.echo(f"Maintenance mode is off: every instance answers again within {delay()}.")
    if current_app.config["MAINTENANCE_MODE"]:
        click.echo(
            "MAINTENANCE_MODE is on here too: processes started with it stay in maintenance "
            "until it is unset.",
            err=True,
        )


@maintenance.command("status")
def status() -> None:
    """Say whether maintenance mode is on, and what is planned."""
    try:
        state = current_state()
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(CANNOT.format(what="read from", error=reason(error))) from None
    if state and state.active:
        click.echo(f"Maintenance mode is on{since(state)}.")
    else:
        click.echo("Maintenance mode is off in the database.")
    config = current_app.config
    if config["MAINTENANCE_MODE"]:
        click.echo("MAINTENANCE_MODE is on here: processes started with it answer 503 anyway.")
    start, end = config["MAINTENANCE_START_DATE"], config["MAINTENANCE_END_DATE"]
    if start or end:
        click.echo(f"Planned: {window(start, end, datetime.now(UTC))}.")


def since(state: MaintenanceState) -> str:
    when = state.changed_at_utc
    return f" (since {when:%Y-%m-%d %H:%M} UTC)" if when else ""


def write(active: bool) -> None:
    try:
        turn(active)
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(CANNOT.format(what="written to", error=reason(error))) from None


def reason(error: SQLAlchemyError) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def delay() -> str:
    seconds = current_app.config["MAINTENANCE_CHECK_SECONDS"]
    return f"{seconds} seconds" if seconds != 1 else "a second"

"""Commands for `flask`: init-roles, create-admin, unlock-user and audit-log.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import csv
import re
import sys
from datetime import UTC, datetime, timedelta

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import audit
from .forms import USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN
from .lockout import unlock
from .models import Role, User, normal_email, normal_username, utcnow
from .passwords import password_problems

AUDIT_COLUMNS = ("at", "event", "user", "remote_addr", "user_agent", "detail")


def register_account_commands(app: Flask) -> None:
    for command in (init_roles, create_admin, unlock_user, audit_log):
        app.cli.add_command(command)


@click.command("init-roles")
@with_appcontext
def init_roles() -> None:
    """Insert the roles the app knows (user, admin) that the database lacks."""
    Role.insert_roles()
    click.echo(f"Roles: {', '.join(Role.NAMES)}.")


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.password_option(
    help="Asked for when not given; ADMIN_PASSWORD in the environment works too.",
    envvar="ADMIN_PASSWORD",
)
@with_appcontext
def create_admin(username: str, email: str, password: str) -> None:
    """Create an administrator account."""
    username, email = normal_username(username), normal_email(email)
    shortest, longest = USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH
    if not re.fullmatch(USERNAME_PATTERN, username) or not shortest <= len(username) <= longest:
        raise click.ClickException(
            f"Use {shortest} to {longest} letters, digits, dots, dashes and underscores."
        )
    try:
        validate_email(email, check_deliverability=False)  # as the registration form does
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not an e-mail address: {error}") from None
    if User.by_username(username) or User.by_email(email):
        raise click.ClickException("A user with that username or e-mail address exists already.")
    problems = password_problems(password, username=username, email=email)
    if problems:
        raise click.ClickException(" ".join(problems))
    user = User(username=username, email=email, password=password, role=Role.named(Role.ADMIN))
    user.email_confirmed_at = utcnow()  # the operator vouches for the address
    db.session.add(user)
    db.session.commit()
    audit.record(audit.ACCOUNT_CREATED, user, detail="administrator, by flask create-admin")
    current_app.logger.info("Administrator %s created", user.username)
    click.echo(f"Administrator {user.username} created.")


@click.command("unlock-user")
@click.argument("login")
@with_appcontext
def unlock_user(login: str) -> None:
    """End the lock on the account of LOGIN (a username or an e-mail address)."""
    user = existing_user(login)
    was_locked = user.is_locked()
    unlock(user)
    click.echo(f"{user.username} {'is unlocked' if was_locked else 'was not locked'}.")


@click.command("audit-log")
@click.option("--user", "login", help="Only this user's events (username or e-mail address).")
@click.option("--event", help="Only this event, e.g. sign_in_failed.")
@click.option("--since", help="Only events since a date (2026-11-01) or a span ago (24h, 7d).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV, for a spreadsheet or a SIEM.")
@with_appcontext
def audit_log(login: str | None, event: str | None, since: str | None, as_csv: bool) -> None:
    """List the security events, oldest first."""
    user = existing_user(login) if login else None
    entries = audit.events(user=user, event=event, since=parse_since(since) if since else None)
    rows = [audit_row(entry) for entry in entries]
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(AUDIT_COLUMNS)
        writer.writerows(rows)
        return
    for row in rows:
        click.echo("  ".join(value or "-" for value in row))
    click.echo(f"{len(rows)} event(s).", err=True)


def existing_user(login: str) -> User:
    user = User.by_login(login)
    if user is None:
        raise click.ClickException(f"No user has the username or e-mail address {login!r}.")
    return user


def parse_since(value: str) -> datetime:
    """A date or date-time (in UTC), or a span back from now: 30m, 24h, 7d."""
    span = re.fullmatch(r"(\d+)([mhd])", value.strip())
    if span:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[span[2]]
        return utcnow() - timedelta(**{unit: int(span[1])})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a date (2026-11-01) nor a span (30m, 24h, 7d).",
            param_hint="--since",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def audit_row(entry) -> tuple[str, ...]:
    username = entry.user.username if entry.user else ""
    return (
        entry.at.isoformat(timespec="seconds"),
        entry.event,
        username,
        entry.remote_addr or "",
        entry.user_agent or "",
        entry.detail,
    )

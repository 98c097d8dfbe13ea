"""The database's migrations: Flask-Migrate's `flask db` commands, and what `flask deploy`
asks of Alembic (the schema's version, the upgrade).

Flask-Migrate and Alembic are loaded by what migrates: `flask db`, `flask deploy`, and code
that reads app.extensions["migrate"] (flask_migrate's upgrade() and the others do, and
migrations/env.py). Until then a stand-in holds that place. Serving pages never migrates,
and loading Alembic costs each process a fifth of its start-up and each worker 11 MiB.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import os
from functools import cache
from typing import Any

import click
from flask import Flask, current_app

from .extensions import db

DIRECTORY = os.path.join(os.path.dirname(__file__), os.pardir, "migrations")


def init_app(app: Flask) -> None:
    app.extensions["migrate"] = MigrateOnFirstUse(app)
    app.cli.add_command(DatabaseCommands(app))


@cache
def flask_migrate() -> Any:
    """The one flask_migrate.Migrate of every app (extensions.migrate), on DIRECTORY."""
    from flask_migrate import Migrate  # here: loaded by what migrates

    return Migrate(db=db, directory=DIRECTORY)


def set_up(app: Flask) -> Any:
    """Flask-Migrate bound to app: it puts its own object in app.extensions["migrate"] and
    its own `db` group among app's commands, in place of the stand-ins."""
    if isinstance(app.extensions.get("migrate"), MigrateOnFirstUse):
        flask_migrate().init_app(app)
    return app.extensions["migrate"]


class MigrateOnFirstUse:
    """app.extensions["migrate"] until something reads it: then Flask-Migrate's own."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(set_up(self.app), name)


class DatabaseCommands(click.Group):
    """`flask db`: Flask-Migrate's group, loaded when a command of it runs or is listed.
    Naming the group in `flask --help` loads nothing."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def loaded(self) -> click.Group:
        set_up(self.app)
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.loaded().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.loaded().get_command(ctx, name)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The context, and so the options parsed and the command run, are Flask-Migrate's.
        return self.loaded().make_context(info_name, args, parent, **extra)


def upgrade_every_head() -> None:
    """Every head: after `copier update`, a migration of the template's and one of the
    owner's may follow the same revision; each is applied."""
    from flask_migrate import upgrade

    upgrade(revision="heads")


def unknown_database_revisions() -> list[str]:
    """The revisions the database is at that this code's migrations do not contain."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return [revision for revision in current if revision not in known]

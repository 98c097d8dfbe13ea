"""What Alembic knows of the database's schema version, for `flask deploy`.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from .extensions import db


def unknown_database_revisions() -> list[str]:
    """The revisions the database is at that this code's migrations do not contain."""
    config = current_app.extensions["migrate"].migrate.get_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return [revision for revision in current if revision not in known]

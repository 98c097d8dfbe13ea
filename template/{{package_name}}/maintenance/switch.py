"""The switch `flask maintenance on|off` turns: one row in the database, which every process
and instance reads, each at most once every MAINTENANCE_CHECK_SECONDS.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import DateTime, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ROW = 1  # the table holds this one row (migration 0006)


class MaintenanceState(db.Model):
    __tablename__ = "maintenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    active: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def changed_at_utc(self) -> datetime | None:
        """changed_at in UTC: SQLite and MySQL keep no time zone, and this app writes UTC."""
        when = self.changed_at
        return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


class SharedSwitch:
    """This process's view of the switch: the state last read, and when it was read."""

    def __init__(self) -> None:
        self.known = False
        self.read_at: float | None = None

    def is_on(self) -> bool:
        now, every = time.monotonic(), current_app.config["MAINTENANCE_CHECK_SECONDS"]
        if self.read_at is None or now - self.read_at >= every:
            self.read_at = now
            self.known = self.read()
        return self.known

    def read(self) -> bool:
        try:
            return bool(db.session.scalar(select(MaintenanceState.active).filter_by(id=ROW)))
        except SQLAlchemyError as error:  # down, or migration 0006 not applied yet
            db.session.rollback()
            state = "on" if self.known else "off"
            current_app.logger.warning(
                "Maintenance mode stays %s: its state cannot be read from the database (%s)",
                state,
                getattr(error, "orig", None) or error,
            )
            return self.known


def current_state() -> MaintenanceState | None:
    return db.session.get(MaintenanceState, ROW)


def turn(active: bool) -> MaintenanceState:
    """Switch maintenance on or off for every process and instance."""
    state = current_state() or MaintenanceState(id=ROW)
    state.active = active
    state.changed_at = datetime.now(UTC)
    db.session.add(state)
    db.session.commit()
    return state

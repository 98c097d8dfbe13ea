"""Planned maintenance: MAINTENANCE_START_DATE and MAINTENANCE_END_DATE read, and put in words
for the banner every page shows ("Planned maintenance from 14:00 UTC on 3 March until 15:00
UTC."), in UTC, which every visitor can place.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

EXAMPLE = "2027-03-03T14:00Z"
# In English whatever the server's locale, which strftime's %B would follow.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def planned_date(environ: Mapping[str, str], name: str) -> datetime | None:
    """environ[name], an ISO 8601 date and time with its time zone, in UTC; a value that is
    not one names the variable."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{name} must be a date and time in ISO 8601, e.g. {EXAMPLE}, not {raw!r}"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"{name} must name its time zone (Z, +01:00 ...), not {raw!r}")
    return when.astimezone(UTC)


def refuse_an_end_before_the_start(start: datetime | None, end: datetime | None) -> None:
    if start and end and end <= start:
        raise ValueError(
            f"MAINTENANCE_END_DATE ({end.isoformat()}) must come after "
            f"MAINTENANCE_START_DATE ({start.isoformat()})"
        )


def announcement(config: Mapping[str, Any], now: datetime) -> str | None:
    """MAINTENANCE_BANNER with the window in words, until it is over (its end, or its start
    when no end is announced); None when nothing is planned."""
    start, end = config["MAINTENANCE_START_DATE"], config["MAINTENANCE_END_DATE"]
    over = end or start
    if over is None or over <= now:
        return None
    return config["MAINTENANCE_BANNER"].replace("{when}", window(start, end, now))


def window(start: datetime | None, end: datetime | None, now: datetime) -> str:
    if start is None:
        return f"until {moment(end, now)}"
    if end is None:
        return f"from {moment(start, now)}"
    until = clock(end) if end.date() == start.date() else moment(end, now)
    return f"from {moment(start, now)} until {until}"


def back_by(end: datetime | None, now: datetime) -> str | None:
    """When the site is expected back, in words, if an end still lies ahead."""
    return moment(end, now) if end and end > now else None


def moment(when: datetime, now: datetime) -> str:
    """14:00 UTC on 3 March (and the year, when it is not this one)."""
    year = f" {when.year}" if when.year != now.year else ""
    return f"{clock(when)} on {when.day} {MONTHS[when.month - 1]}{year}"


def clock(when: datetime) -> str:
    return f"{when:%H:%M} UTC"

"""The one clock: always timezone-aware. Tests travel in time with time-machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


def now() -> datetime:
    return datetime.now(UTC)


def today(tz: tzinfo) -> date:
    """The calendar day in the team's time zone."""
    return now().astimezone(tz).date()


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The moment `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz)

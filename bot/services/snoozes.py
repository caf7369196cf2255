"""Snoozing a deal's stale reminders: for 3 days, a week, or until a date, with an optional reason.

A snooze ends at the start of a day in the team's time zone, so that day's reminder run
includes the deal again. Snoozing is not activity: the deal stays stale (and still reaches the
digest's "needs attention" list); only its reminders pause. The owner or a manager may snooze
(`DealService.snooze`).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from bot.errors import InvalidChange

MAX_SNOOZE_DAYS = 365


class SnoozeFor(StrEnum):
    THREE_DAYS = "3d"
    ONE_WEEK = "1w"
    UNTIL_DATE = "date"


def snooze_end(today: date, choice: SnoozeFor, until: date | None) -> date:
    """The day reminders resume; a date must be after today and within a year."""
    if choice is SnoozeFor.THREE_DAYS:
        return today + timedelta(days=3)
    if choice is SnoozeFor.ONE_WEEK:
        return today + timedelta(days=7)
    if until is None:
        raise InvalidChange("snooze_missing_date", field="snoozed_until")
    if until <= today:
        raise InvalidChange("snooze_past_date", field="snoozed_until")
    if until > today + timedelta(days=MAX_SNOOZE_DAYS):
        raise InvalidChange("snooze_too_far", field="snoozed_until", days=MAX_SNOOZE_DAYS)
    return until

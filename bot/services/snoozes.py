"""Snoozing a deal's stale reminders: for 3 days, a week, or until a date, with an optional reason.

A snooze ends at the start of a day in the team's time zone, so that day's reminder run
includes the deal again. Snoozing is not activity: the deal stays stale (and still reaches the
digest's "needs attention" list); only its reminders pause. The owner or a manager may snooze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import update

from bot.errors import InvalidChange, NotAllowed
from bot.services.deals import MAX_REASON, DealService
from bot.services.reminders import local_midnight
from storage.models import Deal, DealEvent

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


@dataclass(frozen=True)
class Snoozed:
    deal: Deal
    until: date  # the team's calendar day reminders resume


class SnoozeService:
    def __init__(self, deals: DealService, tz: tzinfo) -> None:
        self.deals = deals
        self.tz = tz

    def today(self) -> date:
        return self.deals.clock().astimezone(self.tz).date()

    def snooze(
        self,
        team_id: str,
        actor: str,
        deal_id: int,
        choice: SnoozeFor,
        until: date | None = None,
        reason: str | None = None,
        *,
        source: str,
    ) -> Snoozed:
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidChange("too_long", field="snooze_reason", limit=MAX_REASON)
        end = snooze_end(self.today(), choice, until)
        deal = self.deals.get(team_id, deal_id)
        if not self.deals.can_edit(deal, actor):
            raise NotAllowed(deal, self.deals.managers)
        moment: datetime = self.deals.clock()
        resume = local_midnight(end, self.tz)
        with self.deals.db.write() as session:
            # Not a field edit: no version bump (an open edit form still saves), no activity.
            session.execute(
                update(Deal)
                .where(Deal.id == deal.id, Deal.team_id == team_id)
                .values(snoozed_until=resume, snooze_reason=reason)
                .execution_options(synchronize_session=False)
            )
            session.add(
                DealEvent(
                    team_id=team_id,
                    deal_id=deal.id,
                    actor=actor,
                    source=source,
                    kind="changed",
                    field="snoozed_until",
                    old_value=None,
                    new_value=end.isoformat() + (f" ({reason})" if reason else ""),
                    created_at=moment,
                )
            )
        deal.snoozed_until, deal.snooze_reason = resume, reason
        return Snoozed(deal, end)

"""Stale-deal reminders: which owners get one today, about which deals, and what was sent.

On a business day (see `business_days`), every owner with stale deals gets one DM listing
them, oldest first. A deal is included when it is open, stale by the `StaleRule`, not snoozed,
and either never reminded of, reminded of at least one stale window ago (counted in the
team's calendar days, so the hour a job happens to run does not matter), or reminded of before
a snooze that has since ended.

This module chooses and records; the scheduler's jobs post (through the notifier) and claim
each DM in `deliveries`, keyed by the owner and the local date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import groupby

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from bot.clock import local_midnight
from bot.clock import now as clock_now
from bot.services.business_days import BusinessCalendar
from bot.services.deliveries import Claim, Deliveries
from bot.services.staleness import StaleRule
from bot.services.teams import UNASSIGNED
from storage.db import Database
from storage.models import Deal

MAX_LISTED = 10  # deals per reminder; the rest are counted


@dataclass(frozen=True)
class OwnerReminder:
    """One owner's reminder: their stale deals (the oldest `MAX_LISTED`) and how many in all."""

    team_id: str
    owner: str
    deals: tuple[Deal, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.deals)


def reminder_period(as_of: datetime, tz: tzinfo) -> str:
    """Reminders are keyed by the team's calendar day: `2026-11-24`."""
    return as_of.astimezone(tz).date().isoformat()


class ReminderService:
    def __init__(
        self,
        db: Database,
        rule: StaleRule,
        tz: tzinfo,
        calendar: BusinessCalendar,
        *,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.db = db
        self.rule = rule
        self.tz = tz
        self.calendar = calendar
        self.clock = clock

    def local_day(self, as_of: datetime) -> date:
        return as_of.astimezone(self.tz).date()

    def is_business_day(self, as_of: datetime) -> bool:
        return self.calendar.is_business_day(self.local_day(as_of))

    def due(self, as_of: datetime) -> list[OwnerReminder]:
        """Every owner (of every team) with deals to be reminded of at `as_of`, by team and owner."""
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        # Rank each owner's stale deals in SQL and load only the listed ones (and the count),
        # not every stale deal: 63,000 stale deals are 1,000 rows to read, not 63,000.
        owner = (Deal.team_id, Deal.owner)
        ranked = (
            select(
                Deal.id,
                func.row_number()
                .over(partition_by=owner, order_by=(Deal.last_activity_at, Deal.id))
                .label("rank"),
                func.count().over(partition_by=owner).label("total"),
            )
            .where(self.condition(as_of))
            .subquery()
        )
        statement = (
            select(Deal, ranked.c.total)
            .join(ranked, Deal.id == ranked.c.id)
            .where(ranked.c.rank <= MAX_LISTED)
            .order_by(Deal.team_id, Deal.owner, Deal.last_activity_at, Deal.id)
        )
        with self.db.read() as session:
            rows = list(session.execute(statement).all())
        reminders = []
        for (team_id, owner_id), group in groupby(rows, key=lambda row: (row[0].team_id, row[0].owner)):
            listed = list(group)
            reminders.append(
                OwnerReminder(team_id, owner_id, tuple(deal for deal, _ in listed), int(listed[0][1]))
            )
        return reminders

    def condition(self, as_of: datetime) -> ColumnElement[bool]:
        """SQL: the deal is to be reminded of at `as_of`."""
        today = self.local_day(as_of)
        # Reminded on day D: again from day D + window (the team's calendar days).
        window_passed = self.rule.per_stage(
            Deal.reminded_at,
            lambda days: local_midnight(today - timedelta(days=days - 1), self.tz),
            strict=True,
        )
        snooze_ended_since = and_(Deal.snoozed_until.is_not(None), Deal.snoozed_until > Deal.reminded_at)
        return and_(
            Deal.team_id != UNASSIGNED,
            Deal.status == "open",
            self.rule.condition(as_of),
            or_(Deal.snoozed_until.is_(None), Deal.snoozed_until <= as_of),
            or_(Deal.reminded_at.is_(None), window_passed, snooze_ended_since),
        )

    def record_sent(
        self, deliveries: Deliveries, claim: Claim, reminder: OwnerReminder, as_of: datetime
    ) -> None:
        """The DM went out: mark its claim sent and its deals reminded of, in one transaction."""
        ids = [deal.id for deal in reminder.deals]
        with self.db.write() as session:
            deliveries.sent(claim, session)
            # A reminder changes no field: no version bump, so an open edit form still saves.
            session.execute(
                update(Deal)
                .where(Deal.id.in_(ids), Deal.team_id == reminder.team_id)
                .values(reminded_at=as_of)
                .execution_options(synchronize_session=False)
            )

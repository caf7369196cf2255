"""Which deals a stale reminder lists, on which days, in which time zone (real databases, frozen clock)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.errors import InvalidChange, NotAllowed
from bot.pipeline import Pipeline
from bot.services.business_days import BusinessCalendar, country_of_zone
from bot.services.deals import DealService
from bot.services.deliveries import Deliveries, Key
from bot.services.fields import DealFields, ListQuery
from bot.services.reminders import MAX_LISTED, ReminderService, reminder_period
from bot.services.snoozes import SnoozeFor, snooze_end
from bot.services.staleness import StaleRule
from storage.db import Database
from storage.enums import DeliveryKind
from storage.models import Deal
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
WEEK = timedelta(days=7)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def create(
    deals: DealService, name: str, *, owner: str = REP, stage: str = "proposal", when: datetime = T0
) -> Deal:
    with at(when):
        return deals.create(TEAM, owner, DealFields(name=name, stage=stage), source="slash").deal


def reminders(
    db: Database,
    *,
    tz: ZoneInfo = TOKYO,
    country: str | None = "JP",
    by_stage: Mapping[str, int] | None = None,
) -> ReminderService:
    return ReminderService(db, StaleRule(7, dict(by_stage or {})), tz, BusinessCalendar(country))


def due_names(service: ReminderService, as_of: datetime) -> list[str]:
    return [deal.name for reminder in service.due(as_of) for deal in reminder.deals]


def send(db: Database, service: ReminderService, as_of: datetime) -> None:
    """Record every due reminder as sent (what a successful job run does)."""
    deliveries = Deliveries(db)
    for reminder in service.due(as_of):
        key = Key(reminder.team_id, DeliveryKind.REMINDER, reminder.owner, reminder_period(as_of, service.tz))
        claim = deliveries.claim(key, as_of)
        assert claim is not None
        service.record_sent(deliveries, claim, reminder, as_of)


# --- stale selection -----------------------------------------------------------------------


def test_a_deal_is_stale_at_exactly_n_days_and_not_a_second_before(db: Database, deals: DealService) -> None:
    create(deals, "Acme")
    service = reminders(db)
    assert due_names(service, T0 + WEEK - timedelta(seconds=1)) == []
    assert due_names(service, T0 + WEEK) == ["Acme"]


def test_a_note_or_a_change_restarts_the_window(db: Database, deals: DealService) -> None:
    noted, changed = create(deals, "Noted"), create(deals, "Changed")
    with at(T0 + timedelta(days=3)):
        deals.add_note(TEAM, REP, noted.id, "called", source="slash")
        deals.update(TEAM, REP, changed.id, DealFields(next_step="demo"), source="slash")
    service = reminders(db)
    assert due_names(service, T0 + WEEK) == []
    assert sorted(due_names(service, T0 + timedelta(days=10))) == ["Changed", "Noted"]


def test_won_and_lost_deals_are_never_reminded_of(db: Database, deals: DealService) -> None:
    won, lost = create(deals, "Won"), create(deals, "Lost")
    create(deals, "Open")
    with at(T0):
        deals.mark_won(TEAM, REP, won.id, source="slash")
        deals.mark_lost(TEAM, REP, lost.id, "budget", source="slash")
    assert due_names(reminders(db), T0 + 2 * WEEK) == ["Open"]


def test_per_stage_windows_override_the_default(db: Database, deals: DealService) -> None:
    create(deals, "Hot", stage="negotiation")
    create(deals, "Cold", stage="lead")
    create(deals, "Warm", stage="proposal")
    service = reminders(db, by_stage={"negotiation": 3, "lead": 14})
    assert due_names(service, T0 + timedelta(days=3)) == ["Hot"]
    assert sorted(due_names(service, T0 + WEEK)) == ["Hot", "Warm"]
    assert sorted(due_names(service, T0 + 2 * WEEK)) == ["Cold", "Hot", "Warm"]


def test_one_reminder_per_owner_oldest_first_at_most_ten_then_a_count(
    db: Database, deals: DealService
) -> None:
    for day in range(12):
        create(deals, f"Deal {day:02d}", when=T0 + timedelta(days=11 - day))
    create(deals, "Theirs", owner=OTHER_REP)
    [mine, theirs] = sorted(reminders(db).due(T0 + 3 * WEEK), key=lambda r: r.owner != REP)
    assert mine.owner == REP and mine.total == 12 and mine.more == 2 and len(mine.deals) == MAX_LISTED
    assert [deal.name for deal in mine.deals] == [f"Deal {day:02d}" for day in range(11, 1, -1)]
    assert (theirs.owner, theirs.total) == (OTHER_REP, 1)


def test_a_deal_is_reminded_of_again_only_after_another_window(db: Database, deals: DealService) -> None:
    create(deals, "Acme")
    service = reminders(db)
    first = T0 + WEEK
    send(db, service, first)
    for days in range(1, 7):
        assert due_names(service, first + timedelta(days=days)) == [], days
    assert due_names(service, first + WEEK) == ["Acme"]


def test_the_next_reminder_counts_calendar_days_not_hours(db: Database, deals: DealService) -> None:
    """Reminded late one evening (a CLI run), the deal is due again 7 days later at the morning run."""
    create(deals, "Acme")
    service = reminders(db)
    evening = datetime(2026, 11, 10, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    send(db, service, evening)
    morning = datetime(2026, 11, 17, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, 6 days 9.5 hours later
    assert due_names(service, morning) == ["Acme"]


# --- snooze ----------------------------------------------------------------------------------


def test_a_snoozed_deal_is_skipped_until_the_snooze_ends(db: Database, deals: DealService) -> None:
    deal = create(deals, "Acme")
    service = reminders(db)
    with at(T0 + WEEK):  # Monday Nov 9, Tokyo
        snoozed = deals.snooze(
            TEAM, REP, deal.id, SnoozeFor.UNTIL_DATE, date(2026, 11, 13), "waiting for budget", source="modal"
        )
    assert snoozed.until == date(2026, 11, 13)
    assert due_names(service, datetime(2026, 11, 12, 0, 0, tzinfo=UTC)) == []
    # The snooze ends at midnight Tokyo time: the 09:00 run that day includes the deal again.
    assert due_names(service, datetime(2026, 11, 12, 15, 0, tzinfo=UTC)) == ["Acme"]
    [reminder] = service.due(datetime(2026, 11, 13, 0, 0, tzinfo=UTC))
    assert reminder.deals[0].snooze_reason == "waiting for budget"


def test_a_snooze_that_ends_brings_the_deal_back_within_the_window(db: Database, deals: DealService) -> None:
    deal = create(deals, "Acme")
    service = reminders(db)
    reminded = T0 + WEEK
    send(db, service, reminded)
    with at(reminded + timedelta(hours=1)):
        deals.snooze(TEAM, REP, deal.id, SnoozeFor.THREE_DAYS, source="modal")
    assert due_names(service, reminded + timedelta(days=2)) == []
    assert due_names(service, reminded + timedelta(days=3)) == ["Acme"]


def test_snoozing_is_not_activity_and_does_not_bump_the_version(db: Database, deals: DealService) -> None:
    deal = create(deals, "Acme")
    with at(T0 + WEEK):
        deals.snooze(TEAM, MANAGER, deal.id, SnoozeFor.ONE_WEEK, source="modal")
    after = deals.get(TEAM, deal.id)
    assert (after.version, after.last_activity_at) == (deal.version, deal.last_activity_at)
    assert after.snoozed_until == datetime(2026, 11, 16, 0, 0, tzinfo=TOKYO)
    assert deals.is_stale(after, T0 + WEEK)


def test_only_the_owner_or_a_manager_may_snooze(deals: DealService) -> None:
    deal = create(deals, "Acme")
    with pytest.raises(NotAllowed):
        deals.snooze(TEAM, OTHER_REP, deal.id, SnoozeFor.THREE_DAYS, source="modal")


def test_snooze_choices() -> None:
    today = date(2026, 11, 24)
    assert snooze_end(today, SnoozeFor.THREE_DAYS, None) == date(2026, 11, 27)
    assert snooze_end(today, SnoozeFor.ONE_WEEK, date(2030, 1, 1)) == date(2026, 12, 1)
    assert snooze_end(today, SnoozeFor.UNTIL_DATE, date(2026, 12, 24)) == date(2026, 12, 24)
    for until, code in [
        (None, "snooze_missing_date"),
        (today, "snooze_past_date"),
        (date(2028, 1, 1), "snooze_too_far"),
    ]:
        with pytest.raises(InvalidChange) as caught:
            snooze_end(today, SnoozeFor.UNTIL_DATE, until)
        assert caught.value.code == code


# --- business days and time zones ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "day", "business"),
    [
        ("JP", date(2026, 11, 20), True),  # Friday
        ("JP", date(2026, 11, 21), False),  # Saturday
        ("JP", date(2026, 11, 22), False),  # Sunday
        ("JP", date(2026, 11, 23), False),  # Labour Thanksgiving Day (Monday)
        ("US", date(2026, 11, 23), True),
        ("US", date(2026, 11, 26), False),  # Thanksgiving
        ("JP", date(2026, 11, 26), True),
        (None, date(2026, 11, 23), True),  # weekends only
        (None, date(2026, 11, 21), False),
    ],
)
def test_business_days_skip_weekends_and_public_holidays(
    country: str | None, day: date, business: bool
) -> None:
    assert BusinessCalendar(country).is_business_day(day) is business


def test_the_holiday_country_follows_the_time_zone_unless_set() -> None:
    assert (country_of_zone("Asia/Tokyo"), country_of_zone("America/New_York"), country_of_zone("UTC")) == (
        "JP",
        "US",
        None,
    )


def test_the_team_calendar_decides_around_midnight(db: Database) -> None:
    """Friday 15:30 UTC is already Saturday 00:30 in Tokyo."""
    moment = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    tokyo, utc = reminders(db, tz=TOKYO), reminders(db, tz=ZoneInfo("UTC"), country=None)
    assert (tokyo.is_business_day(moment), utc.is_business_day(moment)) == (False, True)
    assert (reminder_period(moment, TOKYO), reminder_period(moment, UTC)) == ("2026-11-21", "2026-11-20")
    # And Sunday 15:30 UTC is Monday in Tokyo, a public holiday there (Nov 23).
    assert not tokyo.is_business_day(datetime(2026, 11, 22, 15, 30, tzinfo=UTC))


def test_stale_windows_are_exact_across_a_dst_change(db: Database, deals: DealService) -> None:
    """New York leaves DST on Nov 1, 2026: 09:00 EDT to 09:00 EST is seven days and an hour."""
    create(deals, "Acme", when=datetime(2026, 10, 26, 9, 0, tzinfo=NEW_YORK))
    service = reminders(db, tz=NEW_YORK, country="US")
    assert due_names(service, datetime(2026, 11, 2, 8, 59, tzinfo=NEW_YORK)) == ["Acme"]
    assert due_names(service, datetime(2026, 11, 2, 7, 59, tzinfo=NEW_YORK)) == []
    assert reminder_period(datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK), NEW_YORK) == "2026-11-02"


def test_list_stale_and_app_home_use_the_same_rule(db: Database) -> None:
    service = DealService(db, Pipeline.default(), stale_days=7, stale_days_by_stage={"negotiation": 3})
    hot = create(service, "Hot", stage="negotiation")
    warm = create(service, "Warm", stage="proposal")
    moment = T0 + timedelta(days=4)
    with at(moment):
        page = service.list_deals(TEAM, REP, ListQuery(scope="stale"))
    assert [deal.name for deal in page.deals] == ["Hot"]
    assert service.is_stale(service.get(TEAM, hot.id), moment)
    assert not service.is_stale(service.get(TEAM, warm.id), moment)

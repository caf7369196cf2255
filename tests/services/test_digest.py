"""The weekly digest's figures against a small pipeline built by hand at known moments.

The clock is frozen at each step (time-machine), so every last-activity time and every event
time is known, and each expected figure below is worked out by hand in its comment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.money import Money
from bot.pipeline import Pipeline
from bot.services.deals import DealService
from bot.services.digest import Digest, build_digest
from bot.services.fields import Amount, DealFields
from storage.db import Database
from storage.models import Deal
from tests.conftest import OTHER_REP, REP, TEAM

TOKYO = ZoneInfo("Asia/Tokyo")
ELSEWHERE = "T0ELSEWHERE"
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
# 2026-11-16 15:30 UTC is 2026-11-17 00:30 in Tokyo: "today" differs between UTC and the team.
AS_OF = datetime(2026, 11, 16, 15, 30, tzinfo=UTC)
SINCE = AS_OF - timedelta(days=7)


def usd(major: int) -> Money:
    return Money.from_major(major, "USD")


def jpy(major: int) -> Money:
    return Money.from_major(major, "JPY")


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def create(
    deals: DealService,
    name: str,
    owner: str,
    stage: str,
    amount: int,
    currency: str,
    close: date | None,
    team: str = TEAM,
) -> Deal:
    fields = DealFields(name=name, stage=stage, amount=Amount(Decimal(amount), currency), close_date=close)
    return deals.create(team, owner, fields, source="slash").deal


def digest(db: Database, deals: DealService, as_of: datetime = AS_OF, since: datetime = SINCE) -> Digest:
    return build_digest(db, TEAM, pipeline=deals.pipeline, as_of=as_of, since=since, stale_days=7, tz=TOKYO)


@pytest.fixture
def week(deals: DealService) -> dict[str, int]:
    """Nine deals for two reps, one week of changes, and a deal of another team."""
    ids: dict[str, int] = {}
    with at(START):
        ids["A"] = create(deals, "Acme", REP, "proposal", 100_000, "USD", date(2026, 11, 30)).id
        ids["B"] = create(deals, "Beta", REP, "negotiation", 5_000_000, "JPY", date(2026, 11, 20)).id
        ids["C"] = create(deals, "Gamma", OTHER_REP, "qualified", 40_000, "USD", date(2026, 11, 16)).id
        ids["D"] = create(deals, "Delta", OTHER_REP, "lead", 25_000, "USD", None).id
        ids["E"] = create(deals, "Epsilon", REP, "lead", 1_200_000, "JPY", None).id
        ids["F"] = create(deals, "Zeta", REP, "lead", 10_000, "USD", date(2026, 12, 1)).id
        ids["H"] = create(deals, "Eta", REP, "lead", 800_000, "JPY", date(2027, 1, 15)).id
        ids["I"] = create(deals, "Iota", OTHER_REP, "lead", 5_000, "USD", date(2026, 11, 16)).id
    with at(datetime(2026, 11, 5, 9, 0, tzinfo=UTC)):  # before the window: stale, not yet "attention"
        deals.add_note(TEAM, OTHER_REP, ids["I"], "Called, no answer", source="slash")
    with at(datetime(2026, 11, 10, 9, 0, tzinfo=UTC)):
        deals.update(TEAM, REP, ids["A"], DealFields(stage="negotiation"), source="slash")
    with at(datetime(2026, 11, 11, 9, 0, tzinfo=UTC)):
        deals.update(TEAM, REP, ids["B"], DealFields(stage="proposal"), source="slash")
    with at(datetime(2026, 11, 12, 9, 0, tzinfo=UTC)):
        ids["G"] = create(deals, "Theta", OTHER_REP, "qualified", 30_000, "USD", date(2026, 11, 17)).id
        create(deals, "Other team", REP, "negotiation", 9_000_000, "USD", date(2026, 11, 20), ELSEWHERE)
    with at(datetime(2026, 11, 13, 9, 0, tzinfo=UTC)):
        deals.update(TEAM, OTHER_REP, ids["C"], DealFields(close_date=date(2026, 12, 2)), source="slash")
    with at(datetime(2026, 11, 14, 9, 0, tzinfo=UTC)):
        deals.mark_won(TEAM, OTHER_REP, ids["D"], source="slash")
    with at(datetime(2026, 11, 15, 9, 0, tzinfo=UTC)):
        deals.mark_lost(TEAM, REP, ids["E"], "price", source="slash")
    with at(datetime(2026, 11, 15, 10, 0, tzinfo=UTC)):  # pulled in, not slipped
        deals.update(TEAM, REP, ids["H"], DealFields(close_date=date(2026, 12, 20)), source="slash")
    return ids


# Open at AS_OF (stage, probability, amount, close date, last activity):
#   A negotiation 70%  $100,000   11-30  11-10 09:00   REP
#   B proposal    50%  ¥5,000,000 11-20  11-11 09:00   REP
#   C qualified   30%  $40,000    12-02  11-13 09:00   OTHER_REP
#   F lead        10%  $10,000    12-01  10-01 09:00   REP
#   G qualified   30%  $30,000    11-17  11-12 09:00   OTHER_REP
#   H lead        10%  ¥800,000   12-20  11-15 10:00   REP
#   I lead        10%  $5,000     11-16  11-05 09:00   OTHER_REP


def test_pipeline_by_stage_counts_and_sums_each_currency_apart(
    db: Database, deals: DealService, week: dict[str, int]
) -> None:
    result = digest(db, deals)
    by_stage = {row.stage: (row.count, row.amounts, row.weighted) for row in result.pipeline.stages}
    assert list(by_stage) == ["lead", "qualified", "proposal", "negotiation"]
    # lead: F $10,000 + I $5,000; H ¥800,000 — weighted at 10%
    assert by_stage["lead"] == (3, (usd(15_000), jpy(800_000)), (usd(1_500), jpy(80_000)))
    # qualified: C $40,000 + G $30,000 at 30%
    assert by_stage["qualified"] == (2, (usd(70_000),), (usd(21_000),))
    assert by_stage["proposal"] == (1, (jpy(5_000_000),), (jpy(2_500_000),))
    assert by_stage["negotiation"] == (1, (usd(100_000),), (usd(70_000),))
    assert result.currencies == ("USD", "JPY")  # five open USD deals, two JPY
    assert result.pipeline.count == 7
    assert result.pipeline.amounts == (usd(185_000), jpy(5_800_000))
    # 1,500 + 21,000 + 70,000 ; 80,000 + 2,500,000
    assert result.pipeline.weighted == (usd(92_500), jpy(2_580_000))


def test_weighted_forecast_by_close_month(db: Database, deals: DealService, week: dict[str, int]) -> None:
    forecast = {row.month: (row.count, row.weighted) for row in digest(db, deals).forecast}
    # November: A 70% of $100,000 + G 30% of $30,000 + I 10% of $5,000; B 50% of ¥5,000,000
    # December: C 30% of $40,000 + F 10% of $10,000; H 10% of ¥800,000
    assert forecast == {
        "2026-11": (4, (usd(79_500), jpy(2_500_000))),
        "2026-12": (3, (usd(13_000), jpy(80_000))),
    }


def test_changes_since_last_week(db: Database, deals: DealService, week: dict[str, int]) -> None:
    changes = digest(db, deals).changes
    assert [deal.id for deal in changes.new.items] == [week["G"]]  # the other team's deal is not here
    assert changes.new.amounts == (usd(30_000),)
    assert [(m.deal.id, m.old, m.new) for m in changes.advanced.items] == [
        (week["A"], "proposal", "negotiation")
    ]
    assert [(m.deal.id, m.old, m.new) for m in changes.regressed.items] == [
        (week["B"], "negotiation", "proposal")
    ]
    # C moved 11-16 → 12-02; H moved 2027-01-15 → 12-20, which is earlier: not a slip
    assert [(s.deal.id, s.old, s.new) for s in changes.slipped.items] == [
        (week["C"], date(2026, 11, 16), date(2026, 12, 2))
    ]
    assert [deal.id for deal in changes.won.items] == [week["D"]]
    assert changes.won.amounts == (usd(25_000),)
    assert [(deal.id, deal.lost_reason) for deal in changes.lost.items] == [(week["E"], "price")]
    assert changes.lost.amounts == (jpy(1_200_000),)


def test_nothing_changed_in_a_window_without_events(
    db: Database, deals: DealService, week: dict[str, int]
) -> None:
    later = AS_OF + timedelta(days=30)
    assert digest(db, deals, as_of=later, since=later - timedelta(days=7)).changes.empty


def test_net_stage_change_over_the_week_counts_once(db: Database, deals: DealService) -> None:
    with at(START):
        deal = create(deals, "Zigzag", REP, "lead", 1_000, "USD", None)
        back = create(deals, "Back and forth", REP, "proposal", 1_000, "USD", None)
    for day, (zigzag, forth) in enumerate(
        [("negotiation", "negotiation"), ("qualified", "proposal")], start=10
    ):
        with at(datetime(2026, 11, day, 9, 0, tzinfo=UTC)):
            deals.update(TEAM, REP, deal.id, DealFields(stage=zigzag), source="slash")
            deals.update(TEAM, REP, back.id, DealFields(stage=forth), source="slash")
    changes = digest(db, deals).changes
    # lead → negotiation → qualified is one advance lead → qualified; proposal → … → proposal is none
    assert [(m.deal.id, m.old, m.new) for m in changes.advanced.items] == [(deal.id, "lead", "qualified")]
    assert changes.regressed.total == 0


def test_per_rep_pipeline_stale_count_and_median_freshness(
    db: Database, deals: DealService, week: dict[str, int]
) -> None:
    reps = {rep.owner: rep for rep in digest(db, deals).reps}
    assert list(reps) == [REP, OTHER_REP]  # most open deals first
    mine, other = reps[REP], reps[OTHER_REP]
    assert (mine.open_count, mine.amounts, mine.stale_count) == (4, (usd(110_000), jpy(5_800_000)), 1)
    assert (other.open_count, other.amounts, other.stale_count) == (3, (usd(75_000),), 1)
    # REP idle days: H 1d6.5h, B 5d6.5h, A 6d6.5h, F 46d6.5h → median (5 + 6) / 2 + 6.5 / 24
    assert mine.median_idle_days == pytest.approx(5.5 + 6.5 / 24)
    # OTHER_REP idle days: C 3d6.5h, G 4d6.5h, I 11d6.5h → median 4d6.5h
    assert other.median_idle_days == pytest.approx(4 + 6.5 / 24)


def test_closes_due_in_the_next_two_weeks_use_the_team_calendar(
    db: Database, deals: DealService, week: dict[str, int]
) -> None:
    result = digest(db, deals)
    # Tokyo is already on 11-17, so I (11-16) is overdue, not due; the window ends 12-01, so C (12-02) is out.
    assert result.today == date(2026, 11, 17)
    closing = result.closing_soon
    assert [deal.id for deal in closing.items] == [week["G"], week["B"], week["A"], week["F"]]
    assert closing.total == 4
    assert closing.amounts == (usd(140_000), jpy(5_000_000))


def test_needs_attention_after_twice_the_stale_period(
    db: Database, deals: DealService, week: dict[str, int]
) -> None:
    result = digest(db, deals)
    # F has had no activity since 10-01; I (note on 11-05) is stale (> 7 days) but not 14 days old.
    assert [deal.id for deal in result.needs_attention.items] == [week["F"]]
    assert result.needs_attention.amounts == (usd(10_000),)
    assert result.attention_days == 14


def test_lists_are_limited_but_totals_count_every_deal(db: Database, deals: DealService) -> None:
    with at(datetime(2026, 11, 12, 9, 0, tzinfo=UTC)):
        for number in range(5):
            create(deals, f"Deal {number}", REP, "lead", 1_000, "USD", date(2026, 11, 20))
    result = build_digest(
        db, TEAM, pipeline=Pipeline.default(), as_of=AS_OF, since=SINCE, stale_days=7, tz=TOKYO, limit=2
    )
    assert (result.changes.new.total, len(result.changes.new.items)) == (5, 2)
    assert result.changes.new.amounts == (usd(5_000),)
    assert (result.closing_soon.total, len(result.closing_soon.items)) == (5, 2)


def test_an_empty_team_gives_an_empty_digest(db: Database, deals: DealService) -> None:
    result = digest(db, deals)
    assert result.pipeline.count == 0 and result.pipeline.amounts == () and result.currencies == ()
    assert [row.count for row in result.pipeline.stages] == [0, 0, 0, 0]
    assert result.reps == () and result.forecast == () and result.changes.empty


def test_naive_moments_are_refused(db: Database, deals: DealService) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        digest(db, deals, as_of=AS_OF.replace(tzinfo=None))

"""Which deal a memo belongs to: named in the message, else the best transcript matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from bot.services.deals import DealService
from bot.services.fields import DealFields
from bot.services.memo_deals import deal_named_in, likely_deals, vocabulary
from tests.conftest import OTHER_REP, REP, TEAM


def make(deals: DealService, name: str, company: str | None = None, owner: str = REP) -> int:
    return deals.create(TEAM, owner, DealFields(name=name, company=company), source="slash").deal.id


def test_a_number_in_the_message_names_the_deal(deals: DealService) -> None:
    make(deals, "Acme renewal")
    globex = make(deals, "Globex pilot")
    named = deal_named_in(f"notes for #{globex}", deals, TEAM, REP)
    assert named is not None and named.id == globex


def test_a_deal_name_in_the_message_names_the_deal(deals: DealService) -> None:
    make(deals, "Acme")
    renewal = make(deals, "Acme renewal")
    named = deal_named_in("after the acme renewal call", deals, TEAM, REP)
    assert named is not None and named.id == renewal  # the longest name mentioned wins


def test_no_name_in_the_message_names_nothing(deals: DealService) -> None:
    make(deals, "Acme renewal")
    assert deal_named_in("quick memo", deals, TEAM, REP) is None
    assert deal_named_in(None, deals, TEAM, REP) is None


def test_the_transcript_ranks_the_reps_deals_by_what_it_mentions(deals: DealService) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for offset, (name, company) in enumerate(
        [("Pilot", "Initech"), ("Renewal", "Globex"), ("Upsell", "Umbrella")]
    ):
        with time_machine.travel(start + timedelta(days=offset), tick=False):
            make(deals, name, company)
    make(deals, "Theirs", "Globex", owner=OTHER_REP)
    mine = deals.open_deals_of(TEAM, REP).deals
    ranked = likely_deals("Talked to Maria at Globex about the renewal", mine)
    assert [deal.name for deal in ranked] == ["Renewal"]
    fallback = likely_deals("nothing recognisable here", mine)
    assert [deal.name for deal in fallback] == ["Upsell", "Renewal", "Pilot"]  # most recent first
    assert set(vocabulary(mine)) >= {"Initech", "Globex", "Umbrella", "Pilot"}

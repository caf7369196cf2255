"""The deal service against real SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from bot.errors import AmbiguousDeal, DealChanged, DealNotFound, InvalidChange, NotAllowed
from bot.services.deals import DealService
from bot.services.fields import Amount, DealFields, ListQuery, Ref
from storage.db import Database
from storage.models import Deal, DealEvent
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM


def new(deals: DealService, name: str, owner: str = REP, **fields: object) -> Deal:
    return deals.create(TEAM, owner, DealFields(name=name, **fields), source="slash").deal  # type: ignore[arg-type]


def events_of(db: Database, deal_id: int) -> list[DealEvent]:
    with db.read() as session:
        return list(
            session.scalars(select(DealEvent).where(DealEvent.deal_id == deal_id).order_by(DealEvent.id))
        )


def test_create_defaults_to_first_stage_its_probability_and_the_creator_as_owner(deals: DealService) -> None:
    deal = new(deals, "Acme renewal")
    assert (deal.stage, deal.probability, deal.owner, deal.status, deal.version) == (
        "lead",
        10,
        REP,
        "open",
        1,
    )
    assert deal.created_at.tzinfo is not None


def test_amounts_are_stored_in_minor_units_of_their_currency(deals: DealService) -> None:
    usd = new(deals, "Dollars", amount=Amount(Decimal("1250.5"), "USD"))
    yen = new(deals, "Yen", amount=Amount(Decimal("5000000"), "JPY"))
    plain = new(deals, "Default currency", amount=Amount(Decimal("60000")))
    assert (usd.amount, usd.currency) == (125050, "USD")
    assert (yen.amount, yen.currency) == (5000000, "JPY")
    assert (plain.amount, plain.currency) == (6000000, "USD")


def test_changing_currency_alone_keeps_the_amount_in_major_units(deals: DealService) -> None:
    deal = new(deals, "Switch", amount=Amount(Decimal("5000"), "USD"))
    result = deals.update(TEAM, REP, deal.id, DealFields(currency="JPY"), source="slash")
    assert (result.deal.amount, result.deal.currency) == (5000, "JPY")


def test_setting_a_stage_sets_its_default_probability_unless_prob_is_given(deals: DealService) -> None:
    deal = new(deals, "Stages")
    assert (
        deals.update(TEAM, REP, deal.id, DealFields(stage="proposal"), source="slash").deal.probability == 50
    )
    result = deals.update(TEAM, REP, deal.id, DealFields(stage="negotiation", probability=85), source="slash")
    assert (result.deal.stage, result.deal.probability) == ("negotiation", 85)


def test_won_and_lost_close_the_deal_and_lost_keeps_its_reason(deals: DealService) -> None:
    won = deals.mark_won(TEAM, REP, new(deals, "Winner").id, source="slash").deal
    lost = deals.mark_lost(TEAM, REP, new(deals, "Loser").id, "price", source="slash").deal
    assert (won.status, won.probability) == ("won", 100)
    assert (lost.status, lost.probability, lost.lost_reason) == ("lost", 0, "price")


def test_reopening_a_lost_deal_clears_its_lost_reason(deals: DealService) -> None:
    deal = deals.mark_lost(TEAM, REP, new(deals, "Back").id, "timing", source="slash").deal
    reopened = deals.update(TEAM, REP, deal.id, DealFields(stage="proposal"), source="slash").deal
    assert (reopened.status, reopened.lost_reason) == ("open", None)


def test_every_change_appends_an_event_with_old_and_new_values(db: Database, deals: DealService) -> None:
    deal = new(deals, "History", amount=Amount(Decimal("50000"), "USD"))
    deals.update(
        TEAM, REP, deal.id, DealFields(stage="proposal", amount=Amount(Decimal("60000"))), source="modal"
    )
    deals.add_note(TEAM, REP, deal.id, "Met the CFO", source="slash")
    history = [(e.kind, e.field, e.old_value, e.new_value, e.source) for e in events_of(db, deal.id)]
    assert history == [
        ("created", None, None, "History", "slash"),
        ("changed", "amount", "50000 USD", "60000 USD", "modal"),
        ("changed", "stage", "lead", "proposal", "modal"),
        ("changed", "probability", "10", "50", "modal"),
        ("note", None, None, "Met the CFO", "slash"),
    ]


def test_an_update_that_changes_nothing_writes_no_event(db: Database, deals: DealService) -> None:
    deal = new(deals, "Same", stage="proposal")
    result = deals.update(TEAM, REP, deal.id, DealFields(stage="proposal"), source="slash")
    assert result.changes == [] and result.deal.version == 1
    assert len(events_of(db, deal.id)) == 1


def test_only_owner_or_manager_may_change_a_deal(deals: DealService) -> None:
    deal = new(deals, "Guarded")
    with pytest.raises(NotAllowed) as refused:
        deals.update(TEAM, OTHER_REP, deal.id, DealFields(stage="proposal"), source="slash")
    assert refused.value.managers == (MANAGER,) and refused.value.deal.owner == REP
    with pytest.raises(NotAllowed):
        deals.add_note(TEAM, OTHER_REP, deal.id, "sneaky", source="slash")
    assert deals.update(TEAM, MANAGER, deal.id, DealFields(stage="proposal"), source="slash").changes


def test_a_stale_form_is_refused_with_the_current_values(deals: DealService) -> None:
    deal = new(deals, "Contested")
    deals.update(TEAM, REP, deal.id, DealFields(stage="proposal"), source="modal", expected_version=1)
    with pytest.raises(DealChanged) as conflict:
        deals.update(
            TEAM, MANAGER, deal.id, DealFields(stage="negotiation"), source="modal", expected_version=1
        )
    assert conflict.value.current.stage == "proposal"
    assert deals.get(TEAM, deal.id).stage == "proposal"


def test_two_sessions_saving_at_once_one_wins_and_the_other_is_told(db: Database, deals: DealService) -> None:
    """Both read version 1 and write; the row version makes the second write fail, not overwrite."""
    deal = new(deals, "Race")
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict[str, object] = {}

    def save(user: str, stage: str) -> None:
        racer = DealService(db, deals.pipeline, managers=(MANAGER,))
        make_work = racer._work
        waited = []

        def work_that_waits(session):  # type: ignore[no-untyped-def]
            work = make_work(session)
            original = work.get

            def get_then_wait(team_id, deal_id):  # type: ignore[no-untyped-def]
                found = original(team_id, deal_id)
                if not waited:
                    waited.append(True)
                    barrier.wait()  # both have read the same version before either writes
                return found

            work.get = get_then_wait  # type: ignore[method-assign]
            return work

        racer._work = work_that_waits  # type: ignore[method-assign]
        try:
            outcomes[user] = racer.update(
                TEAM, user, deal.id, DealFields(stage=stage), source="modal"
            ).deal.stage
        except DealChanged as exc:
            outcomes[user] = exc

    if db.is_sqlite:
        # SQLite's BEGIN IMMEDIATE serialises writers before they read, so there is no window:
        # the second simply applies on top of the first. The race we must rule out is the
        # read-modify-write one, which PostgreSQL exercises below.
        barrier = threading.Barrier(1)
    threads = [
        threading.Thread(target=save, args=(REP, "proposal")),
        threading.Thread(target=save, args=(MANAGER, "negotiation")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    final = deals.get(TEAM, deal.id)
    conflicts = [value for value in outcomes.values() if isinstance(value, DealChanged)]
    if db.is_sqlite:
        assert not conflicts and final.version == 3
    else:
        assert len(conflicts) == 1
        assert final.version == 2
        assert conflicts[0].current.stage == final.stage
    with db.read() as session:
        changed = session.scalar(
            select(func.count())
            .select_from(DealEvent)
            .where(DealEvent.deal_id == deal.id, DealEvent.field == "stage")
        )
    assert changed == final.version - 1  # every saved change is in history; none lost silently


def test_a_note_does_not_invalidate_an_open_edit_form(deals: DealService) -> None:
    deal = new(deals, "Noted")
    deals.add_note(TEAM, REP, deal.id, "called", source="slash")
    result = deals.update(
        TEAM, REP, deal.id, DealFields(stage="qualified"), source="modal", expected_version=1
    )
    assert result.deal.stage == "qualified"


def test_refs_resolve_by_number_exact_name_then_unique_prefix(deals: DealService) -> None:
    acme = new(deals, "Acme")
    acme_corp = new(deals, "Acme Corp")
    globex = new(deals, "Globex Japan")
    assert deals.resolve(TEAM, Ref(number=globex.id)).id == globex.id
    assert deals.resolve(TEAM, Ref(text="acme")).id == acme.id  # exact name wins over prefix
    assert deals.resolve(TEAM, Ref(text="ACME c")).id == acme_corp.id
    assert deals.resolve(TEAM, Ref(text="glo")).id == globex.id


def test_an_ambiguous_prefix_lists_the_candidates(deals: DealService) -> None:
    new(deals, "Initech North")
    new(deals, "Initech South")
    with pytest.raises(AmbiguousDeal) as ambiguous:
        deals.resolve(TEAM, Ref(text="initech"))
    assert sorted(d.name for d in ambiguous.value.candidates) == ["Initech North", "Initech South"]


def test_prefix_lookup_treats_like_wildcards_as_text(deals: DealService) -> None:
    new(deals, "100% Growth")
    new(deals, "100 Club")
    assert deals.resolve(TEAM, Ref(text="100%")).name == "100% Growth"
    with pytest.raises(DealNotFound):
        deals.resolve(TEAM, Ref(text="_00"))


def test_deals_of_another_team_are_invisible(deals: DealService) -> None:
    other = deals.create("T0OTHER", REP, DealFields(name="Secret"), source="slash").deal
    with pytest.raises(DealNotFound):
        deals.resolve(TEAM, Ref(number=other.id))
    with pytest.raises(DealNotFound):
        deals.update(TEAM, REP, other.id, DealFields(stage="won"), source="slash")
    assert deals.find(TEAM, "secret").total == 0


def test_japanese_names_resolve_by_prefix(deals: DealService) -> None:
    deal = new(deals, "山田商事 更新案件")
    assert deals.resolve(TEAM, Ref(text="山田")).id == deal.id


def test_list_mine_all_stage_and_owner(deals: DealService) -> None:
    new(deals, "Mine A", stage="proposal")
    new(deals, "Mine B")
    new(deals, "Theirs", owner=OTHER_REP, stage="proposal")
    deals.mark_won(TEAM, REP, new(deals, "Closed").id, source="slash")
    names = lambda page: sorted(d.name for d in page.deals)  # noqa: E731
    assert names(deals.list_deals(TEAM, REP, ListQuery("mine"))) == ["Mine A", "Mine B"]
    assert names(deals.list_deals(TEAM, REP, ListQuery("all"))) == ["Mine A", "Mine B", "Theirs"]
    assert names(deals.list_deals(TEAM, REP, ListQuery("all", stage="proposal"))) == ["Mine A", "Theirs"]
    assert names(deals.list_deals(TEAM, REP, ListQuery("all", owner=OTHER_REP))) == ["Theirs"]
    assert names(deals.list_deals(TEAM, REP, ListQuery("all", stage="won"))) == ["Closed"]


def test_lists_stop_at_twenty_and_count_the_rest(deals: DealService) -> None:
    for number in range(23):
        new(deals, f"Deal {number:02}")
    page = deals.list_deals(TEAM, REP, ListQuery("mine"))
    assert (len(page.deals), page.total, page.more) == (20, 23, 3)


def test_stale_deals_are_open_and_untouched_for_the_stale_window(deals: DealService) -> None:
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old = new(deals, "Old")
        touched = new(deals, "Touched")
        done = new(deals, "Done")
    with time_machine.travel(start + timedelta(days=6), tick=False):
        deals.add_note(TEAM, REP, touched.id, "still alive", source="slash")
        deals.mark_won(TEAM, REP, done.id, source="slash")
    with time_machine.travel(start + timedelta(days=7), tick=False):
        page = deals.list_deals(TEAM, REP, ListQuery("stale"))
        assert [d.name for d in page.deals] == ["Old"]
        assert deals.is_stale(deals.get(TEAM, old.id))


def test_find_matches_name_or_company_case_insensitively(deals: DealService) -> None:
    new(deals, "Renewal", company="Wayne Enterprises")
    new(deals, "Wayne pilot")
    new(deals, "Unrelated")
    assert sorted(d.name for d in deals.find(TEAM, "WAYNE").deals) == ["Renewal", "Wayne pilot"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (DealFields(name="   "), "missing_name"),
        (DealFields(name="x" * 201), "too_long"),
        (DealFields(name="ok", stage="closing"), "unknown_stage"),
        (DealFields(name="ok", probability=101), "bad_probability"),
        (DealFields(name="ok", amount=Amount(Decimal(5), "USD"), currency="JPY"), "currency_conflict"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_written(
    db: Database, deals: DealService, fields: DealFields, code: str
) -> None:
    with pytest.raises(InvalidChange) as invalid:
        deals.create(TEAM, REP, fields, source="slash")
    assert invalid.value.code == code
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == 0


def test_close_dates_are_plain_dates(deals: DealService) -> None:
    deal = new(deals, "Dated", close_date=date(2026, 12, 15))
    assert deals.get(TEAM, deal.id).close_date == date(2026, 12, 15)


def test_two_people_saving_the_same_form_at_once_one_wins_and_the_other_is_told(deals: DealService) -> None:
    deal = new(deals, "Same form")
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[object] = []

    def save(user: str, stage: str) -> None:
        barrier.wait()
        try:
            outcomes.append(
                deals.update(TEAM, user, deal.id, DealFields(stage=stage), source="modal", expected_version=1)
            )
        except DealChanged as exc:
            outcomes.append(exc)

    threads = [
        threading.Thread(target=save, args=args) for args in ((REP, "proposal"), (MANAGER, "negotiation"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    conflicts = [o for o in outcomes if isinstance(o, DealChanged)]
    assert len(outcomes) == 2 and len(conflicts) == 1
    final = deals.get(TEAM, deal.id)
    assert final.version == 2 and conflicts[0].current.stage == final.stage


def test_find_follows_renames_and_handles_short_quoted_and_japanese_text(deals: DealService) -> None:
    renamed = new(deals, "Old name", company="Wayne")
    deals.update(TEAM, REP, renamed.id, DealFields(name="Fresh name"), source="slash")
    new(deals, 'The "Big" one')
    new(deals, "山田商事 更新")
    assert [d.name for d in deals.find(TEAM, "fresh").deals] == ["Fresh name"]
    assert deals.find(TEAM, "old name").total == 0
    assert [d.name for d in deals.find(TEAM, '"big"').deals] == ['The "Big" one']
    assert [d.name for d in deals.find(TEAM, "山田商事").deals] == ["山田商事 更新"]
    assert [d.name for d in deals.find(TEAM, "山田").deals] == ["山田商事 更新"]  # short: no trigram
    assert deals.find(TEAM, "ay").total == 1  # "Wayne", by the short-needle path


def test_concurrent_updates_of_different_fields_all_succeed(deals: DealService) -> None:
    """Six `/deal update`s of six fields of one deal at once: every one saved, none refused."""
    deal = new(deals, "Busy")
    changes = [
        DealFields(stage="proposal"),
        DealFields(amount=Amount(Decimal(5000), "USD")),
        DealFields(close_date=date(2026, 12, 15)),
        DealFields(next_step="send the quote"),
        DealFields(company="Busy Corp"),
        DealFields(next_step_due=date(2026, 12, 1)),
    ]
    barrier = threading.Barrier(len(changes), timeout=10)
    refused: list[Exception] = []

    def save(fields: DealFields) -> None:
        barrier.wait()
        try:
            deals.update(TEAM, REP, deal.id, fields, source="slash")
        except DealChanged as exc:
            refused.append(exc)

    threads = [threading.Thread(target=save, args=(fields,)) for fields in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    final = deals.get(TEAM, deal.id)
    assert refused == []
    assert (final.stage, final.amount, final.close_date) == ("proposal", 500_000, date(2026, 12, 15))
    assert (final.next_step, final.company, final.next_step_due) == (
        "send the quote",
        "Busy Corp",
        date(2026, 12, 1),
    )
    assert final.version == 1 + len(changes)

"""The sandbox's demo pipeline: what a newcomer sees in the digest, reminders and App Home after `--demo`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import deal_service
from bot.services.business_days import BusinessCalendar
from bot.services.digest import Digest, build_digest
from bot.services.reminders import ReminderService
from bot.services.staleness import StaleRule
from bot.settings import Settings
from bot.views.digest import digest_blocks, digest_text
from bot.views.format import Display
from sandbox.demo import DEALS, seed_demo, story_steps
from sandbox.people import ALEX, HANA, MORGAN, REPS, TEAM_ID
from sandbox.slack.block_kit import blocks_errors
from storage.db import Database
from storage.models import Deal, DealEvent, Note
from tests.conftest import make_settings

TODAY = date(2026, 11, 23)  # a Monday: the digest's day
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, managers=(MORGAN.id,), timezone="America/Los_Angeles")


@pytest.fixture
def seeded(db: Database, settings: Settings) -> Database:
    seed_demo(db, settings, locale="en", today=TODAY)
    return db


def morning(settings: Settings, day: date = TODAY) -> datetime:
    return datetime.combine(day, time(9), tzinfo=settings.tz)


def weekly_digest(db: Database, settings: Settings) -> Digest:
    as_of = morning(settings)
    return build_digest(
        db,
        TEAM_ID,
        pipeline=settings.pipeline,
        as_of=as_of,
        since=as_of - timedelta(days=7),
        stale_days=settings.stale_days,
        stale_by_stage=settings.stale_overrides,
        tz=settings.tz,
    )


def all_deals(db: Database) -> list[Deal]:
    with db.read() as session:
        return list(session.scalars(select(Deal).where(Deal.team_id == TEAM_ID).order_by(Deal.id)))


def test_every_demo_story_starts_within_six_weeks_and_ends_before_today() -> None:
    for deal in DEALS:
        steps = story_steps(deal.story)  # raises for a story out of order
        assert steps[0].days_ago <= 42
        assert steps[-1].days_ago >= 1


def test_seeding_creates_a_few_dozen_deals_owned_by_both_reps(db: Database, settings: Settings) -> None:
    created = seed_demo(db, settings, locale="en", today=TODAY)

    deals = all_deals(db)
    assert created == len(deals) == len(DEALS)
    assert 30 <= created <= 40
    assert {deal.owner for deal in deals} == {rep.id for rep in REPS}


def test_seeding_twice_adds_nothing(seeded: Database, settings: Settings) -> None:
    with seeded.read() as session:
        events = session.scalar(select(func.count()).select_from(DealEvent))

    assert seed_demo(seeded, settings, locale="ja", today=TODAY + timedelta(days=3)) == 0

    with seeded.read() as session:
        assert session.scalar(select(func.count()).select_from(DealEvent)) == events
    assert len(all_deals(seeded)) == len(DEALS)


def test_seeding_is_the_same_every_time(seeded: Database, settings: Settings, tmp_path: Path) -> None:
    other = Database.from_url(f"sqlite:///{tmp_path / 'again.db'}")
    other.upgrade()
    try:
        seed_demo(other, settings, locale="en", today=TODAY)

        def facts(db: Database) -> list[tuple[object, ...]]:
            return [
                (
                    d.name,
                    d.owner,
                    d.stage,
                    d.amount,
                    d.close_date,
                    d.last_activity_at,
                    d.source,
                    d.competitors,
                )
                for d in all_deals(db)
            ]

        assert facts(other) == facts(seeded)
    finally:
        other.dispose()


def test_history_spans_six_weeks_and_ends_before_today(seeded: Database, settings: Settings) -> None:
    with seeded.read() as session:
        first, last = session.execute(
            select(func.min(DealEvent.created_at), func.max(DealEvent.created_at)).where(
                DealEvent.team_id == TEAM_ID
            )
        ).one()

    assert TODAY - first.astimezone(settings.tz).date() >= timedelta(weeks=5)
    assert last < morning(settings, TODAY).replace(hour=0)


def test_digest_shows_deals_in_every_open_stage(seeded: Database, settings: Settings) -> None:
    digest = weekly_digest(seeded, settings)

    assert [stage.stage for stage in digest.pipeline.stages] == list(settings.pipeline.open_keys)
    assert all(stage.count > 0 for stage in digest.pipeline.stages)


def test_digest_has_a_weighted_forecast_in_dollars(seeded: Database, settings: Settings) -> None:
    digest = weekly_digest(seeded, settings)

    assert digest.currencies == ("USD",)
    assert digest.pipeline.weighted[0].minor > 0
    assert digest.pipeline.weighted[0].minor < digest.pipeline.amounts[0].minor


def test_digest_reports_every_kind_of_change_since_last_week(seeded: Database, settings: Settings) -> None:
    changes = weekly_digest(seeded, settings).changes

    kinds = {
        "new": changes.new.total,
        "advanced": changes.advanced.total,
        "slipped": changes.slipped.total,
        "won": changes.won.total,
        "lost": changes.lost.total,
    }
    assert all(count > 0 for count in kinds.values()), kinds


def test_digest_shows_each_rep_with_stale_and_fresh_deals(seeded: Database, settings: Settings) -> None:
    reps = {rep.owner: rep for rep in weekly_digest(seeded, settings).reps}

    assert set(reps) == {ALEX.id, HANA.id}
    for summary in reps.values():
        assert 0 < summary.stale_count < summary.open_count
        assert summary.median_idle_days < settings.stale_days


def test_digest_lists_closes_due_soon_and_neglected_deals(seeded: Database, settings: Settings) -> None:
    digest = weekly_digest(seeded, settings)

    assert digest.closing_soon.total > 0
    assert digest.needs_attention.total > 0


def test_rendered_digest_is_valid_block_kit_naming_the_deals(seeded: Database, settings: Settings) -> None:
    digest = weekly_digest(seeded, settings)
    display = Display("en", settings.tz)

    blocks = digest_blocks(digest, display, settings.pipeline)
    text = digest_text(digest, display, settings.pipeline)

    assert blocks_errors(blocks, 50) == []
    assert digest.changes.won.items[0].name in text


def test_reminders_find_stale_deals_for_each_rep(seeded: Database, settings: Settings) -> None:
    reminders = ReminderService(
        seeded,
        StaleRule(settings.stale_days, settings.stale_overrides),
        settings.tz,
        BusinessCalendar(settings.holiday_country),
    )

    due = reminders.due(morning(settings))

    assert {reminder.owner for reminder in due} == {ALEX.id, HANA.id}
    assert all(reminder.total > 0 for reminder in due)


def test_app_home_marks_some_of_each_reps_deals_stale(seeded: Database, settings: Settings) -> None:
    deals = deal_service(seeded, settings)
    as_of = morning(settings)

    for rep in REPS:
        mine = deals.open_deals_of(TEAM_ID, rep.id).deals
        stale = [deal for deal in mine if deals.is_stale(deal, as_of)]
        assert 0 < len(stale) < len(mine), rep.name


def test_voice_notes_carry_their_transcript_details(seeded: Database) -> None:
    with seeded.read() as session:
        voice = list(session.scalars(select(Note).where(Note.team_id == TEAM_ID, Note.kind == "voice")))
        texts = session.scalar(select(func.count()).select_from(Note).where(Note.kind == "text"))

    assert len(voice) >= 2
    assert texts
    for note in voice:
        assert note.language == "en"
        assert note.duration_seconds and note.duration_seconds > 0
        assert note.engine and note.model


def test_lost_deals_say_why_and_deals_have_sources_and_competitors(seeded: Database) -> None:
    deals = all_deals(seeded)

    assert all(deal.lost_reason for deal in deals if deal.status == "lost")
    assert any(deal.status == "lost" for deal in deals)
    assert all(deal.source for deal in deals)
    assert any(deal.competitors for deal in deals)


def test_open_deals_have_next_steps_some_overdue(seeded: Database) -> None:
    open_deals = [deal for deal in all_deals(seeded) if deal.status == "open"]

    assert all(deal.next_step and deal.next_step_due for deal in open_deals)
    assert any(deal.next_step_due and deal.next_step_due < TODAY for deal in open_deals)
    assert any(deal.close_date and deal.close_date < TODAY for deal in open_deals)


def test_japanese_demo_has_japanese_names_in_yen(db: Database, settings: Settings) -> None:
    seed_demo(db, settings, locale="ja", today=TODAY)

    deals = all_deals(db)
    assert all(JAPANESE.search(deal.name) and JAPANESE.search(deal.company or "") for deal in deals)
    assert {deal.currency for deal in deals} == {"JPY"}
    # ¥100 per demo dollar: the $50,000 lead is 500万円
    assert any(deal.amount == 5_000_000 for deal in deals)
    digest = weekly_digest(db, settings)
    blocks = digest_blocks(digest, Display("ja", settings.tz), settings.pipeline)
    assert blocks_errors(blocks, 50) == []


def test_japanese_voice_notes_are_in_japanese(db: Database, settings: Settings) -> None:
    seed_demo(db, settings, locale="ja", today=TODAY)

    with db.read() as session:
        voice = list(session.scalars(select(Note).where(Note.kind == "voice")))
    assert voice
    assert all(note.language == "ja" and JAPANESE.search(note.text) for note in voice)


def test_demo_dates_follow_the_team_time_zone(db: Database, database_url: str) -> None:
    tokyo = Settings(database_url=database_url, timezone="Asia/Tokyo", _env_file=None)  # type: ignore[call-arg]
    seed_demo(db, tokyo, locale="en", today=TODAY)

    with db.read() as session:
        moments = list(session.scalars(select(DealEvent.created_at)))
    hours = {moment.astimezone(tokyo.tz).hour for moment in moments}
    assert hours <= set(range(9, 18))
    assert max(moments) < datetime.combine(TODAY, time(0), tzinfo=tokyo.tz).astimezone(UTC)


def test_an_unknown_language_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ValueError, match="en or ja"):
        seed_demo(db, settings, locale="fr", today=TODAY)
    assert all_deals(db) == []


def test_seeding_fits_a_custom_pipeline(db: Database, database_url: str) -> None:
    custom = make_settings(
        database_url, stages="lead:10,demo:40,contract:80,won:100,lost:0", managers=(), timezone="UTC"
    )

    assert seed_demo(db, custom, locale="en", today=TODAY) == len(DEALS)

    stages = {deal.stage for deal in all_deals(db)}
    assert stages == {"lead", "demo", "contract", "won", "lost"}

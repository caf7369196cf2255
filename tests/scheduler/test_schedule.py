"""When jobs run: triggers in the team zone, misfire settings, catch-up after downtime, live scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from apscheduler.triggers.cron import CronTrigger

from bot.app import web_client
from bot.scheduler.jobs import Jobs
from bot.scheduler.schedule import (
    DIGEST_JOB,
    REMIND_JOB,
    build_scheduler,
    catch_up,
    last_fire_time,
    scheduled_jobs,
)
from bot.scheduler.service import SchedulerService
from bot.settings import Settings
from bot.slack.notifier import Notifier
from storage.db import Database
from tests.fakes.slack_api import FakeSlackAPI
from tests.scheduler.conftest import MONDAY_9AM, team_settings

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def digests(fake: FakeSlackAPI) -> list[str]:
    """Channels that received a digest message (not its chart)."""
    return sorted(
        m["channel"]
        for m in fake.messages()
        if not m.get("upload")
        and any(b.get("type") == "header" for b in m.get("blocks", []))
        and "digest" in m.get("text", "")
    )


def test_jobs_have_fixed_ids_coalesce_and_hours_of_misfire_grace(jobs: Jobs, settings: Settings) -> None:
    scheduler, _ = build_scheduler(settings, jobs)
    by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(by_id) == {REMIND_JOB, DIGEST_JOB}
    for job in by_id.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time >= 3 * 3600
        assert job.trigger.timezone == TOKYO


def test_reminders_fire_at_the_reminder_time_on_weekdays_in_the_team_zone(
    database_url: str, fake: FakeSlackAPI, db: Database
) -> None:
    settings = team_settings(database_url, fake, reminder_time="08:30")
    remind, digest = scheduled_jobs(settings, Jobs(settings, db, None))
    friday_noon = datetime(2026, 11, 20, 12, 0, tzinfo=TOKYO)
    assert remind.trigger.get_next_fire_time(None, friday_noon) == datetime(2026, 11, 23, 8, 30, tzinfo=TOKYO)
    assert digest.trigger.get_next_fire_time(None, friday_noon) == datetime(2026, 11, 23, 9, 0, tzinfo=TOKYO)


def test_fire_times_follow_the_wall_clock_across_dst() -> None:
    trigger = CronTrigger.from_crontab("0 9 * * mon", timezone=NEW_YORK)
    grace = timedelta(hours=6)
    before = last_fire_time(trigger, datetime(2026, 10, 26, 15, 0, tzinfo=UTC), grace)
    after = last_fire_time(trigger, datetime(2026, 11, 2, 16, 0, tzinfo=UTC), grace)
    assert before is not None and after is not None
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (13, 14)  # 09:00 EDT, 09:00 EST
    assert last_fire_time(trigger, datetime(2026, 11, 2, 13, 59, tzinfo=UTC), grace) is None  # 08:59 EST


def test_a_run_missed_while_down_is_caught_up_only_within_its_grace(jobs: Jobs, settings: Settings) -> None:
    _, schedule = build_scheduler(settings, jobs)
    two_hours_late = MONDAY_9AM + timedelta(hours=2)
    assert sorted((job.id, fire) for job, fire in catch_up(schedule, two_hours_late)) == [
        (DIGEST_JOB, MONDAY_9AM),
        (REMIND_JOB, MONDAY_9AM),
    ]
    next_day = MONDAY_9AM + timedelta(hours=25)  # Tuesday 10:00: Monday's digest is 25 hours old
    assert [(job.id, fire) for job, fire in catch_up(schedule, next_day)] == [
        (REMIND_JOB, MONDAY_9AM + timedelta(days=1))
    ]
    assert catch_up(schedule, MONDAY_9AM - timedelta(minutes=1)) == []


def test_down_over_digest_time_and_back_two_hours_late_sends_exactly_one_digest(
    jobs: Jobs, settings: Settings, pipeline: object, fake: FakeSlackAPI
) -> None:
    _, schedule = build_scheduler(settings, jobs)
    for restart in (timedelta(hours=2), timedelta(hours=2, minutes=30)):  # started, then restarted
        for job, fire in catch_up(schedule, MONDAY_9AM + restart):
            job.run_for(fire)
    assert digests(fake) == sorted(["DU0BOSS", "DU0BOSS2", "C0DIGEST"])
    assert len(fake.messages("DU0REP")) == 1  # and one reminder


def test_a_scheduled_run_evaluates_as_of_its_fire_time(
    jobs: Jobs, settings: Settings, pipeline: object
) -> None:
    _, schedule = build_scheduler(settings, jobs)
    digest = next(job for job in schedule if job.id == DIGEST_JOB)
    report = digest.run_due(clock=lambda: MONDAY_9AM + timedelta(hours=2, seconds=7))
    assert report.as_of == MONDAY_9AM and report.count("sent") == 3


def test_the_live_scheduler_catches_up_on_start_and_sends_once(
    settings: Settings, db: Database, pipeline: object, fake: FakeSlackAPI
) -> None:
    """A real BackgroundScheduler in a process that wins the election two hours after digest time."""
    with time_machine.travel(MONDAY_9AM + timedelta(hours=2), tick=True):
        service = SchedulerService(settings, Jobs(settings, db, Notifier(web_client(settings))), db)
        service.start()
        try:
            deadline = time.monotonic() + 20
            while len(digests(fake)) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert service.leadership.is_leader
            assert service.scheduler is not None
            assert {job.id for job in service.scheduler.get_jobs()} >= {REMIND_JOB, DIGEST_JOB}
        finally:
            service.stop()
    assert digests(fake) == sorted(["DU0BOSS", "DU0BOSS2", "C0DIGEST"])

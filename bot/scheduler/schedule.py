"""When the jobs run: cron triggers in the team's time zone, fixed job ids, misfire handling, catch-up.

- Reminders: `DEALBOT_REMINDER_TIME` (default 09:00) Monday to Friday; the job itself skips
  public holidays (`BusinessCalendar`).
- Digest: `DEALBOT_DIGEST_CRON` (default `0 9 * * mon`).

Both jobs coalesce (a backlog of missed runs is one run) and tolerate hours of delay
(`misfire_grace_time`), so a run that could not start on time still happens once. A run
evaluates as of its scheduled fire time, not the moment it happens to start, which keeps the
content and the delivery period the same however late it is.

APScheduler's in-memory job store forgets runs missed while no process was up; `catch_up`
fills that gap: on start, each job whose latest fire time lies within its grace period runs
once for that fire time. `deliveries` makes this a no-op when that run had already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.clock import now as clock_now
from bot.logs import log_context
from bot.scheduler.jobs import Jobs, RunReport
from bot.settings import Settings

log = logging.getLogger(__name__)

REMIND_JOB = "dealbot.remind"
DIGEST_JOB = "dealbot.digest"
REMINDER_GRACE = timedelta(hours=6)
DIGEST_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    trigger: CronTrigger
    grace: timedelta
    run: Callable[[datetime], RunReport]  # as_of → what was sent

    def last_fire_time(self, now: datetime) -> datetime | None:
        """The latest fire time at or before `now`, if it lies within the grace period."""
        return last_fire_time(self.trigger, now, self.grace)

    def run_for(self, as_of: datetime) -> RunReport:
        with log_context(job_id=f"{self.id}@{as_of.isoformat(timespec='minutes')}"):
            report = self.run(as_of)
            log.info("%s as of %s: %s", self.id, as_of.isoformat(), report.summary())
        return report

    def run_due(self, clock: Callable[[], datetime] = clock_now) -> RunReport:
        """What the scheduler calls: run as of the fire time this run is for."""
        moment = clock()
        return self.run_for(self.last_fire_time(moment) or moment)


def last_fire_time(trigger: CronTrigger, now: datetime, grace: timedelta) -> datetime | None:
    fire = trigger.get_next_fire_time(None, now - grace)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
    return latest


def scheduled_jobs(settings: Settings, jobs: Jobs) -> list[ScheduledJob]:
    tz = settings.tz
    at = settings.reminder_at
    return [
        ScheduledJob(
            REMIND_JOB,
            CronTrigger(day_of_week="mon-fri", hour=at.hour, minute=at.minute, timezone=tz),
            REMINDER_GRACE,
            lambda as_of: jobs.remind(as_of),
        ),
        ScheduledJob(
            DIGEST_JOB,
            CronTrigger.from_crontab(settings.digest_cron, timezone=tz),
            DIGEST_GRACE,
            lambda as_of: jobs.digest(as_of),
        ),
    ]


def build_scheduler(settings: Settings, jobs: Jobs) -> tuple[BackgroundScheduler, list[ScheduledJob]]:
    """A (not yet started) scheduler with the reminder and digest jobs, and those jobs."""
    scheduler = BackgroundScheduler(timezone=settings.tz, job_defaults={"coalesce": True, "max_instances": 1})
    schedule = scheduled_jobs(settings, jobs)
    for job in schedule:
        scheduler.add_job(
            job.run_due,
            trigger=job.trigger,
            id=job.id,
            name=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.grace.total_seconds()),
            replace_existing=True,
        )
    return scheduler, schedule


def catch_up(schedule: list[ScheduledJob], now: datetime) -> list[tuple[ScheduledJob, datetime]]:
    """The runs missed while no scheduler was up: each job's latest fire time within its grace."""
    missed = []
    for job in schedule:
        fire = job.last_fire_time(now)
        if fire is not None:
            missed.append((job, fire))
    return missed


def schedule_catch_up(scheduler: BackgroundScheduler, schedule: list[ScheduledJob], now: datetime) -> None:
    """Queue the missed runs on the scheduler's own thread pool, each once."""
    for job, fire in catch_up(schedule, now):
        log.info("catching up %s for %s", job.id, fire.isoformat())
        scheduler.add_job(
            job.run_for,
            trigger="date",
            run_date=now,
            args=[fire],
            id=f"{job.id}.catch_up",
            replace_existing=True,
            misfire_grace_time=int(job.grace.total_seconds()),
        )

"""The scheduler inside `dealbot run` / `dealbot serve`: join the election, run the jobs when elected."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.clock import now as clock_now
from bot.scheduler.jobs import Jobs
from bot.scheduler.leader import Leadership, leader_lock
from bot.scheduler.schedule import build_scheduler, schedule_catch_up
from bot.settings import Settings
from bot.slack.notifier import Notifier
from storage.db import Database

log = logging.getLogger(__name__)


class SchedulerService:
    """Starts the scheduler when this process is elected, stops it when deposed."""

    def __init__(self, settings: Settings, jobs: Jobs, db: Database) -> None:
        self.settings = settings
        self.jobs = jobs
        self.scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self.leadership = Leadership(leader_lock(db), self._elected, self._deposed)

    def start(self) -> None:
        self.leadership.start()

    def stop(self) -> None:
        """Shutdown: let a run in progress finish, then leave the election (freeing the lock)."""
        with self._lock:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)
                self.scheduler = None
        self.leadership.stop()

    def _elected(self) -> None:
        with self._lock:
            scheduler, schedule = build_scheduler(self.settings, self.jobs)
            scheduler.start()
            schedule_catch_up(scheduler, schedule, clock_now())
            self.scheduler = scheduler

    def _deposed(self) -> None:
        with self._lock:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
                self.scheduler = None


def start_scheduler(settings: Settings, db: Database, client: WebClient) -> SchedulerService:
    """Join the election in the background; the elected process runs the jobs."""
    service = SchedulerService(settings, Jobs(settings, db, Notifier(client)), db)
    service.start()
    return service

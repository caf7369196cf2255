"""The bot as a running process: the app, memo workers and the elected scheduler, started together
and stopped in order (`dealbot run`, `dealbot serve`, and `dealbot worker` without the app).

`run_until_stopped()` is the one life all three commands share: signal handling first, then
start-up, the front door Slack comes in by (a Socket Mode connection, the HTTP server, or none
for a worker), a wait for SIGTERM/SIGINT, the drain within the grace period, and the exit.

Stopping is graceful: memo jobs in progress get the grace period to finish and are otherwise given
back to the queue, a scheduled run in progress completes, the scheduler lock is freed for the next
instance, and the database connections close. Nothing is left half-written: every write is one
transaction, and a released job is redone from the start by the next worker.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from bot.settings import Settings
from storage.db import Database

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.scheduler.service import SchedulerService
    from bot.workers.memos import MemoWorkers

log = logging.getLogger(__name__)


def open_database(settings: Settings, *, serves_slack: bool) -> Database:
    """The database with a pool sized for this process's threads, migrated to the latest schema."""
    db = Database.from_url(settings.database_url, pool_size=settings.pool_size(serves_slack=serves_slack))
    db.upgrade()
    return db


def start_workers(settings: Settings, db: Database) -> MemoWorkers:
    """Transcription workers in this process (DEALBOT_MEMO_WORKERS threads; 0 for none)."""
    from bot.app import deal_service
    from bot.services.memo_queue import MemoQueue
    from bot.slack.client import web_client
    from bot.workers.memos import build_workers

    queue = MemoQueue(db, lease=timedelta(seconds=settings.memo_lease_seconds))
    workers = build_workers(settings, queue, deal_service(db, settings), web_client(settings))
    workers.start()
    return workers


def database_problem(db: Database) -> str | None:
    """For /readyz: None when the database answers, else what is wrong (no secrets, no URL)."""
    try:
        db.ping()
    except Exception as exc:
        return f"database: {type(exc).__name__}"
    return None


@dataclass
class BotProcess:
    settings: Settings
    db: Database
    workers: MemoWorkers
    app: App | None = None
    scheduler: SchedulerService | None = None
    owns_db: bool = True
    _stopped: bool = field(default=False, repr=False)

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        with_app: bool = True,
        with_scheduler: bool = True,
        db: Database | None = None,
    ) -> BotProcess:
        """`with_app`: the Slack app too (run/serve), else memo workers only; `with_scheduler`: join
        the scheduler election. `db`: share an open database (it stays open at `stop`)."""
        database = db or open_database(settings, serves_slack=with_app)
        process = cls(settings, database, start_workers(settings, database), owns_db=db is None)
        if with_app:
            from bot.app import create_app

            workers = process.workers
            process.app = create_app(
                settings, database, client=workers.processor.client, wake_workers=workers.wake
            )
            if with_scheduler:
                from bot.scheduler.service import start_scheduler

                process.scheduler = start_scheduler(settings, process.db, process.app.client)
        return process

    def readiness_problem(self) -> str | None:
        return database_problem(self.db)

    def stop(self, grace: float) -> None:
        """Finish or release memo jobs (within `grace` seconds), stop the scheduler, close the pool."""
        if self._stopped:
            return
        self._stopped = True
        started = time.monotonic()
        released = self.workers.stop(grace)
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.owns_db:
            self.db.dispose()
        log.info(
            "stopped in %.1f s%s",
            time.monotonic() - started,
            f"; memo job(s) {released} went back to the queue" if released else "",
        )

    def exit(self) -> None:
        """End the command. A transcription given back to the queue may still run in a worker
        thread, inside native code that aborts (SIGABRT) when the interpreter finalizes under
        it: then leave at once; everything it could write is already committed or released."""
        if self.workers.busy():
            logging.shutdown()
            os._exit(0)


class StopSignal:
    """SIGTERM/SIGINT handling for a long-running command, installed before anything starts, so a
    signal that arrives during start-up still ends in a graceful stop."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._received: list[str] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._received.append(signal.Signals(signum).name)
        self._stopping.set()

    def wait(self, alive: Callable[[], bool] | None = None) -> str:
        """Block until a signal, or until `alive()` turns false; returns what ended the wait."""
        while not self._stopping.wait(0.5):
            if alive is not None and not alive():
                return "stopped by itself"
        return self._received[0]


class FrontDoor(Protocol):
    """How Slack's requests reach the app of a running process (`dealbot run`, `dealbot serve`)."""

    def open(self, process: BotProcess) -> None:
        """Start taking Slack's requests into `process.app`."""

    def is_open(self) -> bool:
        """False once it has ended by itself (the process then stops too)."""

    def close(self, grace: float) -> None:
        """Stop taking requests; those in progress get up to `grace` seconds to finish."""


class SocketModeDoor:
    """Socket Mode (`dealbot run`): a WebSocket to Slack, no public URL needed."""

    def __init__(self, app_token: str) -> None:
        self.app_token = app_token
        self._handler: Any = None

    def open(self, process: BotProcess) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert process.app is not None, "Socket Mode serves the Slack app"
        self._handler = SocketModeHandler(process.app, self.app_token)
        self._handler.connect()

    def is_open(self) -> bool:
        return True  # the handler reconnects by itself

    def close(self, grace: float) -> None:
        self._handler.close()


def run_until_stopped(
    settings: Settings, door: FrontDoor | None = None, *, banner: str | None = None
) -> None:
    """Run the bot until SIGTERM/SIGINT, then stop it gracefully and end the command.

    With a `door` the process has the Slack app and joins the scheduler election; without one it
    runs memo workers only (`dealbot worker`). `banner` is printed to stderr once it is up. The
    door drains first, and the memo workers get what is left of the grace period.
    """
    stop = StopSignal()  # before anything starts: a signal during start-up still stops gracefully
    process = BotProcess.start(settings, with_app=door is not None)
    grace = settings.shutdown_grace_seconds
    try:
        if door is not None:
            door.open(process)
    except BaseException:
        process.stop(grace)
        raise
    if banner:
        print(banner, file=sys.stderr, flush=True)
    reason = stop.wait(alive=door.is_open if door is not None else None)
    log.info("%s: draining (requests and memo jobs in progress get up to %.0f s)", reason, grace)
    deadline = time.monotonic() + grace
    if door is not None:
        door.close(grace)
    process.stop(max(0.0, deadline - time.monotonic()))
    process.exit()

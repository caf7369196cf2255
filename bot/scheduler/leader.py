"""Leader election: of all the dealbot processes on one database, only one runs the scheduler.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection. When the holder dies its session ends, the lock is freed, and the next instance
  to poll takes over.
- SQLite: an exclusive `flock` on a file next to the database (`dealbot.db.scheduler.lock`);
  the operating system frees it when the holder exits. (An in-memory database is private to
  its process, which is then always the leader.)

Deliveries are exactly-once with or without a leader; the lock only avoids doing the work
twice. `Leadership` polls: it acquires the lock when free, checks that it still holds it, and
tells its owner when it is elected or deposed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from storage.db import Database
from storage.locks import AdvisoryLock

log = logging.getLogger(__name__)

POLL_SECONDS = 15.0


class LeaderLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if it is free; never waits."""

    def held(self) -> bool:
        """Whether this process still holds the lock."""

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    """The schema's scheduler lock (`storage.locks`), held on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        # Its own unpooled engine: closing the connection really ends the session (and the lock).
        self._engine = create_engine(engine.url, poolclass=NullPool)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            got = AdvisoryLock(connection, "scheduler").try_acquire()
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:  # the session is gone, and the lock with it
            log.warning("lost the connection that held the scheduler lock")
            self._drop()
            return False

    def release(self) -> None:
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()  # ends the session: PostgreSQL frees the lock
            except Exception:
                log.debug("closing the scheduler lock connection failed", exc_info=True)
            self._connection = None


class FileLock:
    """An exclusive, non-blocking `flock` on `path` (created if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        import fcntl

        if self._handle is not None:
            return True
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file frees the lock
            self._handle = None


class ProcessLock:
    """The lock of a database no other process can see (SQLite in memory): always ours."""

    def __init__(self) -> None:
        self._held = False

    def acquire(self) -> bool:
        self._held = True
        return True

    def held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


def leader_lock(db: Database) -> LeaderLock:
    """The right lock for the database behind `db`."""
    if not db.is_sqlite:
        return PostgresAdvisoryLock(db.engine)
    database = db.engine.url.database
    if database in (None, "", ":memory:"):
        return ProcessLock()
    return FileLock(Path(f"{database}.scheduler.lock"))


class Leadership:
    """Polls `lock`: calls `on_elected` when it gets it and `on_deposed` when it loses it."""

    def __init__(
        self,
        lock: LeaderLock,
        on_elected: Callable[[], None],
        on_deposed: Callable[[], None],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.lock = lock
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.poll_seconds = poll_seconds
        self.is_leader = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dealbot-leader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self.is_leader:
            self._depose()
        self.lock.release()

    def poll(self) -> None:
        """One round: try to become leader, or check that we still are."""
        if not self.is_leader:
            try:
                acquired = self.lock.acquire()
            except Exception:
                log.warning("could not reach the database for the scheduler lock", exc_info=True)
                return
            if acquired:
                self.is_leader = True
                log.info("this process runs the scheduler")
                self.on_elected()
        elif not self.lock.held():
            self._depose()

    def _depose(self) -> None:
        self.is_leader = False
        log.info("this process no longer runs the scheduler")
        self.on_deposed()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # a poll must never end the thread
                log.exception("scheduler leadership check failed")
            self._stop.wait(self.poll_seconds)

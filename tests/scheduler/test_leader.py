"""Only one process schedules: an advisory lock on PostgreSQL, a file lock on SQLite; takeover on death."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.scheduler.leader import FileLock, Leadership, PostgresAdvisoryLock, ProcessLock, leader_lock
from storage.db import Database


def test_one_holder_at_a_time_and_the_next_takes_over_on_release(db: Database) -> None:
    first, second = leader_lock(db), leader_lock(db)
    assert isinstance(first, PostgresAdvisoryLock if not db.is_sqlite else FileLock)
    try:
        assert first.acquire() and first.held()
        assert not second.acquire() and not second.held()
        first.release()
        assert second.acquire() and second.held()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_a_holder_that_dies_is_replaced(db: Database) -> None:
    """PostgreSQL ends a dead holder's session and frees its lock; the survivor notices and takes over."""
    if db.is_sqlite:
        pytest.skip("the OS frees a dead process's flock; covered by the release test")
    holder, standby = leader_lock(db), leader_lock(db)
    assert isinstance(holder, PostgresAdvisoryLock)
    try:
        assert holder.acquire()
        assert holder._connection is not None
        pid = holder._connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        holder._connection.commit()
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        assert not holder.held()
        assert standby.acquire()
    finally:
        holder.release()
        standby.release()


def test_an_in_memory_database_is_always_its_own_leader() -> None:
    db = Database.from_url("sqlite://")
    try:
        assert isinstance(leader_lock(db), ProcessLock)
    finally:
        db.dispose()


def test_leadership_elects_and_deposes(tmp_path: Path) -> None:
    events: list[str] = []
    mine, rival = FileLock(tmp_path / "db.lock"), FileLock(tmp_path / "db.lock")
    assert rival.acquire()
    leadership = Leadership(mine, lambda: events.append("elected"), lambda: events.append("deposed"))
    leadership.poll()
    assert events == [] and not leadership.is_leader
    rival.release()
    leadership.poll()
    assert events == ["elected"] and leadership.is_leader
    leadership.poll()  # still ours: nothing happens
    assert events == ["elected"]
    leadership.stop()
    assert events == ["elected", "deposed"] and rival.acquire()
    rival.release()

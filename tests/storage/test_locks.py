"""PostgreSQL advisory locks: one holder per purpose and schema at a time, until it releases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from storage.db import Database
from storage.locks import AdvisoryLock, advisory_key


@pytest.fixture
def connections(db: Database) -> Iterator[tuple[Connection, Connection]]:
    if db.is_sqlite:
        pytest.skip("advisory locks are PostgreSQL's; SQLite processes use a lock file")
    with db.engine.connect() as first, db.engine.connect() as second:
        yield first, second


def test_a_second_session_cannot_take_a_held_lock_until_it_is_released(
    connections: tuple[Connection, Connection],
) -> None:
    first, second = connections
    mine, theirs = AdvisoryLock(first, "scheduler"), AdvisoryLock(second, "scheduler")
    assert mine.try_acquire()
    assert not theirs.try_acquire()
    mine.release()
    assert theirs.try_acquire()
    theirs.release()


def test_each_purpose_has_its_own_lock(connections: tuple[Connection, Connection]) -> None:
    first, second = connections
    with AdvisoryLock(first, "migrations").held():
        scheduler = AdvisoryLock(second, "scheduler")
        assert scheduler.try_acquire()
        scheduler.release()
        assert not AdvisoryLock(second, "migrations").try_acquire()


def test_keys_depend_on_the_schema_and_stay_the_same_across_versions() -> None:
    # Processes of the previous release hash the same text: during a rolling deploy old and new
    # processes still contend for one scheduler lock and one migration lock.
    assert advisory_key("scheduler", "public") == -5643114528345868407
    assert advisory_key("scheduler", "public") != advisory_key("scheduler", "t_other")
    assert advisory_key("scheduler", "public") != advisory_key("migrations", "public")

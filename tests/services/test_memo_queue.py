"""The memo job queue on real databases: once per file, leases, retries, concurrent claimers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from bot.services.memo_queue import MESSAGE_GRACE, MemoQueue, MemoSource
from storage.db import Database
from storage.enums import JobStatus
from storage.memos import MemoJob
from tests.conftest import REP, TEAM

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def message_event(file_id: str = "F1") -> MemoSource:
    return MemoSource(TEAM, file_id, REP, channel_id="C1", message_ts="1.0001", message_text="#3 call notes")


def jobs(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(MemoJob)) or 0)


def test_one_job_per_file_however_many_deliveries(db: Database) -> None:
    queue = MemoQueue(db)
    first, announced = queue.enqueue(message_event())
    repeats = [queue.enqueue(message_event()) for _ in range(3)]
    assert announced and jobs(db) == 1
    assert all(job.id == first.id and not again for job, again in repeats)


def test_file_shared_first_then_message_fills_in_thread_and_text(db: Database) -> None:
    queue = MemoQueue(db)
    _, announced_early = queue.enqueue(MemoSource(TEAM, "F1", REP, channel_id="C1"))
    job, announced_late = queue.enqueue(message_event())
    assert (announced_early, announced_late) == (False, True)
    assert (job.message_ts, job.message_text) == ("1.0001", "#3 call notes") and jobs(db) == 1


def test_a_job_without_its_message_waits_briefly_for_it(db: Database) -> None:
    with time_machine.travel(START, tick=False):
        queue = MemoQueue(db)
        queue.enqueue(MemoSource(TEAM, "F1", REP))
        assert queue.claim("w1") is None
    with time_machine.travel(START + MESSAGE_GRACE, tick=False):
        assert queue.claim("w1") is not None


def test_a_dead_workers_job_is_claimed_again_when_its_lease_ends(db: Database) -> None:
    with time_machine.travel(START, tick=False):
        queue = MemoQueue(db, lease=timedelta(minutes=5))
        queue.enqueue(message_event())
        first = queue.claim("w1")
        assert first is not None and first.status == JobStatus.RUNNING
        assert queue.claim("w2") is None  # leased
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        again = queue.claim("w2")
        assert again is not None and again.id == first.id and again.attempts == 2


def test_after_three_attempts_the_job_fails_for_good(db: Database) -> None:
    moment = START
    queue = MemoQueue(db, lease=timedelta(minutes=1))
    with time_machine.travel(moment, tick=False):
        queue.enqueue(message_event())
    for attempt in range(1, 4):
        with time_machine.travel(moment, tick=False):
            job = queue.claim("w")
            assert job is not None and job.attempts == attempt and job.status == JobStatus.RUNNING
        moment += timedelta(minutes=2)  # the worker died; the lease runs out
    with time_machine.travel(moment, tick=False):
        last = queue.claim("w")
    assert last is not None and last.status == JobStatus.FAILED


def test_retry_or_fail_requeues_until_the_last_attempt(db: Database) -> None:
    queue = MemoQueue(db)
    queue.enqueue(message_event())
    job = queue.claim("w")
    assert job is not None
    assert queue.retry_or_fail(job, "Slack hiccup", retryable=True) is False
    assert queue.get(TEAM, job.id).status == JobStatus.QUEUED  # type: ignore[union-attr]
    assert queue.retry_or_fail(job, "not audio", retryable=False) is True
    assert queue.get(TEAM, job.id).status == JobStatus.FAILED  # type: ignore[union-attr]


def test_concurrent_workers_never_claim_the_same_job(db: Database) -> None:
    queue = MemoQueue(db)
    for number in range(20):
        queue.enqueue(message_event(f"F{number}"))
    claimed: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while (job := queue.claim(threading.current_thread().name)) is not None:
            with lock:
                claimed.append(job.id)
            queue.update(job.id, status=JobStatus.FILED)

    threads = [threading.Thread(target=work, name=f"w{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 20

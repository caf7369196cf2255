"""Voice memos as durable jobs: enqueue once per Slack file, claim with a lease, retry or fail.

No Slack here: the event handler enqueues what Slack said, the worker claims, downloads and
transcribes, and `memos.MemoService` files the transcript on its deal (which ends the job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import now as clock_now
from storage.db import Database
from storage.enums import JobStatus
from storage.memos import MemoJob

MAX_ATTEMPTS = 3
# A job seen only through `file_shared` waits this long for the `message` event that names
# the deal and the thread, so whichever event comes first the memo is handled the same.
MESSAGE_GRACE = timedelta(seconds=3)

AUDIO_FILETYPES = frozenset({"m4a", "mp4", "webm", "ogg", "opus", "oga", "mp3", "mpga", "wav", "aac", "flac"})


def is_audio(file: dict[str, Any]) -> bool | None:
    """True/False from what Slack told us about a file; None when it told us too little."""
    mimetype = str(file.get("mimetype") or "")
    filetype = str(file.get("filetype") or "").lower()
    if file.get("subtype") == "slack_audio" or mimetype.startswith("audio/"):
        return True
    if filetype in AUDIO_FILETYPES or mimetype in ("video/mp4", "video/webm"):
        return True
    if mimetype or filetype:
        return False
    return None


@dataclass(frozen=True)
class MemoSource:
    """What the Slack events said about a shared file (any field may be missing)."""

    team_id: str
    file_id: str
    user_id: str
    channel_id: str | None = None
    message_ts: str | None = None
    message_text: str | None = None
    file_name: str | None = None
    mimetype: str | None = None
    size: int | None = None


class MemoQueue:
    def __init__(
        self,
        db: Database,
        *,
        lease: timedelta = timedelta(minutes=20),
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.db = db
        self.lease = lease
        self.max_attempts = max_attempts
        self.clock = clock

    def enqueue(self, source: MemoSource) -> tuple[MemoJob, bool]:
        """The job for this file, created if new; details a later event adds are merged in.

        Returns (job, announced): announced is True for the one call that first learns where
        the memo was shared (so it is acknowledged there once, however many events arrive).
        Duplicate and retried deliveries find the existing row and change nothing twice.
        """
        moment = self.clock()
        try:
            with self.db.write() as session:
                job = MemoJob(
                    team_id=source.team_id,
                    file_id=source.file_id,
                    user_id=source.user_id,
                    channel_id=source.channel_id,
                    message_ts=source.message_ts,
                    message_text=source.message_text,
                    file_name=source.file_name,
                    mimetype=source.mimetype,
                    size=source.size,
                    status=JobStatus.QUEUED,
                    attempts=0,
                    created_at=moment,
                    updated_at=moment,
                )
                session.add(job)
            return job, source.message_ts is not None
        except IntegrityError:
            return self._merge(source)

    def _merge(self, source: MemoSource) -> tuple[MemoJob, bool]:
        with self.db.write() as session:
            # FOR UPDATE: two deliveries merging at once on PostgreSQL take turns, so only the
            # first sees message_ts missing and announces the memo (SQLite: BEGIN IMMEDIATE does).
            job = session.scalars(
                select(MemoJob)
                .where(MemoJob.team_id == source.team_id, MemoJob.file_id == source.file_id)
                .with_for_update()
            ).one()
            announced = job.message_ts is None and source.message_ts is not None
            for field in ("channel_id", "message_ts", "message_text", "file_name", "mimetype", "size"):
                if getattr(job, field) is None and getattr(source, field) is not None:
                    setattr(job, field, getattr(source, field))
            return job, announced

    def claim(self, worker: str) -> MemoJob | None:
        """Take the oldest job that is queued, or running with an expired lease (a dead worker)."""
        moment = self.clock()
        claimable = and_(
            or_(
                MemoJob.status == JobStatus.QUEUED,
                and_(MemoJob.status == JobStatus.RUNNING, MemoJob.lease_until < moment),
            ),
            or_(MemoJob.message_ts.is_not(None), MemoJob.created_at <= moment - MESSAGE_GRACE),
        )
        statement = select(MemoJob).where(claimable).order_by(MemoJob.id).limit(1)
        if not self.db.is_sqlite:
            # Several workers on PostgreSQL: each skips rows another is claiming right now.
            statement = statement.with_for_update(skip_locked=True)
        with self.db.write() as session:  # SQLite: BEGIN IMMEDIATE serialises claimers
            job = session.scalars(statement).first()
            if job is None:
                return None
            if job.attempts >= self.max_attempts:
                job.status = JobStatus.FAILED
                job.error = job.error or "gave up after repeated crashes"
                job.updated_at = moment
                return job  # the worker reports the failure once
            job.status = JobStatus.RUNNING
            job.attempts += 1
            job.worker = worker
            job.lease_until = moment + self.lease
            job.updated_at = moment
            return job

    def update(self, job_id: int, **values: Any) -> None:
        with self.db.write() as session:
            session.execute(
                update(MemoJob).where(MemoJob.id == job_id).values(updated_at=self.clock(), **values)
            )

    def get(self, team_id: str, job_id: int) -> MemoJob | None:
        with self.db.read() as session:
            return session.scalar(select(MemoJob).where(MemoJob.id == job_id, MemoJob.team_id == team_id))

    def retry_or_fail(self, job: MemoJob, error: str, *, retryable: bool) -> bool:
        """Put the job back for another attempt, or fail it. Returns True when it failed for good."""
        final = not retryable or job.attempts >= self.max_attempts
        self.update(
            job.id,
            status=JobStatus.FAILED if final else JobStatus.QUEUED,
            error=error[:2000],
            lease_until=None,
        )
        return final

    def renew(self, job: MemoJob) -> bool:
        """Extend this worker's lease just before it writes results; False when the job is no longer
        its own (the lease ran out and another worker took it, or a shutdown released it)."""
        moment = self.clock()
        with self.db.write() as session:
            result = session.execute(
                update(MemoJob)
                .where(*_held_by(job))
                .values(lease_until=moment + self.lease, updated_at=moment)
            )
        return _changed(result)

    def release(self, job: MemoJob) -> bool:
        """Give a running job back to the queue at once (graceful shutdown): another worker can take
        it now instead of waiting for the lease, and the interrupted attempt does not count."""
        with self.db.write() as session:
            result = session.execute(
                update(MemoJob)
                .where(*_held_by(job))
                .values(
                    status=JobStatus.QUEUED,
                    lease_until=None,
                    worker=None,
                    attempts=MemoJob.attempts - 1,
                    updated_at=self.clock(),
                )
            )
        return _changed(result)

    def awaiting_deal(self, job_id: int) -> None:
        self.update(job_id, status=JobStatus.AWAITING_DEAL, lease_until=None)

    def ignore(self, job_id: int) -> None:
        self.update(job_id, status=JobStatus.IGNORED, lease_until=None)


def _held_by(job: MemoJob) -> tuple[Any, ...]:
    return (MemoJob.id == job.id, MemoJob.status == JobStatus.RUNNING, MemoJob.worker == job.worker)


def _changed(result: Any) -> bool:
    return bool(getattr(result, "rowcount", 0))

"""The durable queue of voice-memo transcription jobs: one row per Slack file, whatever happens.

A row commits before the Slack event is acknowledged as handled; workers claim rows with a
lease, so a worker that dies mid-job leaves a row another worker picks up when the lease ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import JobStatus
from storage.models import Base, UTCDateTime, enum_column


class MemoJob(Base):
    __tablename__ = "memo_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    file_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))  # who shared the memo
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the thread to answer in
    message_text: Mapped[str | None] = mapped_column(Text)  # may name the deal (#12, a name)
    file_name: Mapped[str | None] = mapped_column(String(300))
    mimetype: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "status", 16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    duration_seconds: Mapped[float | None] = mapped_column()
    engine: Mapped[str | None] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(200))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("team_id", "file_id", name="uq_memo_jobs_team_file"),
        Index("ix_memo_jobs_status_lease", "status", "lease_until"),
    )

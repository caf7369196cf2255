"""Filing a transcribed voice memo on its deal: the memo use case, without Slack.

`MemoService.file` is one unit of work: it claims the job atomically (a conditional UPDATE, so
of a double click, two workers or a retry exactly one wins and the others are told it is
filed), checks who may file it and who may change the deal, adds the voice note with its
history event, ends the job, and reads back the deal card. The caller (the worker, or the
"this deal" button) then answers in Slack through the notifier with what it returns: the
note, the deal, and the field updates heard in the memo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select, update

from bot.errors import MemoUnavailable
from bot.services.deal_work import DealDetails, DealKey, VoiceTranscript
from bot.services.deals import DealService
from bot.services.suggestions import Suggestion, suggest
from storage.enums import JobStatus, NoteKind, Source
from storage.memos import MemoJob
from storage.models import Note

# Why a memo cannot be filed (MemoUnavailable.reason).
FILED = "filed"  # someone (another click, another worker) filed it already, or it is gone
NOT_YOURS = "not_yours"  # another rep's memo, and the person is no manager
RELEASED = "released"  # the worker no longer holds the job (its lease ran out, or shutdown)


@dataclass(frozen=True)
class FiledMemo:
    job: MemoJob
    note: Note
    details: DealDetails  # the deal's card after the note
    suggestions: list[Suggestion]  # field updates heard in the memo, to offer


class MemoService:
    def __init__(self, deals: DealService) -> None:
        self.deals = deals

    def file(
        self, team_id: str, actor: str, job_id: int, deal: DealKey, *, worker: str | None = None
    ) -> FiledMemo:
        """File the memo of job `job_id` on `deal`.

        `worker`: the worker that transcribed it and names the deal from the message; without
        it, a person (`actor`) chose the deal for a memo that waited for one.
        """
        with self.deals.writing() as work:
            session = work.session
            job = session.scalar(select(MemoJob).where(MemoJob.id == job_id, MemoJob.team_id == team_id))
            if job is None:
                raise MemoUnavailable(FILED)
            if worker is None and actor != job.user_id and actor not in self.deals.managers:
                raise MemoUnavailable(NOT_YOURS)
            held = (
                and_(MemoJob.status == JobStatus.RUNNING, MemoJob.worker == worker)
                if worker is not None
                else MemoJob.status == JobStatus.AWAITING_DEAL
            )
            claimed = session.execute(
                update(MemoJob)
                .where(MemoJob.id == job.id, held)
                .values(status=JobStatus.FILED, lease_until=None, updated_at=work.clock())
                .execution_options(synchronize_session=False)
            )
            if not getattr(claimed, "rowcount", 0):
                raise MemoUnavailable(RELEASED if worker is not None else FILED)
            target = work.deal(team_id, deal)
            # The rep who spoke is the note's author, and must be allowed to change the deal.
            work.authorize(target, job.user_id, Source.VOICE)
            transcript = VoiceTranscript(job.language, job.duration_seconds, job.engine, job.model)
            note = work.note(
                target,
                job.user_id,
                job.transcript or "",
                Source.VOICE,
                kind=NoteKind.VOICE,
                transcript=transcript,
            )
            session.execute(
                update(MemoJob)
                .where(MemoJob.id == job.id)
                .values(note_id=note.id, deal_id=target.id)
                .execution_options(synchronize_session=False)
            )
            session.expunge(job)  # what it holds now, not a change to write again
            job.status, job.note_id, job.deal_id = JobStatus.FILED, note.id, target.id
            details = work.details(target)
        heard = suggest(job.transcript or "", self.deals.today(), self.deals.pipeline)
        return FiledMemo(job, note, details, heard)

"""Filing a transcribed memo: exactly once, whoever presses or works at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bot.errors import MemoUnavailable, NotAllowed
from bot.services.deals import DealService
from bot.services.fields import DealFields
from bot.services.memo_queue import MemoQueue, MemoSource
from bot.services.memos import MemoService
from storage.db import Database
from storage.enums import JobStatus
from storage.models import Note
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM


def waiting_memo(db: Database, file_id: str = "F0MEMO") -> int:
    queue = MemoQueue(db)
    job, _ = queue.enqueue(MemoSource(TEAM, file_id, REP, "C0SALES", "1732400000.000100"))
    queue.update(job.id, transcript="We agreed on $60,000. Next step is to send the quote.", language="en")
    queue.awaiting_deal(job.id)
    return job.id


def notes(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def test_a_filed_memo_is_a_voice_note_with_suggestions_and_ends_the_job(
    db: Database, deals: DealService
) -> None:
    deal = deals.create(TEAM, REP, DealFields(name="Globex"), source="slash").deal
    filed = MemoService(deals).file(TEAM, REP, waiting_memo(db), deal.id)
    assert (filed.note.kind, filed.note.author, filed.details.note_count) == ("voice", REP, 1)
    assert {s.field for s in filed.suggestions} >= {"amount", "next_step"}
    assert MemoQueue(db).get(TEAM, filed.job.id).status == JobStatus.FILED  # type: ignore[union-attr]


def test_presses_at_the_same_moment_on_two_deals_file_it_once(db: Database, deals: DealService) -> None:
    job = waiting_memo(db)
    targets = [
        deals.create(TEAM, REP, DealFields(name=f"Deal {n}"), source="slash").deal.id for n in range(6)
    ]
    service = MemoService(deals)
    barrier = threading.Barrier(len(targets), timeout=10)
    outcomes: list[object] = []

    def press(deal_id: int) -> None:
        barrier.wait()
        try:
            outcomes.append(service.file(TEAM, REP, job, deal_id).details.deal.id)
        except MemoUnavailable as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=press, args=(deal_id,)) for deal_id in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    filed = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(filed) == 1 and outcomes.count("filed") == len(targets) - 1
    assert notes(db) == 1


def test_a_worker_that_lost_its_job_files_nothing(db: Database, deals: DealService) -> None:
    deal = deals.create(TEAM, REP, DealFields(name="Globex"), source="slash").deal
    queue = MemoQueue(db)
    queue.enqueue(MemoSource(TEAM, "F0RUN", REP, "C0SALES", "1732400000.000100"))
    job = queue.claim("worker-a")
    assert job is not None
    queue.update(job.id, transcript="Called them.")
    with pytest.raises(MemoUnavailable) as lost:
        MemoService(deals).file(TEAM, REP, job.id, deal.id, worker="worker-b")
    assert lost.value.reason == "released" and notes(db) == 0
    assert MemoService(deals).file(TEAM, REP, job.id, deal.id, worker="worker-a").note.text == "Called them."


def test_only_the_rep_who_sent_it_or_a_manager_may_file_it(db: Database, deals: DealService) -> None:
    deal = deals.create(TEAM, REP, DealFields(name="Globex"), source="slash").deal
    job = waiting_memo(db)
    with pytest.raises(MemoUnavailable) as refused:
        MemoService(deals).file(TEAM, OTHER_REP, job, deal.id)
    assert refused.value.reason == "not_yours"
    assert MemoService(deals).file(TEAM, MANAGER, job, deal.id).note.author == REP


def test_a_memo_cannot_be_filed_on_a_deal_its_rep_may_not_change_and_stays_waiting(
    db: Database, deals: DealService
) -> None:
    theirs = deals.create(TEAM, OTHER_REP, DealFields(name="Theirs"), source="slash").deal
    job = waiting_memo(db)
    with pytest.raises(NotAllowed):
        MemoService(deals).file(TEAM, REP, job, theirs.id)
    assert MemoQueue(db).get(TEAM, job).status == JobStatus.AWAITING_DEAL  # type: ignore[union-attr]
    assert notes(db) == 0

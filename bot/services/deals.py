"""Deals: the use cases people run on them. Each is one unit of work (`DealWork`): resolve the
deal, authorize the actor, change it, record the events and read back what the reply shows, in
one transaction. Callers (handlers, CLI, workers) then talk to Slack with the result.

One `DealService` serves every entry point (slash command, modal, button, voice memo, CLI,
import), each of which passes its `Source`. Changes are saved with optimistic locking: when
someone else saved the same deal in between, a change of other fields is simply redone on top
of theirs, and a change of the same field (or of a form opened on an older version) raises
`DealChanged` instead of overwriting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import local_midnight
from bot.clock import now as clock_now
from bot.errors import DealChanged
from bot.pipeline import LOST, WON, Pipeline
from bot.services import deal_lists
from bot.services.deal_lists import PAGE_SIZE, DealPage
from bot.services.deal_rules import DealRules, FieldChange, optional_reason
from bot.services.deal_work import DealDetails, DealKey, DealWork, VoiceTranscript
from bot.services.fields import DealFields, ListQuery, Ref
from bot.services.snoozes import SnoozeFor, snooze_end
from bot.services.staleness import StaleRule
from storage.db import Database
from storage.enums import NoteKind, Source
from storage.models import Deal, Note

# A change is redone on top of concurrent ones this many times before giving up: each round, at
# least one of the writers racing for a deal wins, so this covers that many at once.
SAVE_ATTEMPTS = 10
RETRY_PAUSE_SECONDS = (0.002, 0.02)  # a random pause before redoing, so racers spread out


@dataclass(frozen=True)
class DealUpdate:
    details: DealDetails  # the deal as saved, read back in the same transaction
    changes: list[FieldChange]

    @property
    def deal(self) -> Deal:
        return self.details.deal


@dataclass(frozen=True)
class NoteAdded:
    note: Note
    details: DealDetails


@dataclass(frozen=True)
class Snoozed:
    deal: Deal
    until: date  # the team's calendar day reminders resume


class DealService:
    def __init__(
        self,
        db: Database,
        pipeline: Pipeline,
        *,
        managers: tuple[str, ...] = (),
        default_currency: str = "USD",
        stale_days: int = 7,
        stale_days_by_stage: Mapping[str, int] | None = None,
        tz: tzinfo = UTC,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.db = db
        self.pipeline = pipeline
        self.managers = managers
        self.rules = DealRules(pipeline, default_currency)
        self.stale = StaleRule(stale_days, dict(stale_days_by_stage or {}))
        self.tz = tz
        self.clock = clock

    @contextmanager
    def writing(self) -> Iterator[DealWork]:
        """One write transaction on deals (also for other use cases that write a deal, e.g. memos)."""
        with self.db.write() as session:
            yield self._work(session)

    @contextmanager
    def reading(self) -> Iterator[DealWork]:
        with self.db.read() as session:
            yield self._work(session)

    def _work(self, session: Session) -> DealWork:
        return DealWork(
            session,
            self.rules,
            managers=self.managers,
            clock=self.clock,
            is_sqlite=self.db.is_sqlite,
        )

    # --- reading ----------------------------------------------------------------------

    def get(self, team_id: str, deal_id: int) -> Deal:
        with self.reading() as work:
            return work.get(team_id, deal_id)

    def resolve(self, team_id: str, ref: Ref) -> Deal:
        """`#12`, `12`, an exact name (always wins) or a unique case-insensitive name prefix."""
        with self.reading() as work:
            return work.resolve(team_id, ref)

    def details(self, team_id: str, key: DealKey) -> DealDetails:
        """The deal's card: the deal, its recent history and notes."""
        with self.reading() as work:
            return work.details(work.deal(team_id, key))

    def for_editing(self, team_id: str, actor: str, key: DealKey) -> Deal:
        """The deal, when `actor` may change it (a form or a snooze is about to open); else NotAllowed."""
        with self.reading() as work:
            deal = work.deal(team_id, key)
            work.authorize(deal, actor, Source.BUTTON)
            return deal

    def can_edit(self, deal: Deal, user_id: str) -> bool:
        return user_id == deal.owner or user_id in self.managers

    def list_deals(self, team_id: str, user_id: str, query: ListQuery, *, limit: int = PAGE_SIZE) -> DealPage:
        with self.db.read() as session:
            return deal_lists.list_query(
                session, team_id, user_id, query, self.stale, self.clock(), limit=limit
            )

    def find(self, team_id: str, text: str, *, limit: int = PAGE_SIZE) -> DealPage:
        """Deals whose name or company contains `text`, open ones first, newest first."""
        with self.db.read() as session:
            return deal_lists.find(session, team_id, text, is_sqlite=self.db.is_sqlite, limit=limit)

    def open_deals_of(self, team_id: str, owner: str, *, limit: int = 100) -> DealPage:
        with self.db.read() as session:
            return deal_lists.open_deals_of(session, team_id, owner, limit=limit)

    def is_stale(self, deal: Deal, as_of: datetime | None = None) -> bool:
        """Open, and no change or note for the deal's stale window (see `StaleRule`)."""
        return self.stale.is_stale(deal, as_of or self.clock())

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    # --- writing ----------------------------------------------------------------------

    def create(self, team_id: str, actor: str, fields: DealFields, *, source: Source) -> DealDetails:
        with self.writing() as work:
            return work.details(work.create(team_id, actor, fields, Source(source)))

    def update(
        self,
        team_id: str,
        actor: str,
        key: DealKey,
        fields: DealFields,
        *,
        source: Source,
        expected_version: int | None = None,
        lost_reason: str | None = None,
    ) -> DealUpdate:
        """Apply the given fields. `expected_version` (from an edit form) guards a form opened on an
        older version; without it, a concurrent save of other fields is redone on top of."""
        deal_id: int | None = None
        for _attempt in range(SAVE_ATTEMPTS):
            read: dict[str, object] = {}
            try:
                with self.writing() as work:
                    deal = work.deal(team_id, key)
                    deal_id = deal.id
                    work.authorize(deal, actor, Source(source))
                    if expected_version is not None and deal.version != expected_version:
                        work.session.expunge(deal)
                        raise DealChanged(deal)
                    read = {column: getattr(deal, column) for column in _columns_of(fields)}
                    changes = work.change(deal, actor, fields, Source(source), lost_reason)
                    return DealUpdate(work.details(deal), changes)
            except StaleDataError:
                # Another session saved between our read and our write (optimistic lock).
                assert deal_id is not None
                current = self.get(team_id, deal_id)
                overlap = any(getattr(current, column) != value for column, value in read.items())
                if expected_version is not None or overlap:
                    raise DealChanged(current) from None
                key = deal_id  # theirs touched other fields: ours again, on top of theirs
                time.sleep(random.uniform(*RETRY_PAUSE_SECONDS))
        assert deal_id is not None
        raise DealChanged(self.get(team_id, deal_id))

    def mark_won(self, team_id: str, actor: str, key: DealKey, *, source: Source) -> DealUpdate:
        return self.update(team_id, actor, key, DealFields(stage=WON), source=source)

    def mark_lost(
        self, team_id: str, actor: str, key: DealKey, reason: str | None, *, source: Source
    ) -> DealUpdate:
        reason = optional_reason(reason, "lost_reason")
        return self.update(team_id, actor, key, DealFields(stage=LOST), source=source, lost_reason=reason)

    def add_note(
        self,
        team_id: str,
        actor: str,
        key: DealKey,
        text: str,
        *,
        source: Source,
        kind: NoteKind = NoteKind.TEXT,
        transcript: VoiceTranscript | None = None,
    ) -> NoteAdded:
        with self.writing() as work:
            deal = work.deal(team_id, key)
            work.authorize(deal, actor, Source(source))
            note = work.note(deal, actor, text, Source(source), kind=kind, transcript=transcript)
            return NoteAdded(note, work.details(deal))

    def snooze(
        self,
        team_id: str,
        actor: str,
        key: DealKey,
        choice: SnoozeFor,
        until: date | None = None,
        reason: str | None = None,
        *,
        source: Source,
    ) -> Snoozed:
        """Pause the deal's stale reminders (see `snoozes`): not activity, no version bump."""
        reason = optional_reason(reason, "snooze_reason")
        end = snooze_end(self.today(), choice, until)
        with self.writing() as work:
            deal = work.deal(team_id, key)
            work.authorize(deal, actor, Source(source))
            work.snooze(
                deal, actor, Source(source), until=end, resume=local_midnight(end, self.tz), reason=reason
            )
            return Snoozed(deal, end)


def _columns_of(fields: DealFields) -> set[str]:
    """The deal columns a change of `fields` may set (a stage sets its status and probability too)."""
    columns = set(fields.given())
    if "stage" in columns:
        columns |= {"status", "probability", "lost_reason"}
    if columns & {"amount", "currency"}:
        columns |= {"amount", "currency"}
    return columns

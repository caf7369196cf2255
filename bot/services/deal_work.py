"""One unit of work on deals: a session, and every step a use case takes inside it.

A use case (see `deals.DealService`, `memos.MemoService`) opens one `DealWork`, then resolves the
deal, authorizes the actor, changes it, records the events and reads back what the reply shows,
all in that one transaction. This is the only place that writes deals, notes and their history:
`event` is the one event writer, `authorize` the one owner-or-manager rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.errors import AmbiguousDeal, DealNotFound, InvalidChange, NotAllowed
from bot.services.deal_rules import MAX_NEXT_STEP, MAX_NOTE, DealRules, FieldChange
from bot.services.fields import DealFields, Ref, without_nul
from storage.enums import EventKind, NoteKind, Source
from storage.models import Deal, DealEvent, Note

MAX_CANDIDATES = 10
CARD_EVENTS = 8  # history lines on a deal card
CARD_NOTES = 3

# A deal named by its number (buttons, forms, CLI) or by a reference as typed (`#12`, a name).
DealKey = int | Ref


@dataclass(frozen=True)
class DealDetails:
    """What a deal card shows: the deal, its latest history and notes, how many notes in all."""

    deal: Deal
    events: list[DealEvent]  # newest first
    notes: list[Note]  # newest first
    note_count: int


@dataclass(frozen=True)
class VoiceTranscript:
    """How a voice note was made (kept with the note)."""

    language: str | None = None
    duration_seconds: float | None = None
    engine: str | None = None
    model: str | None = None


class DealWork:
    def __init__(
        self,
        session: Session,
        rules: DealRules,
        *,
        managers: tuple[str, ...],
        clock: Callable[[], datetime],
        is_sqlite: bool,
    ) -> None:
        self.session = session
        self.rules = rules
        self.managers = managers
        self.clock = clock
        self.is_sqlite = is_sqlite

    # --- finding the deal -------------------------------------------------------------

    def deal(self, team_id: str, key: DealKey) -> Deal:
        return self.resolve(team_id, key) if isinstance(key, Ref) else self.get(team_id, key)

    def get(self, team_id: str, deal_id: int) -> Deal:
        deal = self.session.scalar(select(Deal).where(Deal.id == deal_id, Deal.team_id == team_id))
        if deal is None:
            raise DealNotFound(f"#{deal_id}")
        return deal

    def resolve(self, team_id: str, ref: Ref) -> Deal:
        """`#12`, `12`, an exact name (always wins) or a unique case-insensitive name prefix."""
        if ref.number is not None:
            return self.get(team_id, ref.number)
        text = (ref.text or "").strip()
        key = text.casefold()
        if not key:
            raise DealNotFound(text)
        open_first = case((Deal.status == "open", 0), else_=1)
        exact = self.session.scalars(
            select(Deal)
            .where(Deal.team_id == team_id, Deal.name_key == key)
            .order_by(open_first, Deal.id)
            .limit(MAX_CANDIDATES)
        ).all()
        matches: Sequence[Deal] = (
            exact
            or self.session.scalars(
                select(Deal)
                .where(Deal.team_id == team_id, self._prefix(key))
                .order_by(open_first, Deal.name_key, Deal.id)
                .limit(MAX_CANDIDATES)
            ).all()
        )
        if not matches:
            raise DealNotFound(text)
        if len(matches) > 1:
            for candidate in matches:
                self.session.expunge(candidate)  # the error outlives a rolled-back transaction
            raise AmbiguousDeal(text, list(matches))
        return matches[0]

    def _prefix(self, key: str) -> ColumnElement[bool]:
        like = Deal.name_key.startswith(key, autoescape=True)
        if self.is_sqlite:
            # A range on the binary-collated index; LIKE alone would scan the table.
            return and_(Deal.name_key >= key, Deal.name_key < key + "\U0010ffff", like)
        return like

    # --- who may change it ------------------------------------------------------------

    def may_edit(self, deal: Deal, actor: str) -> bool:
        return actor == deal.owner or actor in self.managers

    def authorize(self, deal: Deal, actor: str, source: Source) -> None:
        """The owner-or-manager rule; the CLI, imports and the scheduler act for the whole team."""
        if not source.acts_for_team and not self.may_edit(deal, actor):
            self.session.expunge(deal)  # the error outlives the rolled-back transaction
            raise NotAllowed(deal, self.managers)

    # --- changing it ------------------------------------------------------------------

    def create(self, team_id: str, actor: str, fields: DealFields, source: Source) -> Deal:
        moment = self.clock()
        deal = Deal(**self.rules.new_row(team_id, actor, fields, moment=moment))
        self.session.add(deal)
        self.session.flush()
        self.event(deal, actor, source, EventKind.CREATED, new=deal.name, at=moment)
        return deal

    def change(
        self, deal: Deal, actor: str, fields: DealFields, source: Source, lost_reason: str | None = None
    ) -> list[FieldChange]:
        """Apply `fields`; each changed field is one event, and the deal counts as active."""
        changes = self.rules.apply(deal, fields, lost_reason)
        if changes:
            moment = self.clock()
            deal.updated_at = deal.last_activity_at = moment
            for change in changes:
                self.event(
                    deal, actor, source, EventKind.CHANGED, change.field, change.old, change.new, moment
                )
            self.session.flush()
        return changes

    def note(
        self,
        deal: Deal,
        actor: str,
        text: str,
        source: Source,
        *,
        kind: NoteKind = NoteKind.TEXT,
        transcript: VoiceTranscript | None = None,
    ) -> Note:
        text = without_nul(text).strip()
        if not text:
            raise InvalidChange("missing_text", field="text")
        # A voice note is bounded by the duration cap, not by a character count: refusing a long
        # transcript would lose the memo.
        if kind == NoteKind.TEXT and len(text) > MAX_NOTE:
            raise InvalidChange("too_long", field="text", limit=MAX_NOTE)
        heard = transcript or VoiceTranscript()
        moment = self.clock()
        note = Note(
            team_id=deal.team_id,
            deal_id=deal.id,
            author=actor,
            kind=kind,
            text=text,
            language=heard.language,
            duration_seconds=heard.duration_seconds,
            engine=heard.engine,
            model=heard.model,
            created_at=moment,
        )
        self.session.add(note)
        self.event(deal, actor, source, EventKind.NOTE, new=text[:MAX_NEXT_STEP], at=moment)
        # A note changes no field: bump activity without the version, so an edit form opened
        # before the note still saves.
        self._set_quietly(deal, last_activity_at=moment)
        self.session.flush()
        return note

    def snooze(
        self, deal: Deal, actor: str, source: Source, *, until: date, resume: datetime, reason: str | None
    ) -> None:
        """Pause the deal's reminders until `resume`. Not a field edit, not activity."""
        self._set_quietly(deal, snoozed_until=resume, snooze_reason=reason)
        shown = until.isoformat() + (f" ({reason})" if reason else "")
        self.event(deal, actor, source, EventKind.CHANGED, "snoozed_until", None, shown)

    def _set_quietly(self, deal: Deal, **values: object) -> None:
        """Set columns without bumping the version: an open edit form still saves afterwards."""
        self.session.execute(
            update(Deal)
            .where(Deal.id == deal.id, Deal.team_id == deal.team_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        for key, value in values.items():
            set_committed_value(deal, key, value)  # what the row holds now, not a pending change

    def event(
        self,
        deal: Deal,
        actor: str,
        source: Source,
        kind: EventKind,
        field: str | None = None,
        old: str | None = None,
        new: str | None = None,
        at: datetime | None = None,
    ) -> DealEvent:
        """The one writer of history: every event passes here, typed."""
        event = DealEvent(
            team_id=deal.team_id,
            deal_id=deal.id,
            actor=actor,
            source=Source(source),
            kind=EventKind(kind),
            field=field,
            old_value=old,
            new_value=new,
            created_at=at or self.clock(),
        )
        self.session.add(event)
        return event

    # --- reading back -----------------------------------------------------------------

    def details(self, deal: Deal, *, events: int = CARD_EVENTS, notes: int = CARD_NOTES) -> DealDetails:
        self.session.flush()
        history = self.session.scalars(
            select(DealEvent)
            .where(DealEvent.deal_id == deal.id, DealEvent.team_id == deal.team_id)
            .order_by(DealEvent.id.desc())
            .limit(events)
        ).all()
        recent = self.session.scalars(
            select(Note)
            .where(Note.deal_id == deal.id, Note.team_id == deal.team_id)
            .order_by(Note.id.desc())
            .limit(notes)
        ).all()
        count = self.session.scalar(
            select(func.count())
            .select_from(Note)
            .where(Note.deal_id == deal.id, Note.team_id == deal.team_id)
        )
        return DealDetails(deal, list(history), list(recent), int(count or 0))

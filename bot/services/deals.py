"""Deals: create, change, close, find and list them; every change appends a history event.

One `DealService` serves every entry point (slash command, modal, button, voice memo, CLI,
import), each of which passes its `source`. Changes are checked against the owner/manager
rule and saved with optimistic locking: a stale save raises `DealChanged`, never overwrites.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Integer, Select, and_, case, column, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import now as clock_now
from bot.errors import (
    AmbiguousDeal,
    DealChanged,
    DealNotFound,
    InvalidChange,
    NotAllowed,
)
from bot.money import Money, exponent, is_known_currency
from bot.pipeline import LOST, WON, Pipeline, Stage
from bot.services.fields import Amount, DealFields, ListQuery, Ref, without_nul
from bot.services.staleness import StaleRule
from storage.db import Database
from storage.models import Deal, DealEvent, Note

PAGE_SIZE = 20
MAX_CANDIDATES = 10
MAX_NAME = 200
MAX_COMPANY = 200
MAX_NEXT_STEP = 500
MAX_REASON = 500
MAX_NOTE = 40_000  # Slack's own limit on a message: whatever a rep can paste fits

# Sources that act for the whole team (no owner/manager check): the CLI and CSV import.
TRUSTED_SOURCES = frozenset({"cli", "import", "scheduler"})
SOURCES = frozenset({"slash", "modal", "button", "voice", "import", "cli", "scheduler"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class DealUpdate:
    deal: Deal
    changes: list[FieldChange]


@dataclass(frozen=True)
class DealDetails:
    deal: Deal
    events: list[DealEvent]  # newest first
    notes: list[Note]  # newest first
    note_count: int


@dataclass(frozen=True)
class DealPage:
    deals: list[Deal]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.deals))


@dataclass
class FieldValues:
    """Field values on their way into a Deal, validated and normalised."""

    values: dict[str, object] = field(default_factory=dict)


def stored(value: object) -> str | None:
    """How a field value is written into history: plain, locale-free text."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def stored_amount(minor: object, currency: str) -> str | None:
    """Amounts go into history as `60000 USD` (major units), readable without the deal."""
    if minor is None:
        return None
    return f"{Money(int(str(minor)), currency).major} {currency}"


def parse_stored_amount(value: str) -> Money:
    major, _, currency = value.partition(" ")
    return Money.from_major(major, currency)


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
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.db = db
        self.pipeline = pipeline
        self.managers = managers
        self.default_currency = default_currency
        self.stale_days = stale_days
        self.stale = StaleRule(stale_days, dict(stale_days_by_stage or {}))
        self.clock = clock

    # --- permissions ------------------------------------------------------------------

    def can_edit(self, deal: Deal, user_id: str) -> bool:
        return user_id == deal.owner or user_id in self.managers

    def _check_can_edit(self, session: Session, deal: Deal, actor: str, source: str) -> None:
        if source not in TRUSTED_SOURCES and not self.can_edit(deal, actor):
            session.expunge(deal)  # the error outlives the rolled-back transaction
            raise NotAllowed(deal, self.managers)

    # --- reading ----------------------------------------------------------------------

    def get(self, team_id: str, deal_id: int) -> Deal:
        with self.db.read() as session:
            return self._get(session, team_id, deal_id)

    def resolve(self, team_id: str, ref: Ref) -> Deal:
        """`#12`, `12`, an exact name (always wins) or a unique case-insensitive name prefix."""
        with self.db.read() as session:
            return self._resolve(session, team_id, ref)

    def details(self, team_id: str, deal_id: int, *, events: int = 8, notes: int = 3) -> DealDetails:
        with self.db.read() as session:
            deal = self._get(session, team_id, deal_id)
            history = session.scalars(
                select(DealEvent)
                .where(DealEvent.deal_id == deal.id, DealEvent.team_id == team_id)
                .order_by(DealEvent.id.desc())
                .limit(events)
            ).all()
            recent_notes = session.scalars(
                select(Note)
                .where(Note.deal_id == deal.id, Note.team_id == team_id)
                .order_by(Note.id.desc())
                .limit(notes)
            ).all()
            count = session.scalar(
                select(func.count()).select_from(Note).where(Note.deal_id == deal.id, Note.team_id == team_id)
            )
            return DealDetails(deal, list(history), list(recent_notes), int(count or 0))

    def list_deals(self, team_id: str, user_id: str, query: ListQuery, *, limit: int = PAGE_SIZE) -> DealPage:
        statement = select(Deal).where(Deal.team_id == team_id)
        if query.stage is not None:
            # the status a stage implies is redundant, but lets the (team, stage, status,
            # close_date) index serve the filter and the order
            statement = statement.where(Deal.stage == query.stage, Deal.status == status_of(query.stage))
        else:
            statement = statement.where(Deal.status == "open")
        owner = query.owner or (user_id if query.scope == "mine" else None)
        if owner is not None:
            statement = statement.where(Deal.owner == owner)
        if query.scope == "stale":
            statement = statement.where(Deal.status == "open", self.stale.condition(self.clock()))
            order: tuple[object, ...] = (Deal.last_activity_at.asc(), Deal.id)
        else:
            order = (Deal.close_date.asc().nulls_last(), Deal.id)
        return self._page(statement, order, limit)

    def find(self, team_id: str, text: str, *, limit: int = PAGE_SIZE) -> DealPage:
        """Deals whose name or company contains `text`, open ones first, newest first."""
        needle = text.strip().casefold()
        matches = (
            select(Deal.id)
            .where(Deal.id.in_(self._search(team_id, needle)))
            .order_by(case((Deal.status == "open", 0), else_=1), Deal.updated_at.desc(), Deal.id)
        )
        with self.db.read() as session:
            # Matches are few, so one pass that returns all their ids gives the count too.
            ids = list(session.scalars(matches))
            return DealPage(self._load(session, ids[:limit]), len(ids))

    def _search(self, team_id: str, needle: str) -> Select[int]:
        """Ids of this team's deals whose name or company contains `needle`.

        Three characters or more use the trigram index (SQLite FTS5, PostgreSQL pg_trgm, see
        migration 0004); shorter needles scan the narrow (team_id, search_key) index.
        """
        in_team = select(Deal.id).where(Deal.team_id == team_id)
        if len(needle) >= 3 and self.db.is_sqlite:
            # CROSS JOIN fixes the join order: from the few index hits to their deals, rather
            # than over every deal of the team checking each against the hits.
            hits = text(
                "SELECT deals.id FROM deals_search CROSS JOIN deals ON deals.id = deals_search.rowid "
                "WHERE deals_search MATCH :phrase AND deals.team_id = :team"
            ).bindparams(phrase='"' + needle.replace('"', '""') + '"', team=team_id)
            return select(Deal.id).where(Deal.id.in_(hits.columns(column("id", Integer))))
        if not self.db.is_sqlite:
            return in_team.where(Deal.search_key.contains(needle, autoescape=True))
        return in_team.where(func.instr(Deal.search_key, needle) > 0)

    def open_deals_of(self, team_id: str, owner: str, *, limit: int = 100) -> DealPage:
        statement = select(Deal).where(Deal.team_id == team_id, Deal.owner == owner, Deal.status == "open")
        return self._page(statement, (Deal.close_date.asc().nulls_last(), Deal.id), limit)

    def is_stale(self, deal: Deal, as_of: datetime | None = None) -> bool:
        """Open, and no change or note for the deal's stale window (see `StaleRule`)."""
        return self.stale.is_stale(deal, as_of or self.clock())

    # --- writing ----------------------------------------------------------------------

    def create(self, team_id: str, actor: str, fields: DealFields, *, source: str) -> Deal:
        if not fields.name or not fields.name.strip():
            raise InvalidChange("missing_name", field="name")
        stage_key = fields.stage or self.pipeline.first.key
        draft = self.validated_fields(fields, current_currency=None, current_amount=None)
        moment = self.clock()
        stage = self._stage(stage_key)
        deal = Deal(
            team_id=team_id,
            owner=fields.owner or actor,
            stage=stage.key,
            probability=fields.probability if fields.probability is not None else stage.probability,
            status=status_of(stage.key),
            currency=self.default_currency,
            created_by=actor,
            created_at=moment,
            updated_at=moment,
            last_activity_at=moment,
        )
        for key, value in draft.values.items():
            setattr(deal, key, value)
        deal.refresh_keys()
        with self.db.write() as session:
            session.add(deal)
            session.flush()
            session.add(self._event(deal, actor, source, "created", new=deal.name, at=moment))
        return deal

    def update(
        self,
        team_id: str,
        actor: str,
        deal_id: int,
        fields: DealFields,
        *,
        source: str,
        expected_version: int | None = None,
        lost_reason: str | None = None,
    ) -> DealUpdate:
        """Apply the given fields. `expected_version` (from an edit modal) guards a stale form."""
        try:
            with self.db.write() as session:
                deal = self._get(session, team_id, deal_id)
                self._check_can_edit(session, deal, actor, source)
                if expected_version is not None and deal.version != expected_version:
                    session.expunge(deal)
                    raise DealChanged(deal)
                changes = self._apply(deal, fields, lost_reason)
                if changes:
                    moment = self.clock()
                    deal.updated_at = moment
                    deal.last_activity_at = moment
                    session.add_all(
                        self._event(
                            deal,
                            actor,
                            source,
                            "changed",
                            change.field,
                            change.old,
                            change.new,
                            moment,
                        )
                        for change in changes
                    )
                    session.flush()
                return DealUpdate(deal, changes)
        except StaleDataError:
            # Another session saved between our read and our write (optimistic lock).
            raise DealChanged(self.get(team_id, deal_id)) from None

    def mark_won(self, team_id: str, actor: str, deal_id: int, *, source: str) -> DealUpdate:
        return self.update(team_id, actor, deal_id, DealFields(stage=WON), source=source)

    def mark_lost(
        self, team_id: str, actor: str, deal_id: int, reason: str | None, *, source: str
    ) -> DealUpdate:
        reason = without_nul(reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidChange("too_long", field="lost_reason", limit=MAX_REASON)
        return self.update(team_id, actor, deal_id, DealFields(stage=LOST), source=source, lost_reason=reason)

    def add_note(
        self,
        team_id: str,
        actor: str,
        deal_id: int,
        text: str,
        *,
        source: str,
        kind: str = "text",
        language: str | None = None,
        duration_seconds: float | None = None,
        engine: str | None = None,
        model: str | None = None,
    ) -> Note:
        text = without_nul(text).strip()
        if not text:
            raise InvalidChange("missing_text", field="text")
        # A voice note is bounded by the duration cap, not by a character count: refusing a long
        # transcript would lose the memo.
        if kind == "text" and len(text) > MAX_NOTE:
            raise InvalidChange("too_long", field="text", limit=MAX_NOTE)
        with self.db.write() as session:
            deal = self._get(session, team_id, deal_id)
            self._check_can_edit(session, deal, actor, source)
            moment = self.clock()
            note = Note(
                team_id=team_id,
                deal_id=deal.id,
                author=actor,
                kind=kind,
                text=text,
                language=language,
                duration_seconds=duration_seconds,
                engine=engine,
                model=model,
                created_at=moment,
            )
            session.add(note)
            session.add(self._event(deal, actor, source, "note", new=text[:MAX_NEXT_STEP], at=moment))
            # A note changes no field: bump activity without the version, so an edit form
            # opened before the note still saves.
            session.execute(update(Deal).where(Deal.id == deal.id).values(last_activity_at=moment))
            session.flush()
        deal.last_activity_at = moment
        return note

    # --- internals --------------------------------------------------------------------

    def _page(self, statement: Select[Deal], order: Iterable[object], limit: int) -> DealPage:
        """One page of `statement` plus the total count.

        Both the count and the page's ids come from narrow index-only queries; only the page's
        rows are then loaded whole (a "deferred join"), so a list over 100,000 deals stays fast.
        """
        where = statement.whereclause
        ids = select(Deal.id).where(where) if where is not None else select(Deal.id)
        with self.db.read() as session:
            total = session.scalar(select(func.count()).select_from(ids.subquery()))
            page_ids = list(session.scalars(ids.order_by(*order).limit(limit)))  # type: ignore[arg-type]
            return DealPage(self._load(session, page_ids), int(total or 0))

    def _load(self, session: Session, ids: list[int]) -> list[Deal]:
        rows = {deal.id: deal for deal in session.scalars(select(Deal).where(Deal.id.in_(ids)))}
        return [rows[deal_id] for deal_id in ids]

    def _get(self, session: Session, team_id: str, deal_id: int) -> Deal:
        deal = session.scalar(select(Deal).where(Deal.id == deal_id, Deal.team_id == team_id))
        if deal is None:
            raise DealNotFound(f"#{deal_id}")
        return deal

    def _resolve(self, session: Session, team_id: str, ref: Ref) -> Deal:
        if ref.number is not None:
            deal = session.scalar(select(Deal).where(Deal.id == ref.number, Deal.team_id == team_id))
            if deal is None:
                raise DealNotFound(f"#{ref.number}")
            return deal
        text = (ref.text or "").strip()
        key = text.casefold()
        if not key:
            raise DealNotFound(text)
        exact = session.scalars(
            select(Deal)
            .where(Deal.team_id == team_id, Deal.name_key == key)
            .order_by(case((Deal.status == "open", 0), else_=1), Deal.id)
            .limit(MAX_CANDIDATES)
        ).all()
        matches: Sequence[Deal] = (
            exact
            or session.scalars(
                select(Deal)
                .where(Deal.team_id == team_id, self._prefix(key))
                .order_by(case((Deal.status == "open", 0), else_=1), Deal.name_key, Deal.id)
                .limit(MAX_CANDIDATES)
            ).all()
        )
        if not matches:
            raise DealNotFound(text)
        if len(matches) > 1:
            raise AmbiguousDeal(text, list(matches))
        return matches[0]

    def _prefix(self, key: str) -> ColumnElement[bool]:
        like = Deal.name_key.startswith(key, autoescape=True)
        if self.db.is_sqlite:
            # A range on the binary-collated index; LIKE alone would scan the table.
            return and_(Deal.name_key >= key, Deal.name_key < key + "\U0010ffff", like)
        return like

    def _stage(self, key: str) -> Stage:
        stage = self.pipeline.get(key)
        if stage is None:
            raise InvalidChange(
                "unknown_stage", field="stage", value=key, stages=", ".join(self.pipeline.keys)
            )
        return stage

    def validated_fields(
        self, fields: DealFields, *, current_currency: str | None, current_amount: int | None
    ) -> FieldValues:
        """Validate and normalise what `fields` sets (except stage/probability/status)."""
        values: dict[str, object] = {}
        if fields.name is not None:
            values["name"] = _text(fields.name, "name", MAX_NAME, required=True)
        if fields.company is not None:
            values["company"] = _text(fields.company, "company", MAX_COMPANY)
        if fields.next_step is not None:
            values["next_step"] = _text(fields.next_step, "next_step", MAX_NEXT_STEP)
        if fields.owner is not None:
            values["owner"] = fields.owner
        if fields.close_date is not None:
            values["close_date"] = fields.close_date
        if fields.next_step_due is not None:
            values["next_step_due"] = fields.next_step_due
        if fields.probability is not None and not 0 <= fields.probability <= 100:
            raise InvalidChange("bad_probability", field="probability", value=fields.probability)
        currency = self._currency(fields.amount, fields.currency, current_currency)
        if fields.amount is not None:
            values["amount"] = Money.from_major(fields.amount.value, currency).minor
            values["currency"] = currency
        elif fields.currency is not None and currency != current_currency:
            values["currency"] = currency
            if current_amount is not None and current_currency is not None:
                # Keep the amount in major units: $5,000 → ¥5,000, not ¥500,000.
                major = Money(current_amount, current_currency).major
                values["amount"] = Money.from_major(major, currency).minor
        return FieldValues(values)

    def _currency(self, amount: Amount | None, given: str | None, current: str | None) -> str:
        implied = amount.currency if amount is not None else None
        if given is not None:
            given = given.upper()
            if not is_known_currency(given):
                raise InvalidChange("bad_currency", field="currency", value=given)
            if implied is not None and implied != given:
                raise InvalidChange("currency_conflict", field="currency", amount=implied, currency=given)
        chosen = implied or given or current or self.default_currency
        exponent(chosen)  # raises for an unknown code
        return chosen

    def _apply(self, deal: Deal, fields: DealFields, lost_reason: str | None) -> list[FieldChange]:
        draft = self.validated_fields(fields, current_currency=deal.currency, current_amount=deal.amount)
        values = dict(draft.values)
        if fields.stage is not None:
            stage = self._stage(fields.stage)
            values["stage"] = stage.key
            values["status"] = status_of(stage.key)
            if fields.probability is None:
                values["probability"] = stage.probability
            if stage.key == LOST:
                values["lost_reason"] = lost_reason
            elif deal.status == LOST:
                values["lost_reason"] = None
        if fields.probability is not None:
            values["probability"] = fields.probability
        changes = []
        old_currency = deal.currency
        new_currency = str(values.get("currency", deal.currency))
        for key, value in values.items():
            old = getattr(deal, key)
            if old != value:
                if key == "amount":
                    changes.append(
                        FieldChange(key, stored_amount(old, old_currency), stored_amount(value, new_currency))
                    )
                else:
                    changes.append(FieldChange(key, stored(old), stored(value)))
                setattr(deal, key, value)
        if "name" in values or "company" in values:
            deal.refresh_keys()
        return changes

    def _event(
        self,
        deal: Deal,
        actor: str,
        source: str,
        kind: str,
        field: str | None = None,
        old: str | None = None,
        new: str | None = None,
        at: datetime | None = None,
    ) -> DealEvent:
        if source not in SOURCES:
            raise ValueError(f"unknown event source {source!r}")
        return DealEvent(
            team_id=deal.team_id,
            deal_id=deal.id,
            actor=actor,
            source=source,
            kind=kind,
            field=field,
            old_value=old,
            new_value=new,
            created_at=at or self.clock(),
        )


def status_of(stage_key: str) -> str:
    return stage_key if stage_key in (WON, LOST) else "open"


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str | None:
    value = without_nul(value)
    value = " ".join(value.split()) if field == "name" else value.strip()
    if not value:
        if required:
            raise InvalidChange("missing_name", field=field)
        return None
    if len(value) > limit:
        raise InvalidChange("too_long", field=field, limit=limit)
    return value

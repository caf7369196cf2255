"""The tables: deals, their append-only history, activity notes, and scheduled deliveries.

Every row carries `team_id` (one database may serve several workspaces); amounts are integers
in minor units next to an ISO 4217 currency; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import DealStatus, DeliveryKind, DeliveryStatus, EventKind, NoteKind, Source

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives back aware UTC datetimes.

    SQLite has no time zone type; PostgreSQL's timestamptz would do it natively, but one
    behaviour on both keeps the services simple.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum], column: str, length: int) -> Enum:
    """A VARCHAR of `length` holding the enum's values, with a CHECK named `ck_<table>_<column>`.

    Values, not member names, are stored (`open`, not `OPEN`), as they were before the enums.
    """
    return Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        create_constraint=True,
        validate_strings=True,
        name=column,
    )


def lookup_keys(name: str, company: str | None) -> tuple[str, str]:
    """The casefolded `name_key` and `search_key` stored with every deal."""
    return name.casefold(), f"{name}\n{company or ''}".casefold()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # casefolded copies for lookups: `name_key` for name prefixes (by index), `search_key`
    # (name and company) for /deal find without calling lower() on every row
    name_key: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(402))
    company: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    probability: Mapped[int] = mapped_column(Integer)
    close_date: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_due: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(100))
    competitors: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[DealStatus] = mapped_column(enum_column(DealStatus, "status", 8), default=DealStatus.OPEN)
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # stale-deal reminders (bot/services/reminders.py): no reminder before `snoozed_until`;
    # `reminded_at` is when the owner was last reminded of this deal
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snooze_reason: Mapped[str | None] = mapped_column(String(500))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def refresh_keys(self) -> None:
        self.name_key, self.search_key = lookup_keys(self.name, self.company)

    notes: Mapped[list[Note]] = relationship(
        back_populates="deal", order_by="Note.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API
    __table_args__ = (
        Index("ix_deals_team_name_key", "team_id", "name_key"),
        Index("ix_deals_team_search_key", "team_id", "search_key"),
        # one index per list filter, each holding the columns its query sorts by
        Index("ix_deals_team_stage_close", "team_id", "stage", "status", "close_date"),
        Index("ix_deals_team_owner_status", "team_id", "owner", "status", "close_date", "last_activity_at"),
        Index("ix_deals_team_status_close", "team_id", "status", "close_date"),
        Index("ix_deals_team_status_activity", "team_id", "status", "last_activity_at"),
    )


class DealEvent(Base):
    """One change to a deal: created, a field changed (stage, status, amount…), a note added."""

    __tablename__ = "deal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(32))
    source: Mapped[Source] = mapped_column(enum_column(Source, "source", 16))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "kind", 16))
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_deal_events_deal_id", "deal_id", "id"),
        Index("ix_deal_events_team_created", "team_id", "created_at"),
    )


class Note(Base):
    """An activity note on a deal: typed text or a transcribed voice memo."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(32))
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind, "kind", 8))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    duration_seconds: Mapped[float | None] = mapped_column()
    engine: Mapped[str | None] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    deal: Mapped[Deal] = relationship(back_populates="notes")

    __table_args__ = (Index("ix_notes_deal_id", "deal_id", "id"),)


class Delivery(Base):
    """One reminder or digest for one recipient and period: claimed before posting, then sent or failed.

    The unique key (team_id, kind, recipient, period) is what makes a scheduled message go out
    exactly once, whichever process (scheduler, CLI, a second instance) tries to send it.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[DeliveryKind] = mapped_column(enum_column(DeliveryKind, "kind", 16))
    recipient: Mapped[str] = mapped_column(String(32))  # a Slack user id (DM) or channel id
    period: Mapped[str] = mapped_column(String(16))  # reminder: local date; digest: ISO week
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, "status", 8))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())  # the moment the content describes
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("team_id", "kind", "recipient", "period", name="uq_deliveries_key"),
        Index("ix_deliveries_team_kind_status", "team_id", "kind", "status", "as_of"),
    )


class SeenRequest(Base):
    """A signed Slack request already handled: its signature's hash, so an exact replay is refused.

    Slack signs `v0:{timestamp}:{body}` and accepts a timestamp for five minutes, so a row is
    only needed for that window; older rows are pruned (bot/services/replays.py).
    """

    __tablename__ = "seen_requests"

    signature_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_seen_requests_seen_at", "seen_at"),)

"""Exactly-once delivery of scheduled messages (reminders, digests), kept in the `deliveries` table.

Before posting, a sender *claims* the key (team, kind, recipient, period): an
`INSERT … ON CONFLICT DO NOTHING`, so of any number of processes (the scheduler, the CLI, a
second instance, a restart) exactly one gets the claim; the others skip. After posting, the
claim is marked `sent`; a post that failed is marked `failed` with Slack's error, and a later
run for the same period may claim it again (up to `MAX_ATTEMPTS`). A claim left `claimed` by a
process that died while posting is never taken over: the message may have gone out, and
sending nothing is better than sending it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.clock import now as clock_now
from storage.db import Database
from storage.enums import DeliveryKind, DeliveryStatus
from storage.models import Delivery

MAX_ATTEMPTS = 5
MAX_ERROR = 200


@dataclass(frozen=True)
class Key:
    team_id: str
    kind: DeliveryKind
    recipient: str
    period: str


@dataclass(frozen=True)
class Claim:
    """The right to send one delivery, held by the process that got it."""

    id: int
    key: Key
    attempt: int


class Deliveries:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = clock_now) -> None:
        self.db = db
        self.clock = clock

    def claim(self, key: Key, as_of: datetime) -> Claim | None:
        """Claim `key` for sending content that describes `as_of`; None when another run has it."""
        moment = self.clock()
        values: dict[str, Any] = {
            "team_id": key.team_id,
            "kind": key.kind,
            "recipient": key.recipient,
            "period": key.period,
            "status": DeliveryStatus.CLAIMED,
            "attempts": 1,
            "as_of": as_of,
            "claimed_at": moment,
        }
        dialect: Any = sqlite if self.db.is_sqlite else postgresql
        insert = dialect.insert(Delivery).values(**values).on_conflict_do_nothing().returning(Delivery.id)
        with self.db.write() as session:
            inserted = session.execute(insert).scalar_one_or_none()
            if inserted is not None:
                return Claim(int(inserted), key, 1)
            # Taken already: only a failed attempt may be claimed again, and only by one run.
            retried = session.execute(
                update(Delivery)
                .where(
                    *self._match(key),
                    Delivery.status == DeliveryStatus.FAILED,
                    Delivery.attempts < MAX_ATTEMPTS,
                )
                .values(
                    status=DeliveryStatus.CLAIMED,
                    attempts=Delivery.attempts + 1,
                    as_of=as_of,
                    claimed_at=moment,
                    error=None,
                )
                .execution_options(synchronize_session=False)
            )
            if retried.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.execute(select(Delivery.id, Delivery.attempts).where(*self._match(key))).one()
            return Claim(int(row[0]), key, int(row[1]))

    def sent(self, claim: Claim, session: Session | None = None) -> None:
        """Mark the claim sent (in `session` when given, to commit with other writes)."""
        self._finish(claim, session, status=DeliveryStatus.SENT, sent_at=self.clock())

    def failed(self, claim: Claim, error: str) -> None:
        """Mark the claim failed; a later run for the same period may claim it again."""
        self._finish(claim, None, status=DeliveryStatus.FAILED, error=error[:MAX_ERROR])

    def status(self, key: Key) -> str | None:
        with self.db.read() as session:
            return session.scalar(select(Delivery.status).where(*self._match(key)))

    def previous_as_of(
        self, team_id: str, kind: DeliveryKind, period: str, before: datetime
    ) -> datetime | None:
        """The `as_of` of the latest `kind` sent for an earlier period than `period`, before `before`."""
        with self.db.read() as session:
            return session.scalar(
                select(func.max(Delivery.as_of)).where(
                    Delivery.team_id == team_id,
                    Delivery.kind == kind,
                    Delivery.status == DeliveryStatus.SENT,
                    Delivery.period != period,
                    Delivery.as_of < before,
                )
            )

    def _finish(self, claim: Claim, session: Session | None, **values: Any) -> None:
        statement = (
            update(Delivery)
            .where(Delivery.id == claim.id, Delivery.status == DeliveryStatus.CLAIMED)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if session is not None:
            session.execute(statement)
            return
        with self.db.write() as own:
            own.execute(statement)

    @staticmethod
    def _match(key: Key) -> tuple[Any, ...]:
        return (
            Delivery.team_id == key.team_id,
            Delivery.kind == key.kind,
            Delivery.recipient == key.recipient,
            Delivery.period == key.period,
        )

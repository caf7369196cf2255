"""Seen signed requests: the first delivery of a signature is handled, an exact replay is not.

Slack signs `v0:{timestamp}:{body}` and bolt accepts a timestamp within five minutes of now
(either way), so a captured request could be sent again, byte for byte, for up to ten
minutes. Every replica shares the `seen_requests` table: one `INSERT … ON CONFLICT DO NOTHING
RETURNING` says whether this signature is new, whichever replica saw it first. Slack's own
retries are signed afresh (new timestamp), so they are not replays.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from bot.clock import now
from storage.db import Database
from storage.models import SeenRequest

# A request signed at t verifies from t - 5 min to t + 5 min; keep rows past that, plus slack
# for clocks that differ between replicas.
SIGNATURE_WINDOW = timedelta(minutes=5)
KEEP_FOR = 2 * SIGNATURE_WINDOW + timedelta(minutes=1)
PRUNE_EVERY_SECONDS = 60.0


def signature_hash(signature: str) -> str:
    return hashlib.sha256(signature.encode()).hexdigest()


class SeenRequests:
    """Remembers request signatures for the replay window, in the shared database."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = now) -> None:
        self.db = db
        self.clock = clock
        # Straight to the driver (`Database.write_raw`): this runs for every signed request.
        placeholder = "?" if db.is_sqlite else "%s"
        self._insert = (
            f"INSERT INTO seen_requests (signature_hash, seen_at) VALUES ({placeholder}, {placeholder}) "
            "ON CONFLICT (signature_hash) DO NOTHING RETURNING signature_hash"
        )
        self._lock = threading.Lock()
        self._next_prune = 0.0  # monotonic; the first request of a process prunes

    def first_time(self, signature: str) -> bool:
        """Record `signature`; False when some replica has already recorded it (a replay).

        One statement, its own transaction, sent straight to the driver: this runs for every
        signed request, so it holds SQLite's write lock as briefly as possible.
        """
        moment = self.clock()
        if self._prune_due():
            self.db.write_one(delete(SeenRequest).where(SeenRequest.seen_at < moment - KEEP_FOR))
        return bool(self.db.write_raw(self._insert, (signature_hash(signature), self._stored(moment))))

    def _stored(self, moment: datetime) -> object:
        """The moment as the `seen_at` column holds it (SQLite: SQLAlchemy's UTC text form)."""
        utc = moment.astimezone(UTC)
        return utc.replace(tzinfo=None).isoformat(" ", timespec="microseconds") if self.db.is_sqlite else utc

    def _prune_due(self) -> bool:
        """Opportunistic pruning: at most once a minute per process, by the request that notices."""
        with self._lock:
            if time.monotonic() < self._next_prune:
                return False
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            return True

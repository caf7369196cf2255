"""PostgreSQL advisory locks for one dealbot schema: the migration lock and the scheduler's.

Each lock is keyed by what it guards and the connection's schema (`dealbot.<purpose>:<schema>`,
hashed to the signed 64 bits PostgreSQL wants), so two dealbot databases in one cluster, or
two schemas in one database (as the tests use), never wait on each other. The locks are
session-level: they outlive transactions and end with the connection at the latest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text


def advisory_key(purpose: str, schema: str) -> int:
    """The signed 64-bit key of `purpose`'s lock in `schema`."""
    digest = hashlib.sha256(f"dealbot.{purpose}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """The `purpose` lock of the schema `connection` works in, taken and freed on that connection."""

    def __init__(self, connection: Connection, purpose: str) -> None:
        self.connection = connection
        schema = connection.execute(text("SELECT current_schema()")).scalar() or "public"
        self.key = advisory_key(purpose, schema)

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""
        return bool(self._call("pg_try_advisory_lock"))

    def acquire(self) -> None:
        """Take the lock, waiting for the session that holds it to free it."""
        self._call("pg_advisory_lock")

    def release(self) -> None:
        self._call("pg_advisory_unlock")

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (waiting for it first)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def _call(self, function: str) -> object:
        result = self.connection.execute(text(f"SELECT {function}(:key)"), {"key": self.key}).scalar()
        self.connection.commit()  # the lock belongs to the session: no transaction holds it open
        return result

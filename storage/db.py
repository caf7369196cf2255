"""The engine, transactions, and schema upgrades.

SQLite gets WAL, a busy timeout and foreign keys, and write transactions start with
`BEGIN IMMEDIATE`, so two writers queue instead of one failing mid-transaction.
PostgreSQL (`postgresql+psycopg://…`): processes started together migrate one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Executable, Row, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.locks import AdvisoryLock

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Enough pooled connections for every HTTP thread, worker and job: an overflow
        # connection is closed when returned, and reopening one re-runs the PRAGMAs each time.
        if parsed.database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, so writes can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # each statement is its own transaction (see Database.write_one)
        conn.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


class Database:
    """Hands out sessions: `read()` for queries, `write()` for a unit of work that commits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in
        # growing steps (busy_timeout) before it tries again: under a burst, those sleeps were
        # the slowest requests. This process's writers wait their turn on a lock instead; other
        # processes on the same file still meet the busy timeout.
        self._writers_queue: AbstractContextManager[Any] = (
            threading.RLock() if self.is_sqlite else nullcontext()
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writers_queue, self._writer() as session, session.begin():
            yield session

    def write_one(self, statement: Executable) -> Sequence[Row[Any]]:
        """One statement that is a whole transaction by itself (e.g. INSERT … ON CONFLICT …
        RETURNING), sent without BEGIN and COMMIT: on SQLite that is one call into the database
        instead of three, so the write lock is held for as short a time as it can be."""
        with self._writers_queue, self._autocommit.connect() as connection:
            result = connection.execute(statement)
            return result.all() if result.returns_rows else []

    def write_raw(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """One statement straight to the driver, in its own transaction (the driver's paramstyle,
        values already in the column's stored form). For the one write every request makes (the
        replay guard), where SQLAlchemy's statement handling costs ten times the statement."""
        with self._writers_queue:
            connection = self.engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(sql, parameters)
                rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
                cursor.close()
                connection.commit()
                return rows
            finally:
                connection.close()

    def ping(self) -> None:
        """One round trip (`SELECT 1`); raises when the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def upgrade(self) -> None:
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (the program does this on start).

    On PostgreSQL, processes started together (replicas, workers) take turns through an advisory
    lock per schema: the first migrates, the others then find the schema up to date. Without it
    they race to create the same tables, and those that lose crash on a fresh database.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as connection, AdvisoryLock(connection, "migrations").held():
        command.upgrade(alembic_config(engine), revision)

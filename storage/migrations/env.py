"""Alembic environment: runs migrations on the engine dealbot hands over (storage.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import storage.memos  # noqa: F401  (registers memo_jobs on Base.metadata)
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: take the URL from the config
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///dealbot.db")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A migration that rebuilds a table (batch mode) drops the old one: with foreign keys
            # on, SQLite would cascade that drop into every child row. The pragma only takes
            # effect outside a transaction, hence the driver connection before anything begins.
            _foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left rows whose parent is gone: {broken[:5]}")
        connection.commit()
        if sqlite:
            _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")  # type: ignore[union-attr]


run_migrations_online()

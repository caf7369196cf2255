"""Alembic environment: runs migrations on the engine dealbot hands over (storage.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.memos  # noqa: F401  (registers memo_jobs on Base.metadata)
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: take the URL from the config
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///dealbot.db")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

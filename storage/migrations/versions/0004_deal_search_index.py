"""deal search index: /deal find by substring without scanning every deal

SQLite: an FTS5 table with the trigram tokenizer over deals.search_key, kept in step by
triggers. PostgreSQL: a pg_trgm GIN index on deals.search_key, which LIKE '%…%' uses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.search_index import SQLITE_DOWN, SQLITE_UP

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        available = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        if available is None:
            log.warning("pg_trgm is not available: /deal find will scan deals instead of using an index")
            return
        _create_trigram_extension(bind)
        # The extension may live in another schema than ours (e.g. public): name it fully.
        where = bind.execute(
            sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
        ).scalar_one()
        op.execute(f"CREATE INDEX ix_deals_search_trgm ON deals USING gin (search_key {where}.gin_trgm_ops)")


def _create_trigram_extension(bind: sa.Connection) -> None:
    """In `public` where we may: an extension created in a schema is dropped with it, and with it
    the trigram index of every other schema (tenants or tests that share the database)."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except sa.exc.DBAPIError:  # no `public`, or no right to create in it: our own schema then
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_deals_search_trgm")

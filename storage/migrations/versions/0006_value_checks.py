"""value checks: statuses, event kinds and sources hold only the values dealbot knows

A CHECK on each column whose values are a closed set (see `storage/enums.py`): a row written by
hand, by another tool or by a bug with any other value is refused by the database itself.
The value lists are written out here, as they are at this revision: a later enum member needs
its own migration.

SQLite cannot add a constraint to a table: each table is rebuilt (Alembic's batch mode), with
foreign keys off during the migration (see env.py), and the deals table's search triggers,
which SQLite drops with the table, are created again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage.search_index import SQLITE_REBUILD, SQLITE_TRIGGERS

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "deals": {"status": ("open", "won", "lost")},
    "deal_events": {
        "kind": ("created", "changed", "note"),
        "source": ("slash", "modal", "button", "voice", "import", "cli", "scheduler"),
    },
    "notes": {"kind": ("text", "voice")},
    "memo_jobs": {"status": ("queued", "running", "awaiting_deal", "done", "failed", "ignored")},
    "deliveries": {"kind": ("reminder", "digest"), "status": ("claimed", "sent", "failed")},
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in CHECKS.items():
        if not sqlite:
            for column, values in columns.items():
                op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, _condition(column, values))
            continue
        with op.batch_alter_table(table, recreate="always") as batch:
            for column, values in columns.items():
                batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _condition(column, values))
    if sqlite:
        for statement in (*SQLITE_TRIGGERS, SQLITE_REBUILD):
            op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in CHECKS.items():
        if not sqlite:
            for column in columns:
                op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
            continue
        with op.batch_alter_table(table, recreate="always") as batch:
            for column in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
    if sqlite:
        for statement in (*SQLITE_TRIGGERS, SQLITE_REBUILD):
            op.execute(statement)

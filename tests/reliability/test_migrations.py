"""Upgrades keep every row: a database made by any earlier release upgrades to head unchanged.

For each revision Alembic knows (read from its script directory, so a new migration is covered
the day it lands), a fresh database is created at that revision, filled with realistic rows for
the tables it has then (unicode names, yen and euro amounts, lost deals, voice notes, memo jobs,
deliveries), and upgraded to head. Every row must come back with the same values, the columns
added since must hold their defaults, the app must read, search and write the old rows, and a
second upgrade must change nothing. SQLite and PostgreSQL.

Also: SQLite's online backup (docs/backups.md) taken while the bot writes is a consistent,
upgradable database.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, insert, inspect, select, text

from bot.app import deal_service
from bot.services.fields import DealFields, Ref
from bot.settings import Settings
from storage.db import MIGRATIONS, Database, make_engine, upgrade
from storage.models import Base, lookup_keys
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM

OTHER_TEAM = "T0OTHER"


def revisions() -> list[str]:
    """Every revision from the first to head, in the order they apply."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    return [revision.revision for revision in reversed(list(script.walk_revisions("base", "heads")))]


REVISIONS = revisions()
HEAD = REVISIONS[-1]


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 30, 15, 123456, tzinfo=UTC)


def deal(id_: int, team: str, name: str, company: str | None, **fields: Any) -> dict[str, Any]:
    name_key, search_key = lookup_keys(name, company)
    row: dict[str, Any] = {
        "id": id_,
        "team_id": team,
        "name": name,
        "name_key": name_key,
        "search_key": search_key,
        "company": company,
        "owner": REP,
        "stage": "lead",
        "amount": None,
        "currency": "USD",
        "probability": 10,
        "close_date": None,
        "next_step": None,
        "next_step_due": None,
        "source": None,
        "competitors": None,
        "status": "open",
        "lost_reason": None,
        "created_by": REP,
        "created_at": at(2),
        "updated_at": at(10),
        "last_activity_at": at(10),
        "version": 1,
        "snoozed_until": None,
        "snooze_reason": None,
        "reminded_at": None,
    }
    row.update(fields)
    return row


def event(id_: int, deal_id: int, kind: str, created: datetime, **fields: Any) -> dict[str, Any]:
    row = {"id": id_, "team_id": TEAM, "deal_id": deal_id, "actor": REP, "source": "slash", "kind": kind}
    row.update({"field": None, "old_value": None, "new_value": None, "created_at": created})
    row.update(fields)
    return row


# Realistic rows for every table, every column (a column a revision lacks is left out there).
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "deals": [
        deal(
            1,
            TEAM,
            "山田商事 更新",
            "山田商事株式会社",
            stage="negotiation",
            amount=500_000_000,  # ¥500,000,000 (JPY has no minor unit)
            currency="JPY",
            probability=70,
            close_date=date(2026, 12, 15),
            next_step="見積書を送付",
            next_step_due=date(2026, 12, 1),
            source="紹介",
            competitors="Salesforce, HubSpot",
            version=4,
            snoozed_until=at(30, 15),
            snooze_reason="決裁待ち",
            reminded_at=at(20),
        ),
        deal(
            2,
            TEAM,
            "Café Crème — Ünïcödé 🚀",
            "Zenith GmbH",
            owner=OTHER_REP,
            stage="lost",
            status="lost",
            amount=1_234_567,  # €12,345.67
            currency="EUR",
            probability=0,
            lost_reason="went with a cheaper vendor <@U0BOSS> & <!here>",
            version=3,
        ),
        deal(3, OTHER_TEAM, "Ω Omega & <Sons>", None, created_by=MANAGER, owner=MANAGER, version=1),
    ],
    "deal_events": [
        event(1, 1, "created", at(2), new_value="山田商事 更新"),
        event(2, 1, "changed", at(5), field="amount", old_value="4000000 JPY", new_value="500000000 JPY"),
        event(3, 1, "note", at(6), source="voice", new_value="予算は承認済み"),
        event(4, 2, "created", at(2), actor=OTHER_REP, new_value="Café Crème — Ünïcödé 🚀"),
        event(5, 2, "changed", at(9), actor=OTHER_REP, field="stage", old_value="proposal", new_value="lost"),
        event(6, 3, "created", at(3), team_id=OTHER_TEAM, actor=MANAGER, new_value="Ω Omega & <Sons>"),
    ],
    "notes": [
        {
            "id": 1,
            "team_id": TEAM,
            "deal_id": 1,
            "author": REP,
            "kind": "text",
            "text": "商談メモ：部長と面談 👍\n次回は来週金曜",
            "language": None,
            "duration_seconds": None,
            "engine": None,
            "model": None,
            "created_at": at(4),
        },
        {
            "id": 2,
            "team_id": TEAM,
            "deal_id": 1,
            "author": REP,
            "kind": "voice",
            "text": "予算は承認済みです。契約は12月15日の予定。",
            "language": "ja",
            "duration_seconds": 12.5,
            "engine": "faster-whisper",
            "model": "base",
            "created_at": at(6),
        },
    ],
    "deliveries": [
        {
            "id": 1,
            "team_id": TEAM,
            "kind": "reminder",
            "recipient": REP,
            "period": "2026-11-20",
            "status": "sent",
            "attempts": 1,
            "as_of": at(20),
            "claimed_at": at(20),
            "sent_at": at(20, 10),
            "error": None,
        },
        {
            "id": 2,
            "team_id": TEAM,
            "kind": "digest",
            "recipient": MANAGER,
            "period": "2026-W47",
            "status": "failed",
            "attempts": 2,
            "as_of": at(23),
            "claimed_at": at(23),
            "sent_at": None,
            "error": "channel_not_found",
        },
    ],
    "memo_jobs": [
        {
            "id": 1,
            "team_id": TEAM,
            "file_id": "F0MEMO1",
            "user_id": REP,
            "channel_id": "D0REP",
            "message_ts": "1732400100.000200",
            "message_text": "#1 の件",
            "file_name": "録音.m4a",
            "mimetype": "audio/mp4",
            "size": 48_213,
            "deal_id": 1,
            "status": "done",
            "attempts": 1,
            "lease_until": None,
            "worker": "host:123/memo-worker-0",
            "error": None,
            "transcript": "予算は承認済みです。契約は12月15日の予定。",
            "language": "ja",
            "duration_seconds": 12.5,
            "engine": "faster-whisper",
            "model": "base",
            "note_id": 2,
            "created_at": at(6),
            "updated_at": at(6),
        },
        {
            "id": 2,
            "team_id": TEAM,
            "file_id": "F0MEMO2",
            "user_id": OTHER_REP,
            "channel_id": None,
            "message_ts": None,
            "message_text": None,
            "file_name": None,
            "mimetype": None,
            "size": None,
            "deal_id": None,
            "status": "queued",
            "attempts": 0,
            "lease_until": None,
            "worker": None,
            "error": None,
            "transcript": None,
            "language": None,
            "duration_seconds": None,
            "engine": None,
            "model": None,
            "note_id": None,
            "created_at": at(23),
            "updated_at": at(23),
        },
    ],
    "seen_requests": [{"signature_hash": "ab" * 32, "seen_at": at(23, 12)}],
}


def utc(value: Any) -> Any:
    """Datetimes compared in UTC (SQLite gives them back naive, PostgreSQL aware)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine, only=[name for name in SAMPLES if inspect(engine).has_table(name)])
    return metadata


def fill(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Insert the samples into the tables this revision has, with the columns it has."""
    metadata = reflect(engine)
    inserted: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = [{column.key: row[column.key] for column in table.columns} for row in SAMPLES[table.name]]
            connection.execute(insert(table), rows)
            inserted[table.name] = rows
        if engine.dialect.name == "postgresql":
            # as if the rows had been inserted by the app: the id sequences are past them
            for name in inserted:
                if "id" in metadata.tables[name].columns:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
    return inserted


def rows_at_head(engine: Engine, name: str) -> list[dict[str, Any]]:
    table = reflect(engine).tables[name]
    with engine.connect() as connection:
        result = connection.execute(select(table).order_by(*table.primary_key))
        return [{key: utc(value) for key, value in row._mapping.items()} for row in result]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


def test_the_samples_cover_every_table_and_column_of_the_models() -> None:
    assert set(SAMPLES) == {table.name for table in Base.metadata.sorted_tables}
    for table in Base.metadata.sorted_tables:
        for row in SAMPLES[table.name]:
            assert set(row) == set(table.columns.keys()), table.name


def test_revisions_run_from_the_first_migration_to_head() -> None:
    assert REVISIONS[0] == "0001" and len(REVISIONS) >= 5
    assert len(set(REVISIONS)) == len(REVISIONS)


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_database_from_every_release_upgrades_to_head_with_every_row_intact(
    engine: Engine, revision: str
) -> None:
    upgrade(engine, revision)
    inserted = fill(engine)
    upgrade(engine, "head")

    head_columns = {name: {c["name"]: c for c in inspect(engine).get_columns(name)} for name in SAMPLES}
    lost, changed, bad_defaults = [], [], []
    for name, rows in inserted.items():
        after = rows_at_head(engine, name)
        if len(after) != len(rows):
            lost.append(f"{name}: {len(rows)} rows → {len(after)}")
            continue
        for before, now in zip(rows, after, strict=True):
            if {key: utc(value) for key, value in before.items()} != {key: now[key] for key in before}:
                changed.append(f"{name}: {before} → {now}")
            for column in set(now) - set(before):  # added by a later migration
                default = head_columns[name][column]["default"]
                if (now[column] is None) != (default is None):
                    bad_defaults.append(f"{name}.{column} = {now[column]!r}, server default {default!r}")
    assert (lost, changed, bad_defaults) == ([], [], [])
    assert sum(len(rows) for rows in inserted.values()) >= 6
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_app_reads_searches_and_writes_deals_made_before_the_upgrade(
    engine: Engine, revision: str, settings: Settings
) -> None:
    upgrade(engine, revision)
    fill(engine)
    db = Database(engine)
    db.upgrade()
    deals = deal_service(db, settings)

    old = deals.get(TEAM, 1)
    expected = ("山田商事 更新", 500_000_000, "JPY", at(2))
    assert (old.name, old.amount, old.currency, old.created_at) == expected
    assert deals.resolve(TEAM, Ref(text="山田")).id == 1
    assert [d.id for d in deals.find(TEAM, "zenith").deals] == [2]  # the search index covers old rows
    assert [d.id for d in deals.find(TEAM, "商事株式").deals] == [1]
    assert deals.find(OTHER_TEAM, "zenith").deals == []
    assert deals.details(TEAM, 1).note_count == 2

    deals.add_note(TEAM, REP, 1, "アップグレード後のメモ", source="slash")
    new = deals.create(TEAM, REP, DealFields(name="After upgrade", company="Zenith Two"), source="slash").deal
    assert new.id == 4
    assert {d.id for d in deals.find(TEAM, "zenith").deals} == {2, 4}
    assert deals.details(TEAM, 1).note_count == 3


def columns(engine: Engine) -> dict[str, list[tuple[str, str, bool, Any]]]:
    found = inspect(engine)
    return {
        name: [(c["name"], str(c["type"]), c["nullable"], c["default"]) for c in found.get_columns(name)]
        for name in SAMPLES
    }


@pytest.mark.parametrize("revision", [REVISIONS[0]])
def test_upgrading_twice_changes_nothing(engine: Engine, revision: str) -> None:
    upgrade(engine, revision)
    fill(engine)
    db = Database(engine)
    db.upgrade()
    first = {name: rows_at_head(engine, name) for name in SAMPLES}
    schema = columns(engine)
    db.upgrade()
    assert {name: rows_at_head(engine, name) for name in SAMPLES} == first
    assert columns(engine) == schema
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD


# --- SQLite's online backup, as docs/backups.md says to take it ---------------------------------

BACKUP_ONE_LINER = (
    "import sqlite3; src = sqlite3.connect('dealbot.db'); dst = sqlite3.connect('backup.db'); "
    "src.backup(dst); dst.close(); src.close()"
)


def test_the_documented_backup_one_liner_is_the_one_in_the_docs() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "backups.md").read_text()
    assert BACKUP_ONE_LINER in docs
    assert """sqlite3 dealbot.db ".backup 'backup.db'\"""" in docs


@pytest.mark.parametrize("tool", ["python", "sqlite3"])
def test_an_online_sqlite_backup_taken_while_the_bot_writes_is_consistent(tmp_path: Path, tool: str) -> None:
    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    db = Database.from_url(url)
    db.upgrade()
    deals = deal_service(db, settings)
    for number in range(200):
        deals.create(TEAM, REP, DealFields(name=f"既存の案件 {number}", company="Zenith"), source="slash")
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        while not stop.is_set():
            deal = deals.create(TEAM, REP, DealFields(name=f"書き込み中 {len(written)}"), source="slash").deal
            deals.add_note(TEAM, REP, deal.id, "メモ", source="slash")
            written.append(deal.id)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 20:  # the writer is in full swing
            stop.wait(0.01)
        command = (
            [sys.executable, "-c", BACKUP_ONE_LINER]
            if tool == "python"
            else [
                "sqlite3",
                "dealbot.db",
                ".backup 'backup.db'",
            ]
        )
        subprocess.run(command, cwd=tmp_path, check=True, timeout=60)
        at_backup = len(written)
        while len(written) < at_backup + 20:  # and it keeps writing after the backup
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join()
    db.dispose()

    backup = make_engine(f"sqlite:///{tmp_path / 'backup.db'}")
    with backup.connect() as connection:
        assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
        connection.execute(text("INSERT INTO deals_search(deals_search) VALUES ('integrity-check')"))
        deals_in_backup = connection.scalar(text("SELECT count(*) FROM deals"))
        created = connection.scalar(text("SELECT count(*) FROM deal_events WHERE kind = 'created'"))
        # a snapshot: each deal with its history, each written deal with its note or not yet
        assert deals_in_backup == created
        assert 200 + 20 <= int(deals_in_backup or 0) < 200 + len(written)
    restored = Database(backup)
    restored.upgrade()
    with restored.read() as session:
        restored_deals = session.scalar(select(func.count()).select_from(Base.metadata.tables["deals"]))
    assert restored_deals == deals_in_backup
    found = deal_service(restored, settings).find(TEAM, "既存の案件 19").deals
    assert {deal.name for deal in found} == {"既存の案件 19", *(f"既存の案件 {n}" for n in range(190, 200))}
    restored.dispose()

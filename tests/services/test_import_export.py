"""CSV/JSON export and CSV import against real databases: SQLite always, PostgreSQL when
DEALBOT_TEST_POSTGRES_URL names a server (each test gets its own schema there)."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bot.errors import ImportRejected
from bot.pipeline import Pipeline
from bot.services import exports, imports
from bot.services.deals import DealService
from bot.services.exports import export_deals
from bot.services.fields import DealFields
from bot.services.imports import import_deals
from storage.db import Database, upgrade
from storage.models import Deal, DealEvent

TEAM = "T0001"
ACTOR = "U0ACTOR"
MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
POSTGRES_URL = os.environ.get("DEALBOT_TEST_POSTGRES_URL")


def fixed_clock() -> datetime:
    return MOMENT


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database.from_url(f"sqlite:///{tmp_path / 'dealbot.db'}")
        upgrade(database.engine)
        yield database
        database.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("DEALBOT_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database.from_url(url.render_as_string(hide_password=False))
    try:
        upgrade(database.engine)
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_import(db: Database, content: str, **kwargs: object) -> imports.ImportResult:
    options: dict[str, object] = {
        "team_id": TEAM,
        "actor": ACTOR,
        "pipeline": Pipeline.default(),
        "default_currency": "USD",
        "clock": fixed_clock,
    }
    options.update(kwargs)
    return import_deals(db, io.StringIO(content), **options)  # type: ignore[arg-type]


def export_json(db: Database, team_id: str | None = None) -> list[dict[str, object]]:
    out = io.StringIO()
    export_deals(db, out, "json", team_id=team_id)
    result: list[dict[str, object]] = json.loads(out.getvalue())
    return result


def count(db: Database, model: type[Deal] | type[DealEvent]) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


ROUND_TRIP_CSV = (
    "name,company,owner,stage,amount,currency,probability,close_date,next_step,next_step_due,status\n"
    '東京ガス 契約更新,東京ガス株式会社,U012ABC,proposal,"5,000,000",JPY,,'
    "2026-04-30,見積書を送る,2026-03-10,\n"
    "Acme renewal,Acme Inc.,,negotiation,1250.50,usd,65,,,,\n"
    "Globex,,U0BOB,won,60000,,,2026-01-15,,,won\n"
    "Initech,,,,,,,,,,\n"
)


# --- round trip -----------------------------------------------------------------------


def test_imported_deals_export_to_json_with_the_same_values(db: Database) -> None:
    result = run_import(db, ROUND_TRIP_CSV)

    assert result.created == 4
    deals = export_json(db)
    picked = [
        {key: deal[key] for key in ("name", "company", "owner", "stage", "amount", "currency")}
        | {key: deal[key] for key in ("probability", "close_date", "next_step", "next_step_due", "status")}
        for deal in deals
    ]
    assert picked == [
        {
            "name": "東京ガス 契約更新",
            "company": "東京ガス株式会社",
            "owner": "U012ABC",
            "stage": "proposal",
            "amount": 5000000,
            "currency": "JPY",
            "probability": 50,
            "close_date": "2026-04-30",
            "next_step": "見積書を送る",
            "next_step_due": "2026-03-10",
            "status": "open",
        },
        {
            "name": "Acme renewal",
            "company": "Acme Inc.",
            "owner": ACTOR,
            "stage": "negotiation",
            "amount": 1250.5,
            "currency": "USD",
            "probability": 65,
            "close_date": None,
            "next_step": None,
            "next_step_due": None,
            "status": "open",
        },
        {
            "name": "Globex",
            "company": None,
            "owner": "U0BOB",
            "stage": "won",
            "amount": 60000,
            "currency": "USD",
            "probability": 100,
            "close_date": "2026-01-15",
            "next_step": None,
            "next_step_due": None,
            "status": "won",
        },
        {
            "name": "Initech",
            "company": None,
            "owner": ACTOR,
            "stage": "lead",
            "amount": None,
            "currency": "USD",
            "probability": 10,
            "close_date": None,
            "next_step": None,
            "next_step_due": None,
            "status": "open",
        },
    ]


def test_import_stores_minor_units_and_casefolded_name_keys(db: Database) -> None:
    run_import(db, 'name,amount,currency\nACME Deal,"1,250.50",USD\n大口案件,5000000,JPY\n')

    with db.read() as session:
        rows = session.execute(select(Deal.name_key, Deal.amount, Deal.version).order_by(Deal.id)).all()
    assert [tuple(row) for row in rows] == [("acme deal", 125050, 1), ("大口案件", 5000000, 1)]


def test_json_export_keeps_japanese_text_readable(db: Database) -> None:
    run_import(db, "name\n東京ガス\n")
    out = io.StringIO()

    export_deals(db, out, "json")

    assert "東京ガス" in out.getvalue()


# --- export contract ------------------------------------------------------------------


def test_json_export_has_exactly_the_contract_keys_and_types(db: Database) -> None:
    run_import(db, "name,amount,close_date\nAcme,1250.50,2026-04-30\n")

    [deal] = export_json(db)

    assert list(deal) == [
        "id",
        "name",
        "company",
        "owner",
        "stage",
        "amount",
        "currency",
        "probability",
        "close_date",
        "next_step",
        "next_step_due",
        "status",
        "lost_reason",
        "created_at",
        "updated_at",
        "team_id",
        "notes",
    ]
    assert isinstance(deal["id"], int)
    assert deal["amount"] == 1250.5
    assert isinstance(deal["probability"], int)
    assert deal["close_date"] == "2026-04-30"
    assert deal["status"] == "open"
    assert deal["lost_reason"] is None
    assert deal["team_id"] == TEAM
    assert deal["notes"] == []
    for key in ("created_at", "updated_at"):
        stamp = datetime.fromisoformat(str(deal[key]))
        assert stamp == MOMENT
        assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_whole_amounts_export_as_json_integers(db: Database) -> None:
    run_import(db, "name,amount,currency\nA,60000,USD\nB,60000.00,USD\nC,5000000,JPY\n")

    amounts = [deal["amount"] for deal in export_json(db)]

    assert amounts == [60000, 60000, 5000000]
    assert all(type(amount) is int for amount in amounts)


def test_json_export_includes_notes_oldest_first(db: Database) -> None:
    run_import(db, "name\nAcme\nGlobex\n")
    deals = DealService(db, Pipeline.default(), clock=fixed_clock)
    [acme, globex] = [deal["id"] for deal in export_json(db)]
    assert isinstance(acme, int) and isinstance(globex, int)
    deals.add_note(TEAM, "U0MARIA", acme, "first call went well", source="cli")
    deals.add_note(TEAM, "U0KEN", acme, "予算は来月確定", source="cli", kind="voice")

    exported = export_json(db)

    assert exported[0]["notes"] == [
        {
            "text": "first call went well",
            "kind": "text",
            "author": "U0MARIA",
            "created_at": MOMENT.isoformat(),
        },
        {"text": "予算は来月確定", "kind": "voice", "author": "U0KEN", "created_at": MOMENT.isoformat()},
    ]
    assert exported[1]["notes"] == []


def test_export_pages_through_deals_with_one_notes_query_per_page(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(db, "name\n" + "".join(f"Deal {n}\n" for n in range(5)))
    deals = DealService(db, Pipeline.default(), clock=fixed_clock)
    for deal_id in range(1, 6):
        deals.add_note(TEAM, ACTOR, deal_id, f"note on {deal_id}", source="cli")
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        exported = export_json(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert [deal["name"] for deal in exported] == [f"Deal {n}" for n in range(5)]
    assert [deal["notes"][0]["text"] for deal in exported] == [f"note on {n}" for n in range(1, 6)]  # type: ignore[index]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3 + 3 + 1  # 3 pages of deals, 3 notes queries, 1 empty page


def test_export_of_one_team_leaves_other_teams_out(db: Database) -> None:
    run_import(db, "name\nOurs\n")
    run_import(db, "name\nTheirs\n", team_id="T0OTHER")

    assert [deal["name"] for deal in export_json(db, team_id=TEAM)] == ["Ours"]
    assert [deal["name"] for deal in export_json(db)] == ["Ours", "Theirs"]


def test_csv_export_has_a_header_and_major_unit_amounts(db: Database) -> None:
    run_import(db, "name,amount,currency,stage\nAcme,1250.5,USD,proposal\n東京,5000000,JPY,\nNone,,,\n")
    out = io.StringIO()

    written = export_deals(db, out, "csv")

    assert written == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert [(row["name"], row["amount"], row["currency"]) for row in rows] == [
        ("Acme", "1250.50", "USD"),
        ("東京", "5000000", "JPY"),
        ("None", "", "USD"),
    ]
    assert rows[0]["stage"] == "proposal"
    assert rows[0]["created_at"] == MOMENT.isoformat()
    assert rows[0]["team_id"] == TEAM


def test_export_of_an_empty_database_is_an_empty_list(db: Database) -> None:
    out = io.StringIO()

    assert export_deals(db, out, "json") == 0
    assert json.loads(out.getvalue()) == []


# --- import rules ---------------------------------------------------------------------


def test_a_won_or_lost_status_moves_an_open_stage_to_that_stage(db: Database) -> None:
    run_import(db, "name,stage,status\nAcme,proposal,Won\nGlobex,qualified,lost\n")

    deals = export_json(db)

    assert [(d["stage"], d["status"], d["probability"]) for d in deals] == [
        ("won", "won", 100),
        ("lost", "lost", 0),
    ]


def test_stage_is_case_insensitive_and_empty_stage_is_the_first(db: Database) -> None:
    run_import(db, "stage,name\nNegotiation,Acme\n,Globex\n")

    assert [deal["stage"] for deal in export_json(db)] == ["negotiation", "lead"]


def test_import_records_a_created_event_per_deal(db: Database) -> None:
    run_import(db, "name\nAcme\n")

    with db.read() as session:
        [created] = session.scalars(select(DealEvent)).all()
    assert (created.kind, created.source, created.actor, created.new_value) == (
        "created",
        "import",
        ACTOR,
        "Acme",
    )
    assert created.team_id == TEAM
    assert created.created_at == MOMENT


def test_import_accepts_a_byte_order_mark_and_crlf_line_ends(db: Database) -> None:
    result = run_import(db, '\ufeffName,Amount\r\nAcme,"60,000"\r\n\r\nGlobex,10\r\n')

    assert result.created == 2
    assert [(d["name"], d["amount"]) for d in export_json(db)] == [("Acme", 60000), ("Globex", 10)]


BAD_ROWS = [
    pytest.param(
        "name,amount\nOk,1\nBad,abc\n", 3, "amount", "amount 'abc' is not a number", id="bad-amount"
    ),
    pytest.param("name,amount,currency\nOk,1,USD\nBad,10.5,JPY\n", 3, "amount", "JPY allows", id="yen-cents"),
    pytest.param(
        "name,stage\nOk,lead\nBad,foo\n",
        3,
        "stage",
        "stage 'foo' is not one of lead, qualified, proposal, negotiation, won, lost",
        id="unknown-stage",
    ),
    pytest.param(
        "name,close_date\nOk,2026-01-01\nBad,2026/01/02\n",
        3,
        "close_date",
        "close_date '2026/01/02' is not a date in the form YYYY-MM-DD",
        id="bad-date",
    ),
    pytest.param("name,close_date\nOk,\nBad,2026-02-30\n", 3, "close_date", "2026-02-30", id="no-such-day"),
    pytest.param(
        "name,probability\nOk,5\nBad,150\n", 3, "probability", "not between 0 and 100", id="prob-range"
    ),
    pytest.param(
        "name,probability\nOk,5\nBad,high\n", 3, "probability", "not a whole number", id="prob-text"
    ),
    pytest.param("name,company\nOk,A\n,B\n", 3, "name", "name is empty", id="missing-name"),
    pytest.param("name\nOk\n" + "x" * 201 + "\n", 3, "name", "longer than 200", id="long-name"),
    pytest.param(
        "name,currency\nOk,USD\nBad,XYZ\n", 3, "currency", "'XYZ' is not an ISO 4217", id="currency"
    ),
    pytest.param("name,owner\nOk,U012ABC\nBad,bob\n", 3, "owner", "not a Slack user id", id="owner"),
    pytest.param(
        "name,stage,status\nOk,lead,open\nBad,won,open\n",
        3,
        "status",
        "status 'open' contradicts stage 'won'",
        id="status-open-stage-won",
    ),
    pytest.param("name,stage,status\nOk,,\nBad,lost,won\n", 3, "status", "contradicts", id="won-vs-lost"),
    pytest.param("name,status\nOk,\nBad,maybe\n", 3, "status", "is not one of open, won, lost", id="status"),
    pytest.param("name,amount\nOk,1\nBad,1,extra\n", 3, None, "has no name", id="extra-cell"),
    pytest.param(
        "name,colour,size\nOk,red,1\n", 1, None, "unknown columns 'colour', 'size'", id="unknown-columns"
    ),
    pytest.param("company\nAcme\n", 1, "name", "name column is required", id="no-name-column"),
    pytest.param("name,Name\nA,B\n", 1, "name", "more than once", id="duplicate-column"),
    pytest.param("", 1, None, "first row must name the columns", id="empty-file"),
]


@pytest.mark.parametrize(("content", "row", "column", "reason"), BAD_ROWS)
def test_a_bad_row_rejects_the_whole_file_and_says_where(
    db: Database, content: str, row: int, column: str | None, reason: str
) -> None:
    with pytest.raises(ImportRejected) as caught:
        run_import(db, content)

    assert (caught.value.row, caught.value.column) == (row, column)
    assert reason in caught.value.reason
    assert count(db, Deal) == 0
    assert count(db, DealEvent) == 0


def test_row_numbers_count_blank_lines_like_a_spreadsheet(db: Database) -> None:
    with pytest.raises(ImportRejected) as caught:
        run_import(db, "name,amount\nOk,1\n\n,,\nBad,x\n")

    assert caught.value.row == 5


def test_rejection_message_names_row_and_column(db: Database) -> None:
    with pytest.raises(ImportRejected) as caught:
        run_import(db, "name,amount\nBad,abc\n")

    assert str(caught.value).startswith("row 2, column amount: amount 'abc' is not a number")


def test_imported_ids_follow_existing_deals_and_later_deals_get_fresh_ids(db: Database) -> None:
    service = DealService(db, Pipeline.default(), clock=fixed_clock)
    before = service.create(TEAM, ACTOR, DealFields(name="Before"), source="slash").deal

    run_import(db, "name\nA\nB\n")
    after = service.create(TEAM, ACTOR, DealFields(name="After"), source="slash").deal

    deals = export_json(db)
    assert [deal["name"] for deal in deals] == ["Before", "A", "B", "After"]
    assert deals[0]["id"] == before.id and deals[-1]["id"] == after.id
    assert len({deal["id"] for deal in deals}) == 4


# --- volume ---------------------------------------------------------------------------


def test_ten_thousand_rows_import_with_one_created_event_each(db: Database) -> None:
    rows = "".join(f"Deal {n},{n * 10},proposal\n" for n in range(10_000))
    reports: list[tuple[int, int]] = []

    result = run_import(
        db, "name,amount,stage\n" + rows, progress=lambda done, total: reports.append((done, total))
    )

    assert result.created == 10_000
    assert count(db, Deal) == 10_000
    with db.read() as session:
        created = session.scalar(
            select(func.count())
            .select_from(DealEvent)
            .where(DealEvent.kind == "created", DealEvent.source == "import")
        )
        # each event points at the deal it was written for (RETURNING kept the row order)
        mismatched = session.scalar(
            select(func.count())
            .select_from(DealEvent)
            .join(Deal, Deal.id == DealEvent.deal_id)
            .where(DealEvent.new_value != Deal.name)
        )
        first, last = session.execute(select(func.min(Deal.name), func.max(Deal.amount))).one()
    assert created == 10_000
    assert mismatched == 0
    assert (first, last) == ("Deal 0", 9_999 * 10 * 100)
    assert reports[-1] == (20_000, 20_000)
    assert [done for done, _ in reports] == sorted({done for done, _ in reports})

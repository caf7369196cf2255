"""Deals in from CSV: every row is checked first, with the same field rules as `/deal`
(`DealRules`), and only then are all deals and their `created` events written in one
transaction with bulk inserts. A bad row raises `ImportRejected` naming its spreadsheet row and
column, and nothing is written.

No Slack and no printing here: the CLI turns results and errors into words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

from sqlalchemy import Connection, Table, func, insert, select

from bot.clock import now
from bot.errors import ImportRejected, InvalidChange
from bot.money import Money, exponent, is_known_currency
from bot.pipeline import LOST, WON, Pipeline, Stage
from bot.services.deal_rules import DealRules, status_of
from bot.services.fields import Amount, DealFields
from storage.db import Database
from storage.enums import EventKind, Source
from storage.models import Deal, DealEvent

INSERT_CHUNK = 5_000  # rows per executemany when importing
PROGRESS_EVERY = 1_000  # rows checked between progress reports

IMPORT_COLUMNS = (
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
)
STATUSES = ("open", WON, LOST)
MAX_MINOR = 2**63 - 1  # the amount column is a signed 64-bit integer

_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_PROBABILITY = re.compile(r"(\d+)\s*%?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,31}", re.ASCII)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    created: int


class _CellError(Exception):
    """A bad value in the row being checked; the caller adds the row number."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def import_deals(
    db: Database,
    source: TextIO,
    *,
    team_id: str,
    actor: str,
    pipeline: Pipeline,
    default_currency: str,
    progress: Progress | None = None,
    clock: Callable[[], datetime] = now,
) -> ImportResult:
    """Create one deal per CSV row, all or none; raise `ImportRejected` at the first bad row.

    `progress(done, total)` is called while rows are checked and while they are written:
    `total` is twice the number of rows (each row is counted once checked, once written), so
    `done` climbs to `total` exactly once.
    """
    if not is_known_currency(default_currency):
        raise ValueError(f"default currency {default_currency!r} is not an ISO 4217 code")
    header, rows = _read_csv(source)
    report = progress or _no_progress
    total = 2 * len(rows)
    checker = _RowChecker(
        DealRules(pipeline, default_currency.upper()),
        team_id=team_id,
        actor=actor,
        moment=clock(),
    )
    deals: list[dict[str, object]] = []
    for done, (line, cells) in enumerate(rows, start=1):
        deals.append(checker.deal(line, _cells_of(header, line, cells)))
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            report(done, total)
    _insert_all(db, deals, actor, lambda written: report(len(rows) + written, total))
    return ImportResult(created=len(deals))


def _no_progress(done: int, total: int) -> None:
    pass


def _read_csv(source: TextIO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The checked header and the non-blank rows, each with its spreadsheet row number."""
    reader = csv.reader(source)
    try:
        first = next(reader, None)
        if first is None or not any(cell.strip() for cell in first):
            raise ImportRejected(1, None, "the first row must name the columns, e.g. name,amount,stage")
        header = _header(first)
        rows = [
            (line, cells)
            for line, cells in enumerate(reader, start=2)
            if any(cell.strip() for cell in cells)  # blank lines and Excel's ",,,," rows
        ]
    except csv.Error as error:
        raise ImportRejected(reader.line_num, None, f"this is not readable CSV ({error})") from None
    return header, rows


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    names[0] = names[0].removeprefix("\ufeff").strip()  # Excel's UTF-8 byte order mark
    unknown = [name for name in names if name and name not in IMPORT_COLUMNS]
    if unknown:
        raise ImportRejected(
            1,
            None,
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"the columns are {', '.join(IMPORT_COLUMNS)}",
        )
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise ImportRejected(1, twice[0], f"column {twice[0]!r} appears more than once")
    if "name" not in names:
        raise ImportRejected(1, "name", "the name column is required")
    return names


def _cells_of(header: list[str], line: int, cells: list[str]) -> dict[str, str]:
    """Cells by column name; values under unnamed columns or past the header are errors."""
    stray = [
        index
        for index, cell in enumerate(cells)
        if cell.strip() and (index >= len(header) or not header[index])
    ]
    if stray:
        raise ImportRejected(
            line, None, f"value {cells[stray[0]].strip()!r} is in column {stray[0] + 1}, which has no name"
        )
    return {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}


class _RowChecker:
    """Turns the cells of one row into the values of a deals row, or raises ImportRejected."""

    def __init__(self, rules: DealRules, *, team_id: str, actor: str, moment: datetime) -> None:
        self.rules = rules
        self.pipeline = rules.pipeline
        self.team_id = team_id
        self.actor = actor
        self.moment = moment

    def deal(self, line: int, cells: Mapping[str, str]) -> dict[str, object]:
        try:
            return self._deal(cells)
        except _CellError as error:
            raise ImportRejected(line, error.column, error.reason) from None

    def _deal(self, cells: Mapping[str, str]) -> dict[str, object]:
        stage = self._stage(cells.get("stage", ""), cells.get("status", ""))
        fields = DealFields(
            name=cells.get("name", ""),
            company=cells.get("company"),
            owner=_owner(cells.get("owner", "")),
            stage=stage.key,
            probability=_probability(cells.get("probability", "")),
            amount=_amount(cells.get("amount", "")),
            currency=cells.get("currency") or None,
            close_date=_date("close_date", cells.get("close_date", "")),
            next_step=cells.get("next_step"),
            next_step_due=_date("next_step_due", cells.get("next_step_due", "")),
        )
        try:
            row = self.rules.new_row(self.team_id, self.actor, fields, moment=self.moment)
        except InvalidChange as error:
            raise _CellError(error.field, _reason(error, cells.get(error.field or "", ""))) from None
        if fields.amount is not None:
            _check_minor_units(cells["amount"], fields.amount.value, row)
        return row

    def _stage(self, stage_text: str, status_text: str) -> Stage:
        """The stage a row's stage and status columns name together (a status may close the deal)."""
        stage = self.pipeline.get(stage_text) if stage_text else self.pipeline.first
        if stage is None:
            stages = ", ".join(self.pipeline.keys)
            raise _CellError("stage", f"stage {stage_text!r} is not one of {stages}")
        status = status_text.lower() or status_of(stage.key)
        if status not in STATUSES:
            raise _CellError("status", f"status {status_text!r} is not one of {', '.join(STATUSES)}")
        if status == status_of(stage.key):
            return stage
        if stage.is_closed:
            raise _CellError("status", f"status {status_text!r} contradicts stage {stage.key!r}")
        closed = self.pipeline.get(status)
        if closed is None:
            raise _CellError("status", f"status {status_text!r} has no stage in this pipeline")
        return closed


def _owner(text: str) -> str | None:
    if not text:
        return None
    if not _SLACK_USER.fullmatch(text):
        raise _CellError("owner", f"owner {text!r} is not a Slack user id (like U012ABC)")
    return text


def _probability(text: str) -> int | None:
    if not text:
        return None
    match = _PROBABILITY.fullmatch(text)
    if match is None:
        raise _CellError("probability", f"probability {text!r} is not a whole number from 0 to 100")
    return int(match.group(1))


def _amount(text: str) -> Amount | None:
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise _CellError("amount", f"amount {text!r} is not a number (write e.g. 60000, 60,000 or 1250.50)")
    return Amount(Decimal(text.replace(",", "")))


def _date(column: str, text: str) -> date | None:
    if not text:
        return None
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise _CellError(column, f"{column} {text!r} is not a date in the form YYYY-MM-DD")


def _check_minor_units(text: str, major: Decimal, values: Mapping[str, object]) -> None:
    """Refuse amounts the currency cannot hold exactly (¥10.5, $1.005) or the column cannot store."""
    currency = str(values["currency"])
    minor = values["amount"]
    assert isinstance(minor, int)
    if Money(minor, currency).major != major:
        places = exponent(currency)
        allowed = "no decimals" if places == 0 else f"at most {places} decimals"
        raise _CellError("amount", f"amount {text!r} has more decimals than {currency} allows ({allowed})")
    if minor > MAX_MINOR:
        raise _CellError("amount", f"amount {text!r} is too large")


def _reason(error: InvalidChange, raw: str) -> str:
    """DealService's error codes in words."""
    field = error.field or "value"
    if error.code == "missing_name":
        return "name is empty; every deal needs a name"
    if error.code == "too_long":
        return f"{field} is longer than {error.params.get('limit')} characters"
    if error.code == "bad_probability":
        return f"probability {raw!r} is not between 0 and 100"
    if error.code == "bad_currency":
        return f"currency {raw!r} is not an ISO 4217 code (e.g. USD, JPY, EUR)"
    return f"{field} {raw!r} is not valid ({error.code})"


def _insert_all(
    db: Database, deals: list[dict[str, object]], actor: str, written: Callable[[int], None]
) -> None:
    """All deals and their `created` events in one transaction, `INSERT_CHUNK` rows an executemany."""
    insert_deals = insert(_table(Deal))
    insert_events = insert(_table(DealEvent))
    with db.write() as session:
        connection = session.connection()
        for start in range(0, len(deals), INSERT_CHUNK):
            chunk = deals[start : start + INSERT_CHUNK]
            ids = _new_deal_ids(connection, len(chunk), sqlite=db.is_sqlite)
            connection.execute(
                insert_deals, [deal | {"id": id_} for id_, deal in zip(ids, chunk, strict=True)]
            )
            connection.execute(
                insert_events,
                [_created_event(id_, deal, actor) for id_, deal in zip(ids, chunk, strict=True)],
            )
            written(start + len(chunk))


def _new_deal_ids(connection: Connection, count: int, *, sqlite: bool) -> Sequence[int]:
    """Ids for `count` new deals, taken before the insert so it can be one plain executemany.

    Not INSERT … RETURNING with `sort_by_parameter_order`: SQLite cannot tie RETURNING rows to
    parameters, so SQLAlchemy sends one INSERT per row, and on PostgreSQL psycopg re-parses each
    1,000-row statement in Python; for 100,000 deals both were 1.6–3.4x slower than this.
    SQLite: the write transaction began IMMEDIATE, so no other writer can take these before we
    commit. PostgreSQL: drawn from the column's own sequence, as its default would.
    """
    deals = _table(Deal)
    if sqlite:
        first = int(connection.scalar(select(func.coalesce(func.max(deals.c.id), 0))) or 0) + 1
        return range(first, first + count)
    sequence = func.pg_get_serial_sequence(deals.name, deals.c.id.name)
    return connection.scalars(
        select(func.nextval(sequence)).select_from(func.generate_series(1, count))
    ).all()


def _created_event(deal_id: int, deal: Mapping[str, object], actor: str) -> dict[str, object]:
    return {
        "team_id": deal["team_id"],
        "deal_id": deal_id,
        "actor": actor,
        "source": Source.IMPORT,
        "kind": EventKind.CREATED,
        "field": None,
        "old_value": None,
        "new_value": deal["name"],
        "created_at": deal["created_at"],
    }


def _table(model: type[Deal] | type[DealEvent]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table

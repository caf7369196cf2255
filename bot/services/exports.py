"""Deals out: the export file formats (the contract a re-import reads), streamed page by page.

`export_deals` writes CSV (one row per deal, `CSV_COLUMNS`) or JSON (a list of deal objects
with their notes, oldest first), ordered by id, amounts in major units, in keyset pages of
`EXPORT_BATCH` with one notes query per page, so memory stays flat however many deals there are.

No Slack and no printing here: the CLI turns results into words.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Literal, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.money import Money, exponent
from storage.db import Database
from storage.models import Deal, Note

EXPORT_BATCH = 1_000  # deals per keyset page (and per notes query) when exporting

CSV_COLUMNS = (
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
)

# The deals columns an export reads, in CSV_COLUMNS (contract) order.
_EXPORTED = tuple(getattr(Deal, key) for key in CSV_COLUMNS)


def export_deals(
    db: Database, out: TextIO, fmt: Literal["csv", "json"], *, team_id: str | None = None
) -> int:
    """Write deals (of `team_id`, or all teams) ordered by id to `out`; return how many.

    JSON is a list of deal objects with their notes (oldest first); CSV has one row per deal
    (`CSV_COLUMNS`, no notes). Amounts are in major units. Deals are read in keyset pages of
    `EXPORT_BATCH`, so memory stays flat however many there are.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {fmt!r}")
    writer = _JsonListWriter(out) if fmt == "json" else _CsvWriter(out)
    count = 0
    with db.read() as session:
        _pin_snapshot(db, session)
        for page in _pages(session, team_id, with_notes=fmt == "json"):
            for deal, notes in page:
                writer.write(deal, notes)
            count += len(page)
    writer.close()
    return count


class _JsonListWriter:
    """A JSON list written one object a line, so the whole list never sits in memory."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.separator = "[\n"

    def write(self, deal: dict[str, object], notes: list[dict[str, object]]) -> None:
        self.out.write(self.separator)
        self.out.write(json.dumps(deal | {"notes": notes}, ensure_ascii=False, default=_json_default))
        self.separator = ",\n"

    def close(self) -> None:
        self.out.write("[]\n" if self.separator == "[\n" else "\n]\n")


class _CsvWriter:
    """One row per deal under a header row; notes are left out."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        self.writer.writeheader()

    def write(self, deal: dict[str, object], notes: list[dict[str, object]]) -> None:
        self.writer.writerow({key: _csv_text(value) for key, value in deal.items()})

    def close(self) -> None:
        pass


def _pin_snapshot(db: Database, session: Session) -> None:
    """Read every page from one snapshot. SQLite's read transaction already is one."""
    if not db.is_sqlite:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _pages(
    session: Session, team_id: str | None, *, with_notes: bool
) -> Iterator[list[tuple[dict[str, object], list[dict[str, object]]]]]:
    """Keyset pages of `EXPORT_BATCH` deal records, each with its notes (one query a page)."""
    last_id: int | None = None
    while True:
        statement = select(*_EXPORTED).order_by(Deal.id).limit(EXPORT_BATCH)
        if team_id is not None:
            statement = statement.where(Deal.team_id == team_id)
        if last_id is not None:
            statement = statement.where(Deal.id > last_id)
        rows = session.execute(statement).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        notes = _notes_of(session, ids) if with_notes else {}
        yield [(_record(row), notes.get(id_, [])) for id_, row in zip(ids, rows, strict=True)]
        last_id = ids[-1]


def _notes_of(session: Session, deal_ids: list[int]) -> dict[int, list[dict[str, object]]]:
    """The notes of a page of deals in one query, oldest first per deal."""
    rows = session.execute(
        select(Note.deal_id, Note.text, Note.kind, Note.author, Note.created_at)
        .where(Note.deal_id.in_(deal_ids))
        .order_by(Note.deal_id, Note.id)
    )
    notes: dict[int, list[dict[str, object]]] = defaultdict(list)
    for note in rows:
        notes[note.deal_id].append(
            {
                "text": note.text,
                "kind": note.kind,
                "author": note.author,
                "created_at": note.created_at.isoformat(),
            }
        )
    return notes


def _record(row: Sequence[object]) -> dict[str, object]:
    """A deal's exported fields in contract order; the amount as a Decimal in major units."""
    record = dict(zip(CSV_COLUMNS, row, strict=True))
    minor, currency = record["amount"], str(record["currency"])
    if isinstance(minor, int):
        record["amount"] = Money(minor, currency).major.quantize(_smallest_unit(currency))
    return record


@cache
def _smallest_unit(currency: str) -> Decimal:
    """0.01 for USD, 1 for JPY: the quantum an amount in `currency` is written with."""
    return Decimal(1).scaleb(-exponent(currency))


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)

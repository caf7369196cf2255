"""Benchmark: the weekly digest at scale on SQLite (default 100,000 deals, 1,000,000 events).

Generates a reproducible team pipeline into a SQLite file (Core `executemany` in chunks, through
the real schema from the migrations), times `build_digest` for the team, prints the digest as
the `--dry-run` text, and prints SQLite's `EXPLAIN QUERY PLAN` of the stale-deal query, captured
from `DealService.list_deals(..., ListQuery("stale"))` itself, to show it is served by an index.

    python benchmarks/digest.py --deals 100000 --events 1000000 --db /tmp/digest-bench.db

An existing file with data is reused unless `--fresh` is given.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, event, func, insert, select

from bot.money import stored_amount
from bot.pipeline import LOST, WON, Pipeline
from bot.services.business_days import BusinessCalendar
from bot.services.deals import DealService
from bot.services.digest import Digest, build_digest
from bot.services.fields import ListQuery
from bot.services.reminders import ReminderService
from bot.services.staleness import StaleRule
from bot.views.digest import digest_text
from bot.views.format import Display
from storage.db import Database
from storage.models import Deal, DealEvent, lookup_keys

TEAM = "T0BENCH"
OTHER_TEAM = "T0NOISE"  # a share of rows belongs to another team: the digest must skip them
CHUNK = 20_000
HISTORY_DAYS = 365
SOURCES = ("slash", "modal", "button", "voice", "import")


@dataclass(frozen=True)
class Shape:
    deals: int
    events: int
    reps: int
    other_team_share: float
    seed: int


# --- data --------------------------------------------------------------------------------


def _deal_rows(
    shape: Shape, pipeline: Pipeline, now: datetime, rng: random.Random
) -> Iterator[dict[str, Any]]:
    open_stages = [stage for stage in pipeline.stages if not stage.is_closed]
    closed = {stage.key: stage for stage in pipeline.stages if stage.is_closed}
    for deal_id in range(1, shape.deals + 1):
        roll = rng.random()
        stage = rng.choice(open_stages) if roll < 0.7 else closed[WON if roll < 0.85 else LOST]
        currency = "USD" if rng.random() < 0.8 else "JPY"
        amount = (
            rng.randrange(1_000, 500_000) * 100 if currency == "USD" else rng.randrange(10, 5_000) * 10_000
        )
        created = now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
        activity = created + (now - created) * rng.random()
        name = f"Deal {deal_id:06d} {rng.choice(('Acme', 'Globex', 'Initech', '東京物流', 'Umbrella'))}"
        yield {
            "id": deal_id,
            "team_id": OTHER_TEAM if rng.random() < shape.other_team_share else TEAM,
            "name": name,
            **dict(zip(("name_key", "search_key"), lookup_keys(name, None), strict=True)),
            "company": None,
            "owner": f"U{rng.randrange(shape.reps):05d}",
            "stage": stage.key,
            "amount": amount if rng.random() < 0.95 else None,
            "currency": currency,
            "probability": stage.probability,
            "close_date": (now + timedelta(days=rng.randrange(-60, 180))).date()
            if rng.random() < 0.9
            else None,
            "status": stage.key if stage.is_closed else "open",
            "lost_reason": rng.choice(("price", "timing", "competitor")) if stage.key == LOST else None,
            "created_by": "U00000",
            "created_at": created,
            "updated_at": activity,
            "last_activity_at": activity,
            "version": 1,
        }


def _event_rows(
    shape: Shape, teams: list[str], pipeline: Pipeline, now: datetime, rng: random.Random
) -> Iterator[dict[str, Any]]:
    keys = pipeline.keys
    for number in range(shape.events):
        deal_id = number + 1 if number < shape.deals else rng.randrange(1, shape.deals + 1)
        base = {
            "team_id": teams[deal_id - 1],
            "deal_id": deal_id,
            "actor": f"U{rng.randrange(shape.reps):05d}",
            "source": rng.choice(SOURCES),
            "created_at": now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400)),
            "field": None,
            "old_value": None,
        }
        if number < shape.deals:  # every deal has its "created" event
            yield {**base, "kind": "created", "new_value": f"Deal {deal_id:06d}"}
            continue
        roll = rng.random()
        if roll < 0.5:
            yield {**base, "kind": "note", "new_value": "Called the customer, sent the proposal."}
        elif roll < 0.75:
            old, new = rng.sample(keys, 2)
            yield {**base, "kind": "changed", "field": "stage", "old_value": old, "new_value": new}
        elif roll < 0.9:
            old_date = date(2026, 1, 1) + timedelta(days=rng.randrange(400))
            new_date = old_date + timedelta(days=rng.randrange(-30, 60))
            yield {
                **base,
                "kind": "changed",
                "field": "close_date",
                "old_value": old_date.isoformat(),
                "new_value": new_date.isoformat(),
            }
        else:
            old_amount, new_amount = (rng.randrange(1_000, 500_000) * 100 for _ in range(2))
            yield {
                **base,
                "kind": "changed",
                "field": "amount",
                "old_value": stored_amount(old_amount, "USD"),
                "new_value": stored_amount(new_amount, "USD"),
            }


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(db: Database, shape: Shape, pipeline: Pipeline, now: datetime) -> None:
    rng = random.Random(shape.seed)
    teams: list[str] = []
    with db.engine.begin() as connection:
        for chunk in _chunks(_deal_rows(shape, pipeline, now, rng)):
            teams.extend(row["team_id"] for row in chunk)
            connection.execute(insert(Deal), chunk)
        for chunk in _chunks(_event_rows(shape, teams, pipeline, now, rng)):
            connection.execute(insert(DealEvent), chunk)


def row_counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        deals = session.scalar(select(func.count()).select_from(Deal)) or 0
        events = session.scalar(select(func.count()).select_from(DealEvent)) or 0
    return int(deals), int(events)


# --- measuring -------------------------------------------------------------------------------


def time_digest(
    db: Database, pipeline: Pipeline, now: datetime, tz: ZoneInfo, repeat: int
) -> tuple[Digest, list[float]]:
    timings: list[float] = []
    digest: Digest | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        digest = build_digest(
            db, TEAM, pipeline=pipeline, as_of=now, since=now - timedelta(days=7), stale_days=7, tz=tz
        )
        timings.append(time.perf_counter() - started)
    assert digest is not None
    return digest, timings


def captured_statements(db: Database, action: Any) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) that `action()` sends to the database."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return statements


def explain(db: Database, statements: list[tuple[str, Any]]) -> None:
    with db.engine.connect() as connection:
        for statement, parameters in statements:
            print("\n" + " ".join(statement.split()))
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            for row in plan:
                print(f"    {row[-1]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000, help="history events (≥ --deals)")
    parser.add_argument("--db", type=Path, default=Path("digest-bench.db"), help="SQLite file")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--other-team-share", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="delete --db first")
    parser.add_argument("--explain-digest", action="store_true", help="also explain the digest's queries")
    args = parser.parse_args(argv)
    shape = Shape(args.deals, max(args.events, args.deals), args.reps, args.other_team_share, args.seed)
    pipeline, tz = Pipeline.default(), ZoneInfo("Asia/Tokyo")
    now = datetime.now(UTC)

    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    db = Database.from_url(f"sqlite:///{args.db}")
    db.upgrade()
    if row_counts(db) == (0, 0):
        started = time.perf_counter()
        generate(db, shape, pipeline, now)
        took = time.perf_counter() - started
        print(f"generated {shape.deals:,} deals and {shape.events:,} events in {took:.1f} s")
    deals, events = row_counts(db)
    print(f"database {args.db}: {deals:,} deals, {events:,} events")

    digest, timings = time_digest(db, pipeline, now, tz, args.repeat)
    print(
        f"build_digest({TEAM}): first {timings[0] * 1000:.0f} ms, "
        f"median {statistics.median(timings) * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms "
        f"over {len(timings)} runs"
    )
    print("\n" + digest_text(digest, Display("en", tz), pipeline))

    reminders = ReminderService(db, StaleRule(7, {}), tz, BusinessCalendar(None))
    batch_timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        batch = reminders.due(now)
        batch_timings.append(time.perf_counter() - started)
    print(
        f"daily reminder batch (ReminderService.due, every owner): {len(batch)} DMs listing "
        f"{sum(len(r.deals) for r in batch)} deals of {sum(r.total for r in batch):,} stale; "
        f"median {statistics.median(batch_timings) * 1000:.0f} ms over {len(batch_timings)} runs"
    )

    service = DealService(db, pipeline, stale_days=7)
    started = time.perf_counter()
    stale = captured_statements(db, lambda: service.list_deals(TEAM, "U00000", ListQuery(scope="stale")))
    print(f"stale deals query (list_deals, scope stale): {(time.perf_counter() - started) * 1000:.0f} ms")
    print("EXPLAIN QUERY PLAN of the stale-deal queries:")
    explain(db, stale)
    if args.explain_digest:
        print("\nEXPLAIN QUERY PLAN of the digest's queries:")
        explain(db, captured_statements(db, lambda: time_digest(db, pipeline, now, tz, 1)))
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

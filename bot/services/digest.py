"""The weekly pipeline digest: its figures, computed from `deals` and `deal_events`.

This module owns *what* the digest says (no Slack, no formatting): the open pipeline by
stage, the weighted forecast (overall and by expected close month), what changed since the
last digest, the per-rep view (pipeline, stale deals, freshness), the closes due soon and the
deals that need attention. Everything is scoped by team and reported per currency: amounts in
different currencies are never added together.

Aggregates are computed by SQL group-bys on the deals table; the history is read through the
`(team_id, created_at)` index for the digest's window only, so the cost grows with the size of
the open pipeline and of one week's changes, not with the whole history.

Change semantics, per deal over the window `(since, as_of]`: its stage at the start of the
window (the old value of its first stage event) is compared with its stage at the end (the
new value of its last one), so a deal that went lead → negotiation → proposal in one week is
one advance (lead → proposal). Likewise a close date counts as slipped when the last date set
in the window is later than the date it had before the window, and the deal is still open.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.money import Money
from bot.pipeline import LOST, WON, Pipeline
from bot.services.staleness import StaleRule
from storage.db import Database
from storage.models import Deal, DealEvent

CLOSING_WINDOW_DAYS = 14
ATTENTION_FACTOR = 2  # "needs attention": stale for at least this many stale periods
DEFAULT_LIMIT = 10  # deals listed per section (totals always count them all)

Amounts = tuple[Money, ...]  # one Money per currency, in the digest's currency order
Rows = Sequence[Sequence[Any]]  # result rows, read by position
T = TypeVar("T")


# --- the digest ------------------------------------------------------------------------


@dataclass(frozen=True)
class DealRef:
    """The few facts about a deal that a digest line shows (its current state)."""

    id: int
    name: str
    company: str | None
    owner: str
    stage: str
    status: str
    amount: Money | None
    probability: int
    close_date: date | None
    last_activity_at: datetime
    lost_reason: str | None


@dataclass(frozen=True)
class Listing(Generic[T]):
    """Some deals: how many in all, their amounts per currency, and the first `limit` of them."""

    total: int
    amounts: Amounts
    items: tuple[T, ...]


@dataclass(frozen=True)
class StageTotal:
    stage: str
    count: int
    amounts: Amounts
    weighted: Amounts


@dataclass(frozen=True)
class PipelineTotals:
    stages: tuple[StageTotal, ...]  # the pipeline's open stages in order (then unknown ones)
    count: int
    amounts: Amounts
    weighted: Amounts


@dataclass(frozen=True)
class MonthForecast:
    month: str | None  # "YYYY-MM" of the expected close date; None: no close date set
    count: int
    weighted: Amounts


@dataclass(frozen=True)
class StageMove:
    deal: DealRef
    old: str
    new: str


@dataclass(frozen=True)
class Slip:
    deal: DealRef
    old: date
    new: date


@dataclass(frozen=True)
class Changes:
    new: Listing[DealRef]
    advanced: Listing[StageMove]
    regressed: Listing[StageMove]
    slipped: Listing[Slip]
    won: Listing[DealRef]
    lost: Listing[DealRef]

    @property
    def empty(self) -> bool:
        parts = (self.new, self.advanced, self.regressed, self.slipped, self.won, self.lost)
        return all(part.total == 0 for part in parts)


@dataclass(frozen=True)
class RepSummary:
    owner: str
    open_count: int
    amounts: Amounts
    stale_count: int
    median_idle_days: float  # median days since last activity over the rep's open deals


@dataclass(frozen=True)
class Digest:
    team_id: str
    as_of: datetime
    since: datetime
    today: date  # as_of's calendar day in the team's time zone
    stale_days: int
    currencies: tuple[str, ...]  # most open deals first: the order amounts are listed in
    pipeline: PipelineTotals
    forecast: tuple[MonthForecast, ...]  # by month ascending; no-close-date last
    changes: Changes
    reps: tuple[RepSummary, ...]  # most open deals first
    closing_soon: Listing[DealRef]
    needs_attention: Listing[DealRef]

    @property
    def closing_window_days(self) -> int:
        return CLOSING_WINDOW_DAYS

    @property
    def attention_days(self) -> int:
        return self.stale_days * ATTENTION_FACTOR


# --- building it -----------------------------------------------------------------------


def build_digest(
    db: Database,
    team_id: str,
    *,
    pipeline: Pipeline,
    as_of: datetime,
    since: datetime,
    stale_days: int,
    tz: tzinfo,
    limit: int = DEFAULT_LIMIT,
    stale_by_stage: Mapping[str, int] | None = None,
) -> Digest:
    """Everything the weekly digest reports for `team_id` at `as_of`, changes since `since`.

    Stale and "needs attention" follow `StaleRule(stale_days, stale_by_stage)`, as reminders do.
    """
    if as_of.tzinfo is None or since.tzinfo is None:
        raise ValueError("as_of and since must be timezone-aware")
    today = as_of.astimezone(tz).date()
    rule = StaleRule(stale_days, dict(stale_by_stage or {}))
    stale, attention_due = rule.condition(as_of), rule.condition(as_of, factor=ATTENTION_FACTOR)
    with db.read() as session:
        scope = _Scope(session, team_id)
        groups = scope.groups(stale, attention_due)
        order = _currency_order(groups)
        totals = _pipeline_totals(groups, pipeline, order)
        forecast = _forecast(scope.close_date_rows(), order)
        changes = _changes(scope.event_rows(since, as_of), pipeline, order, limit)
        reps = _reps(groups, scope.median_activity_rows(), as_of, order)
        closing = scope.listing(
            and_(Deal.close_date >= today, Deal.close_date <= today + timedelta(days=CLOSING_WINDOW_DAYS)),
            (Deal.close_date, Deal.id),
            order,
            limit,
        )
        neglected = [group for group in groups if group.attention]
        attention = Listing(
            total=sum(group.attention for group in neglected),
            amounts=_amounts(_sum_by_currency(neglected, lambda group: group.attention_amount), order),
            items=scope.refs(attention_due, (Deal.last_activity_at, Deal.id), limit),
        )
    return Digest(
        team_id=team_id,
        as_of=as_of,
        since=since,
        today=today,
        stale_days=stale_days,
        currencies=order,
        pipeline=totals,
        forecast=forecast,
        changes=changes,
        reps=reps,
        closing_soon=closing,
        needs_attention=attention,
    )


# --- queries -----------------------------------------------------------------------------

_REF_COLUMNS = (
    Deal.id,
    Deal.name,
    Deal.company,
    Deal.owner,
    Deal.stage,
    Deal.status,
    Deal.amount,
    Deal.currency,
    Deal.probability,
    Deal.close_date,
    Deal.last_activity_at,
    Deal.lost_reason,
)
_AMOUNT = func.coalesce(func.sum(Deal.amount), 0)
# Σ amount × probability: in minor units × 100, divided (once, at the end) by `_weighted`.
_WEIGHTED = func.coalesce(func.sum(Deal.amount * Deal.probability), 0)


@dataclass(frozen=True)
class _Group:
    """Open deals of one stage, owner and currency: how many, their sums, how many are stale."""

    stage: str
    owner: str
    currency: str
    count: int
    amount: int
    weighted: int  # Σ amount × probability, still ×100
    stale: int
    attention: int
    attention_amount: int

    @classmethod
    def of(cls, row: Sequence[Any]) -> _Group:
        stage, owner, currency, *numbers = row
        return cls(stage, owner, currency, *(int(number or 0) for number in numbers))


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


class _Scope:
    """The digest's queries, each limited to one team's deals (open ones unless said otherwise)."""

    def __init__(self, session: Session, team_id: str) -> None:
        self.session = session
        self.team_id = team_id
        self.open = and_(Deal.team_id == team_id, Deal.status == "open")

    def groups(self, stale: Any, attention: Any) -> list[_Group]:
        """Open deals grouped by stage, owner and currency: one pass serves stages, reps, attention."""
        statement = (
            select(
                Deal.stage,
                Deal.owner,
                Deal.currency,
                func.count(),
                _AMOUNT,
                _WEIGHTED,
                _count_if(stale),
                _count_if(attention),
                func.sum(case((attention, Deal.amount), else_=0)),
            )
            .where(self.open)
            .group_by(Deal.stage, Deal.owner, Deal.currency)
        )
        return [_Group.of(row) for row in self.session.execute(statement)]

    def close_date_rows(self) -> Rows:
        """(close_date, currency, count, weighted×100) of open deals; months are made in Python."""
        statement = (
            select(Deal.close_date, Deal.currency, func.count(), _WEIGHTED)
            .where(self.open)
            .group_by(Deal.close_date, Deal.currency)
        )
        return self.session.execute(statement).all()

    def median_activity_rows(self) -> Rows:
        """(owner, last_activity_at) of the one or two middle open deals of each owner.

        Window functions rank each owner's deals by last activity; row n of N is a middle one
        when N ≤ 2n ≤ N + 2. Only those rows leave the database.
        """
        ranked = (
            select(
                Deal.owner,
                Deal.last_activity_at,
                func.row_number()
                .over(partition_by=Deal.owner, order_by=(Deal.last_activity_at, Deal.id))
                .label("n"),
                func.count().over(partition_by=Deal.owner).label("size"),
            )
            .where(self.open)
            .subquery()
        )
        statement = select(ranked.c.owner, ranked.c.last_activity_at).where(
            2 * ranked.c.n >= ranked.c.size, 2 * ranked.c.n <= ranked.c.size + 2
        )
        return self.session.execute(statement).all()

    def event_rows(self, since: datetime, as_of: datetime) -> Rows:
        """Creations, stage and close-date changes in `(since, as_of]`, oldest first, with their deal."""
        statement = (
            select(DealEvent.kind, DealEvent.field, DealEvent.old_value, DealEvent.new_value, *_REF_COLUMNS)
            .join(Deal, Deal.id == DealEvent.deal_id)
            .where(
                DealEvent.team_id == self.team_id,
                DealEvent.created_at > since,
                DealEvent.created_at <= as_of,
                Deal.team_id == self.team_id,
                or_(DealEvent.kind == "created", DealEvent.field.in_(("stage", "close_date"))),
            )
            .order_by(DealEvent.created_at, DealEvent.id)
        )
        return self.session.execute(statement).all()

    def listing(
        self, condition: Any, order_by: tuple[Any, ...], order: Sequence[str], limit: int
    ) -> Listing[DealRef]:
        """Open deals matching `condition`: counted and summed in SQL, the first `limit` loaded."""
        where = and_(self.open, condition)
        sums: Rows = self.session.execute(
            select(Deal.currency, func.count(), _AMOUNT).where(where).group_by(Deal.currency)
        ).all()
        return Listing(
            total=sum(int(row[1]) for row in sums),
            amounts=_amounts({row[0]: int(row[2]) for row in sums}, order),
            items=self.refs(condition, order_by, limit),
        )

    def refs(self, condition: Any, order_by: tuple[Any, ...], limit: int) -> tuple[DealRef, ...]:
        """The first `limit` open deals matching `condition`."""
        statement = select(*_REF_COLUMNS).where(self.open, condition).order_by(*order_by).limit(limit)
        return tuple(_ref(row) for row in self.session.execute(statement))


# --- turning rows into figures -------------------------------------------------------------


def _currency_order(groups: Sequence[_Group]) -> tuple[str, ...]:
    """Currencies by number of open deals (most first), then by code."""
    counts = _sum_by_currency(groups, lambda group: group.count)
    return tuple(sorted(counts, key=lambda code: (-counts[code], code)))


def _sum_by_currency(groups: Iterable[_Group], value: Callable[[_Group], int]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for group in groups:
        _add(sums, group.currency, value(group))
    return sums


def _by(groups: Iterable[_Group], key: Callable[[_Group], str]) -> dict[str, list[_Group]]:
    grouped: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        grouped[key(group)].append(group)
    return grouped


def _amounts(by_currency: Mapping[str, int], order: Sequence[str]) -> Amounts:
    """Per-currency sums as Money, in the digest's currency order (others after, by code)."""
    rank = {code: index for index, code in enumerate(order)}
    codes = sorted(by_currency, key=lambda code: (rank.get(code, len(rank)), code))
    return tuple(Money(int(by_currency[code]), code) for code in codes)


def _weighted(by_currency: Mapping[str, int], order: Sequence[str]) -> Amounts:
    """Σ amount × probability (kept ×100 until here), rounded half up to a minor unit."""
    return _amounts(
        {
            code: int((Decimal(value) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for code, value in by_currency.items()
        },
        order,
    )


def _add(sums: dict[str, int], currency: str, value: Any) -> None:
    sums[currency] = sums.get(currency, 0) + int(value or 0)


def _stage_total(stage: str, groups: Sequence[_Group], order: Sequence[str]) -> StageTotal:
    return StageTotal(
        stage=stage,
        count=sum(group.count for group in groups),
        amounts=_amounts(_sum_by_currency(groups, lambda group: group.amount), order),
        weighted=_weighted(_sum_by_currency(groups, lambda group: group.weighted), order),
    )


def _pipeline_totals(groups: Sequence[_Group], pipeline: Pipeline, order: Sequence[str]) -> PipelineTotals:
    by_stage = _by(groups, lambda group: group.stage)
    unknown = sorted(stage for stage in by_stage if stage not in pipeline.open_keys)
    overall = _stage_total("", groups, order)
    return PipelineTotals(
        stages=tuple(
            _stage_total(stage, by_stage[stage], order) for stage in (*pipeline.open_keys, *unknown)
        ),
        count=overall.count,
        amounts=overall.amounts,
        weighted=overall.weighted,
    )


def _forecast(rows: Rows, order: Sequence[str]) -> tuple[MonthForecast, ...]:
    counts: dict[str | None, int] = defaultdict(int)
    weighted: dict[str | None, dict[str, int]] = defaultdict(dict)
    for close_date, currency, count, weight in rows:
        month = f"{close_date:%Y-%m}" if close_date is not None else None
        counts[month] += int(count)
        _add(weighted[month], currency, weight)
    months = sorted(counts, key=lambda month: (month is None, month or ""))
    return tuple(MonthForecast(month, counts[month], _weighted(weighted[month], order)) for month in months)


def _reps(
    groups: Sequence[_Group], middles: Rows, as_of: datetime, order: Sequence[str]
) -> tuple[RepSummary, ...]:
    idle: dict[str, list[float]] = defaultdict(list)
    for owner, last_activity_at in middles:
        idle[owner].append((as_of - last_activity_at).total_seconds() / 86400)
    reps = (
        RepSummary(
            owner=owner,
            open_count=sum(group.count for group in owned),
            amounts=_amounts(_sum_by_currency(owned, lambda group: group.amount), order),
            stale_count=sum(group.stale for group in owned),
            median_idle_days=statistics.fmean(idle[owner]) if idle[owner] else 0.0,
        )
        for owner, owned in _by(groups, lambda group: group.owner).items()
    )
    return tuple(sorted(reps, key=lambda rep: (-rep.open_count, rep.owner)))


def _ref(values: Sequence[Any]) -> DealRef:
    """A DealRef from the values of `_REF_COLUMNS`, in that order."""
    id_, name, company, owner, stage, status, amount, currency, probability, close_date, last, why = values
    return DealRef(
        id=id_,
        name=name,
        company=company,
        owner=owner,
        stage=stage,
        status=status,
        amount=None if amount is None else Money(int(amount), currency),
        probability=probability,
        close_date=close_date,
        last_activity_at=last,
        lost_reason=why,
    )


# --- changes from the history --------------------------------------------------------------


@dataclass
class _Track:
    """One deal's history within the window: created in it?, and (first old, last new) per field."""

    deal: DealRef
    created: bool = False
    spans: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def see(self, kind: str, name: str | None, old: str | None, new: str | None) -> None:
        if kind == "created":
            self.created = True
        elif name is not None:
            first_old = self.spans[name][0] if name in self.spans else old
            self.spans[name] = (first_old, new)


def _tracks(rows: Rows) -> list[_Track]:
    tracks: dict[int, _Track] = {}
    for row in rows:
        kind, name, old, new, deal_id = row[:5]  # then the rest of `_REF_COLUMNS`
        track = tracks.get(deal_id)
        if track is None:
            track = tracks[deal_id] = _Track(_ref(row[4:]))
        track.see(kind, name, old, new)
    return list(tracks.values())


def _stage_change(pipeline: Pipeline, track: _Track) -> tuple[str, StageMove] | None:
    """('advanced' | 'regressed' | 'won' | 'lost', the move) from the deal's net stage change."""
    old, new = track.spans.get("stage", (None, None))
    if old is None or new is None or old == new:
        return None
    move = StageMove(track.deal, old, new)
    if new in (WON, LOST):
        return new, move
    open_keys = pipeline.open_keys
    if old not in open_keys or new not in open_keys:
        return None
    return ("advanced" if open_keys.index(new) > open_keys.index(old) else "regressed"), move


def _slip(track: _Track) -> Slip | None:
    old, new = track.spans.get("close_date", (None, None))
    if not old or not new or track.deal.status != "open":
        return None
    before, after = date.fromisoformat(old), date.fromisoformat(new)
    return Slip(track.deal, before, after) if after > before else None


def _changes(rows: Rows, pipeline: Pipeline, order: Sequence[str], limit: int) -> Changes:
    new: list[DealRef] = []
    moves: dict[str, list[StageMove]] = defaultdict(list)
    slips: list[Slip] = []
    for track in _tracks(rows):
        if track.created:
            new.append(track.deal)
        change = _stage_change(pipeline, track)
        if change is not None:
            moves[change[0]].append(change[1])
        slip = _slip(track)
        if slip is not None:
            slips.append(slip)
    return Changes(
        new=_listing(new, new, order, limit),
        advanced=_moves(moves["advanced"], order, limit),
        regressed=_moves(moves["regressed"], order, limit),
        slipped=_listing(slips, [slip.deal for slip in slips], order, limit),
        won=_closed(moves[WON], order, limit),
        lost=_closed(moves[LOST], order, limit),
    )


def _moves(moves: Sequence[StageMove], order: Sequence[str], limit: int) -> Listing[StageMove]:
    return _listing(moves, [move.deal for move in moves], order, limit)


def _closed(moves: Sequence[StageMove], order: Sequence[str], limit: int) -> Listing[DealRef]:
    deals = [move.deal for move in moves]
    return _listing(deals, deals, order, limit)


def _listing(items: Sequence[T], deals: Iterable[DealRef], order: Sequence[str], limit: int) -> Listing[T]:
    """`items` (one per deal in `deals`): counted, their deals' amounts summed, the first `limit` kept."""
    sums: dict[str, int] = {}
    for deal in deals:
        if deal.amount is not None:
            _add(sums, deal.amount.currency, deal.amount.minor)
    return Listing(total=len(items), amounts=_amounts(sums, order), items=tuple(items[:limit]))

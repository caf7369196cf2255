"""Lists of deals: `/deal list` filters, `/deal find` search, a rep's open deals, one page at a time.

Each query reads one page through narrow indexes and counts the rest, so a list over 100,000
deals stays fast (see `page`). The caller's session serves it; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, Select, case, column, func, select, text
from sqlalchemy.orm import Session

from bot.services.deal_rules import status_of
from bot.services.fields import ListQuery
from bot.services.staleness import StaleRule
from storage.enums import DealStatus
from storage.models import Deal

PAGE_SIZE = 20


@dataclass(frozen=True)
class DealPage:
    deals: list[Deal]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.deals))


def list_query(
    session: Session,
    team_id: str,
    user_id: str,
    query: ListQuery,
    stale: StaleRule,
    as_of: datetime,
    *,
    limit: int = PAGE_SIZE,
) -> DealPage:
    statement = select(Deal).where(Deal.team_id == team_id)
    if query.stage is not None:
        # the status a stage implies is redundant, but lets the (team, stage, status,
        # close_date) index serve the filter and the order
        statement = statement.where(Deal.stage == query.stage, Deal.status == status_of(query.stage))
    else:
        statement = statement.where(Deal.status == DealStatus.OPEN)
    owner = query.owner or (user_id if query.scope == "mine" else None)
    if owner is not None:
        statement = statement.where(Deal.owner == owner)
    if query.scope == "stale":
        statement = statement.where(Deal.status == DealStatus.OPEN, stale.condition(as_of))
        order: tuple[object, ...] = (Deal.last_activity_at.asc(), Deal.id)
    else:
        order = (Deal.close_date.asc().nulls_last(), Deal.id)
    return page(session, statement, order, limit)


def open_deals_of(session: Session, team_id: str, owner: str, *, limit: int = 100) -> DealPage:
    statement = select(Deal).where(
        Deal.team_id == team_id, Deal.owner == owner, Deal.status == DealStatus.OPEN
    )
    return page(session, statement, (Deal.close_date.asc().nulls_last(), Deal.id), limit)


def find(
    session: Session, team_id: str, needle_text: str, *, is_sqlite: bool, limit: int = PAGE_SIZE
) -> DealPage:
    """Deals whose name or company contains the text, open ones first, newest first."""
    needle = needle_text.strip().casefold()
    matches = (
        select(Deal.id)
        .where(Deal.id.in_(_search(team_id, needle, is_sqlite=is_sqlite)))
        .order_by(case((Deal.status == DealStatus.OPEN, 0), else_=1), Deal.updated_at.desc(), Deal.id)
    )
    # Matches are few, so one pass that returns all their ids gives the count too.
    ids = list(session.scalars(matches))
    return DealPage(load(session, ids[:limit]), len(ids))


def _search(team_id: str, needle: str, *, is_sqlite: bool) -> Select[int]:
    """Ids of this team's deals whose name or company contains `needle`.

    Three characters or more use the trigram index (SQLite FTS5, PostgreSQL pg_trgm, see
    migration 0004); shorter needles scan the narrow (team_id, search_key) index.
    """
    in_team = select(Deal.id).where(Deal.team_id == team_id)
    if len(needle) >= 3 and is_sqlite:
        # CROSS JOIN fixes the join order: from the few index hits to their deals, rather
        # than over every deal of the team checking each against the hits.
        hits = text(
            "SELECT deals.id FROM deals_search CROSS JOIN deals ON deals.id = deals_search.rowid "
            "WHERE deals_search MATCH :phrase AND deals.team_id = :team"
        ).bindparams(phrase='"' + needle.replace('"', '""') + '"', team=team_id)
        return select(Deal.id).where(Deal.id.in_(hits.columns(column("id", Integer))))
    if not is_sqlite:
        return in_team.where(Deal.search_key.contains(needle, autoescape=True))
    return in_team.where(func.instr(Deal.search_key, needle) > 0)


def page(session: Session, statement: Select[Deal], order: Iterable[object], limit: int) -> DealPage:
    """One page of `statement` plus the total count.

    Both the count and the page's ids come from narrow index-only queries; only the page's
    rows are then loaded whole (a "deferred join"), so a list over 100,000 deals stays fast.
    """
    where = statement.whereclause
    ids = select(Deal.id).where(where) if where is not None else select(Deal.id)
    total = session.scalar(select(func.count()).select_from(ids.subquery()))
    page_ids = list(session.scalars(ids.order_by(*order).limit(limit)))  # type: ignore[arg-type]
    return DealPage(load(session, page_ids), int(total or 0))


def load(session: Session, ids: list[int]) -> list[Deal]:
    """The deals with these ids, in this order."""
    rows = {deal.id: deal for deal in session.scalars(select(Deal).where(Deal.id.in_(ids)))}
    return [rows[deal_id] for deal_id in ids]

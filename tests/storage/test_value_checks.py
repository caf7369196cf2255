"""The database itself refuses a status, event kind or source dealbot does not know (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.services.deals import DealService
from bot.services.fields import DealFields
from storage.db import Database
from storage.enums import Source
from tests.conftest import REP, TEAM

BAD_WRITES = {
    "deals.status": "UPDATE deals SET status = 'maybe'",
    "deal_events.kind": "UPDATE deal_events SET kind = 'reopened'",
    "deal_events.source": "UPDATE deal_events SET source = 'email'",
    "notes.kind": "UPDATE notes SET kind = 'video'",
}


@pytest.mark.parametrize("column", sorted(BAD_WRITES))
def test_a_value_outside_the_enum_is_refused_by_the_database(
    db: Database, deals: DealService, column: str
) -> None:
    deal = deals.create(TEAM, REP, DealFields(name="Acme"), source=Source.SLASH).deal
    deals.add_note(TEAM, REP, deal.id, "called", source=Source.SLASH)
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text(BAD_WRITES[column]))


def test_rows_read_back_as_enum_members(db: Database, deals: DealService) -> None:
    deal = deals.create(TEAM, REP, DealFields(name="Acme"), source=Source.SLASH).deal
    assert deals.get(TEAM, deal.id).status == "open"
    assert type(deals.get(TEAM, deal.id).status).__name__ == "DealStatus"

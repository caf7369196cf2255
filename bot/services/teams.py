"""Which Slack team (workspace) rows belong to, for entry points that have no Slack request.

Deals imported before the app has seen any workspace are kept "unassigned" and adopted by the
first workspace that uses the bot, provided no other workspace has deals in this database.
"""

from __future__ import annotations

import threading

from sqlalchemy import select, update

from bot.errors import AmbiguousTeam
from storage.db import Database
from storage.models import Deal, DealEvent, Note

UNASSIGNED = ""


def known_teams(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(Deal.team_id).distinct().where(Deal.team_id != UNASSIGNED)))


def resolve_team(db: Database, explicit: str | None) -> str:
    """`explicit`, else the only workspace in the database, else UNASSIGNED (adopted later)."""
    if explicit:
        return explicit
    teams = known_teams(db)
    if len(teams) > 1:
        raise AmbiguousTeam(f"this database holds several Slack teams ({', '.join(teams)}): pass --team")
    return teams[0] if teams else UNASSIGNED


class TeamAdoption:
    """Gives unassigned rows to the first workspace seen; checks the database once per process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._done = False
        self._lock = threading.Lock()

    def adopt(self, team_id: str) -> int:
        if self._done or not team_id:
            return 0
        with self._lock:
            if self._done:
                return 0
            adopted = self._adopt(team_id)
            self._done = True
            return adopted

    def _adopt(self, team_id: str) -> int:
        with self.db.write() as session:
            has_unassigned = session.scalar(select(Deal.id).where(Deal.team_id == UNASSIGNED).limit(1))
            other = session.scalar(
                select(Deal.id).where(Deal.team_id != UNASSIGNED, Deal.team_id != team_id).limit(1)
            )
            if has_unassigned is None or other is not None:
                return 0
            for model in (Deal, DealEvent, Note):
                result = session.execute(
                    update(model)
                    .where(model.team_id == UNASSIGNED)
                    .values(team_id=team_id)
                    .execution_options(synchronize_session=False)
                )
                if model is Deal:
                    adopted = int(result.rowcount or 0)  # type: ignore[attr-defined]
            return adopted

"""What the listeners need, built once per process and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.clock import now, today
from bot.services.deals import DealService
from bot.settings import Settings
from bot.slack.notifier import Notifier
from bot.views.format import Display
from bot.views.home import home_view


@dataclass(frozen=True)
class Deps:
    settings: Settings
    deals: DealService

    @property
    def display(self) -> Display:
        return Display(self.settings.locale, self.settings.tz)

    def today(self) -> date:
        return today(self.settings.tz)

    def home(self, team_id: str, user_id: str) -> dict[str, Any]:
        page = self.deals.open_deals_of(team_id, user_id)
        moment = now()
        return home_view(
            page.deals,
            page.total,
            self.display,
            self.settings.pipeline,
            is_stale=lambda deal: self.deals.is_stale(deal, moment),
            now=moment,
        )

    def refresh_home(self, notifier: Notifier, team_id: str, user_id: str) -> None:
        notifier.publish_home(user_id, self.home(team_id, user_id))

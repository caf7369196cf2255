"""What the listeners need, built once per process and shared by every request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk import WebClient

from bot.clock import now, today
from bot.services.deals import DealService
from bot.services.memos import MemoQueue
from bot.settings import Settings
from bot.slack.notifier import Notifier
from bot.views.format import Display
from bot.views.home import home_view
from bot.workers.memos import MemoProcessor
from storage.enums import JobStatus


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Deps:
    settings: Settings
    deals: DealService
    memos: MemoQueue
    wake_workers: Callable[[], None] = _nothing  # lets in-process workers start a new job at once

    def attach_memo(self, client: WebClient, user_id: str, team_id: str, job_id: int, deal_id: int) -> str:
        """Save a transcribed memo that waited for its deal: "saved", "gone" or "not_yours"."""
        job = self.memos.get(team_id, job_id)
        if job is None or job.status != JobStatus.AWAITING_DEAL:
            return "gone"
        if user_id != job.user_id and not self.settings.is_manager(user_id):
            return "not_yours"
        MemoProcessor(self.settings, self.memos, self.deals, client, engine=_nothing).save(job, deal_id)
        return "saved"

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

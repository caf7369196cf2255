"""What the listeners need: the services (built once per process) and who is asking (per request).

`provide(app, deps)` installs the first middleware: it puts `deps` and the request's `caller`
into bolt's context, from where bolt passes them to any listener that names them as arguments
(`def edit(ack: Ack, body: dict, client: WebClient, deps: Deps, caller: Caller)`). Listeners
are then plain module-level functions that tests call directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt import App, BoltContext

from bot.clock import now, today
from bot.handlers.tenancy import home_team
from bot.services.deals import DealService
from bot.services.memo_queue import MemoQueue
from bot.services.memos import MemoService
from bot.settings import Settings
from bot.slack.notifier import Notifier
from bot.views.format import Display
from bot.views.home import home_view
from bot.views.modals import View, new_deal_modal


def no_workers() -> None:
    """No memo workers in this process to wake (they poll the queue)."""
    return None


@dataclass(frozen=True)
class Deps:
    settings: Settings
    deals: DealService
    memos: MemoService
    queue: MemoQueue
    wake_workers: Callable[[], None] = no_workers  # lets in-process workers start a new job at once

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

    def new_deal_form(self, owner: str, channel_id: str | None, memo_job_id: int | None = None) -> View:
        """The empty New deal form (`memo_job_id`: made from a voice memo, which becomes its note)."""
        settings = self.settings
        return new_deal_modal(
            self.display,
            settings.pipeline,
            owner,
            settings.default_currency,
            channel_id,
            memo_job_id=memo_job_id,
        )

    def refresh_home(self, notifier: Notifier, team_id: str, user_id: str) -> None:
        notifier.publish_home(user_id, self.home(team_id, user_id))


@dataclass(frozen=True)
class Caller:
    """Who sent the request, and from where. `team_id` is the workspace bolt's authorization
    established (the bot token's), the one every check and every write uses."""

    team_id: str
    user_id: str
    channel_id: str | None

    @classmethod
    def of(cls, context: BoltContext, body: dict[str, Any]) -> Caller:
        container = body.get("container")
        # A click in a message names its channel; a click in an ephemeral one may only say it in
        # its container.
        channel = context.channel_id or (container.get("channel_id") if isinstance(container, dict) else None)
        return cls(home_team(context) or "", context.user_id or "", channel)


def provide(app: App, deps: Deps) -> None:
    """Register first: every later middleware, listener and the error handler can take `deps`."""

    @app.middleware
    def with_deps(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
        context["deps"] = deps
        context["caller"] = Caller.of(context, body if isinstance(body, dict) else {})
        next()

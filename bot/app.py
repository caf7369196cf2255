"""create_app(): the one bolt App behind Socket Mode, HTTP mode and the tests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import handlers
from bot.clock import now
from bot.handlers import deps as handler_deps
from bot.handlers import replay, tenancy
from bot.handlers.deps import Deps
from bot.logs import log_context, new_request_id
from bot.services.deals import DealService
from bot.services.memo_queue import MemoQueue
from bot.services.memos import MemoService
from bot.services.teams import TeamAdoption
from bot.settings import Settings
from bot.slack.client import web_client
from storage.db import Database


def deal_service(db: Database, settings: Settings, *, clock: Callable[[], datetime] = now) -> DealService:
    return DealService(
        db,
        settings.pipeline,
        managers=settings.managers,
        default_currency=settings.default_currency,
        stale_days=settings.stale_days,
        stale_days_by_stage=settings.stale_overrides,
        tz=settings.tz,
        clock=clock,
    )


class DealbotApp(App):
    """The bolt App whose every request logs under one request id (the load balancer's
    `X-Request-Id` when it sends one) and the Slack team it came from."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        given = req.headers.get("x-request-id") or []
        with log_context(request_id=(given[0] if given else new_request_id()), team_id=req.context.team_id):
            return super().dispatch(req)


def create_app(
    settings: Settings,
    db: Database,
    *,
    client: WebClient | None = None,
    wake_workers: Callable[[], None] | None = None,
) -> App:
    """The bolt App. `wake_workers` lets in-process memo workers pick up a new memo at once."""
    app = DealbotApp(
        client=client or web_client(settings),
        signing_secret=settings.secret("slack_signing_secret") or None,
        # No auth.test at start: the app starts (and its tests run) without reaching Slack.
        token_verification_enabled=False,
        # Run each listener in the request's own thread and answer when it returns. Every
        # listener acks within milliseconds (slow work goes to workers), and this skips bolt's
        # 10 ms polling for the ack from a second thread: it halves p50 under load.
        process_before_response=True,
        logger=logging.getLogger("bot.app"),
    )
    deals = deal_service(db, settings)
    deps = Deps(
        settings=settings,
        deals=deals,
        memos=MemoService(deals),
        queue=MemoQueue(db),
        wake_workers=wake_workers or handler_deps.no_workers,
    )
    handler_deps.provide(app, deps)  # first: every middleware, listener and the error handler has it
    replay.register(app, db)  # an exact replay of a signed request does nothing
    tenancy.register(app, settings)  # before adoption: outsiders never write
    adoption = TeamAdoption(db)

    @app.middleware
    def adopt_imported_deals(context: BoltContext, next: Callable[[], None]) -> None:
        if context.team_id:
            adoption.adopt(context.team_id)
        next()

    handlers.register(app)
    return app

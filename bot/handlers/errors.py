"""The one error handler: domain errors become a friendly ephemeral line, the rest a reference."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.handlers.deps import Deps
from bot.services.errors import DealbotError
from bot.slack.notifier import Notifier
from bot.views.messages import error_text

log = logging.getLogger("bot.errors")


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
        d = deps.display
        if isinstance(error, DealbotError):
            message = f":warning: {error_text(error, d)}"
        else:
            reference = uuid.uuid4().hex[:8]
            log.exception("unexpected error (ref %s)", reference, exc_info=error)
            message = f":boom: {d.t('error.unexpected', ref=reference)}"
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if user:
            channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
            Notifier(client).tell(user, channel, message)
        return None

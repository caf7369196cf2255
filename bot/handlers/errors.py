"""The one error handler: domain errors become a friendly ephemeral line, the rest a reference.

The person is always told (in the command's own answer, or ephemerally/by DM), and Slack gets
a 200: a 500 would only make Slack show a generic failure or, for events, retry in a loop.
"""

from __future__ import annotations

import json
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
    def on_error(error: Exception, body: dict[str, Any], client: WebClient, response: BoltResponse) -> None:
        d = deps.display
        if isinstance(error, DealbotError):
            message = f":warning: {error_text(error, d)}"
        else:
            reference = uuid.uuid4().hex[:8]
            log.exception("unexpected error (ref %s)", reference, exc_info=error)
            message = f":boom: {d.t('error.unexpected', ref=reference)}"
        response.status = 200
        if "command" in body:  # a slash command: the answer itself carries the message
            response.body = json.dumps({"response_type": "ephemeral", "text": message})
            response.headers["content-type"] = ["application/json;charset=utf-8"]
            return
        response.body = ""
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if user:
            channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
            Notifier(client).tell(user, channel, message)

"""The one error handler: domain errors become a friendly ephemeral line, the rest a reference.

The person is always told (in the command's own answer, or ephemerally/by DM), and Slack gets
a 200: a 500 would only make Slack show a generic failure or, for events, retry in a loop.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import DealbotError
from bot.handlers.deps import Deps
from bot.slack.notifier import Notifier
from bot.views.format import Display
from bot.views.messages import error_text

log = logging.getLogger("bot.errors")


def on_error(
    error: Exception, body: dict[str, Any], client: WebClient, response: BoltResponse, deps: Deps | None
) -> None:
    # `deps` is in the context from the first middleware on; an error before it is told in English.
    d = deps.display if deps is not None else Display("en", UTC)
    if isinstance(error, DealbotError):
        message = f":warning: {error_text(error, d)}"
    else:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error (ref %s)", reference, exc_info=error)
        message = f":boom: {d.t('error.unexpected', ref=reference)}"
    response.status = 200
    if isinstance(body, dict) and "command" in body:  # a slash command: the answer carries it
        response.body = json.dumps({"response_type": "ephemeral", "text": message})
        response.headers["content-type"] = ["application/json;charset=utf-8"]
        return
    response.body = ""
    # The body may be anything a client sent (this handler also sees malformed requests):
    # tell the person only when it names them, and never fail here.
    user = _id(body, "user")
    if user:
        try:
            Notifier(client).tell(user, _id(body, "channel"), message)
        except SlackApiError as exc:
            log.warning("could not tell %s about an error: %s", user, exc.response.get("error"))


def register(app: App) -> None:
    app.error(on_error)


def _id(body: Any, key: str) -> str | None:
    """`body[key]["id"]` or `body[key + "_id"]`, when it is a string."""
    if not isinstance(body, dict):
        return None
    nested = body.get(key)
    found = nested.get("id") if isinstance(nested, dict) else body.get(f"{key}_id")
    return found if isinstance(found, str) and found else None

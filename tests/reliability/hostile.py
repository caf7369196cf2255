"""Requests captured before they are sent: exact bytes to replay, and real payloads to mutate.

`Capture` is a SlackClient whose transport keeps the signed request instead of sending it, so
a test holds exactly what Slack would send (body, timestamp, signature) and can send it as
often, and to as many replicas, as it likes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tests.e2e.conftest import SIGNING_SECRET, Bot
from tests.fakes.slack_api import Headers
from tests.fakes.slack_client import Response, SlackClient


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]

    def send(self, bot: Bot) -> Response:
        return bot.slack.raw(self.body, self.headers)

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON of an interaction (`payload=` form field) or of an event envelope."""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return dict(json.loads(self.body))
        return dict(json.loads(self.form["payload"]))


class Capture(SlackClient):
    """Builds and signs requests exactly as SlackClient sends them, and keeps the last one."""

    captured: Signed | None = None

    def raw(
        self, body: bytes, headers: Mapping[str, str], *, path: str | None = None, method: str = "POST"
    ) -> Response:
        self.captured = Signed(body, dict(headers))
        return Response(200, "", None, Headers())

    def last(self) -> Signed:
        assert self.captured is not None
        return self.captured


def capture(bot: Bot) -> Capture:
    return Capture(bot.url, SIGNING_SECRET, api_url=bot.api.url)

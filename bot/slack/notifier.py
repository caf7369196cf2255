"""One way to reach a person: ephemeral in the channel they used, else a DM from the app."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def dm(self, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        """Post into the app's DM with `user_id`; returns the message ts, None if Slack refused."""
        try:
            opened = self.client.conversations_open(users=user_id)
            channel = opened["channel"]["id"]
            posted = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return str(posted["ts"])
        except SlackApiError as exc:
            log.warning("could not DM %s: %s", user_id, exc.response.get("error"))
            return None

    def tell(
        self, user_id: str, channel_id: str | None, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Ephemeral in `channel_id` when there is one and the bot may post there, else a DM."""
        if channel_id:
            try:
                self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                # not_in_channel / channel_not_found: the command came from a channel the bot
                # has not joined. The person still gets the answer, privately.
                log.info("ephemeral to %s failed (%s); sending a DM", channel_id, exc.response.get("error"))
        self.dm(user_id, text, blocks)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        try:
            self.client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("could not publish Home for %s: %s", user_id, exc.response.get("error"))

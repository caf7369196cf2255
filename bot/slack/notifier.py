"""One way to reach people: ephemeral in the channel they used, else a DM from the app.

Scheduled messages (reminders, digests) use `deliver` and `upload`, which raise
`DeliveryFailed` with Slack's error code instead of swallowing it, so the caller can record the
failure and go on with the next recipient. 429s are retried by the client's rate-limit retry
handler (`bot.slack.client.web_client`) before anything is raised.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Slack would not take a scheduled message; `error` is Slack's code (or the transport error)."""

    def __init__(self, recipient: str, error: str) -> None:
        super().__init__(f"{recipient}: {error}")
        self.recipient = recipient
        self.error = error


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

    def deliver(self, recipient: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post to a user (in the app's DM with them) or a channel; returns the channel posted in."""
        try:
            channel = recipient
            if recipient[:1] in ("U", "W"):
                channel = self.client.conversations_open(users=recipient)["channel"]["id"]
            posted = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return str(posted["channel"])
        except SlackApiError as exc:
            raise DeliveryFailed(recipient, str(exc.response.get("error") or "unknown_error")) from exc
        except (SlackClientError, OSError) as exc:
            raise DeliveryFailed(recipient, type(exc).__name__) from exc

    def upload(self, channel: str, content: bytes, filename: str, title: str, alt_text: str) -> None:
        """Share a file in `channel` (files.getUploadURLExternal → upload → completeUploadExternal)."""
        try:
            self.client.files_upload_v2(
                channel=channel, content=content, filename=filename, title=title, alt_txt=alt_text
            )
        except SlackApiError as exc:
            raise DeliveryFailed(channel, str(exc.response.get("error") or "unknown_error")) from exc
        except (SlackClientError, OSError) as exc:
            raise DeliveryFailed(channel, type(exc).__name__) from exc

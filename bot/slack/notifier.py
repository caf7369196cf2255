"""Every Slack write that is not the direct answer to a request: DMs, ephemeral confirmations,
threaded replies, reactions, App Home, uploads. Ephemeral goes to the channel people used, else
a DM from the app.

Scheduled messages (reminders, digests) use `deliver` and `upload`, which raise
`DeliveryFailed` with Slack's error code instead of swallowing it, so the caller can record the
failure and go on with the next recipient. 429s are retried by the client's rate-limit retry
handler (`bot.slack.client.web_client`) before anything is raised.
"""

from __future__ import annotations

import contextlib
import logging
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import DeliveryFailed

log = logging.getLogger(__name__)


class Reaction(StrEnum):
    """The emoji dealbot puts on a shared voice memo, so the rep sees where it is."""

    RECEIVED = "eyes"
    FILED = "white_check_mark"
    FAILED = "warning"


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

    def reply(
        self,
        user_id: str,
        channel_id: str | None,
        thread_ts: str | None,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        """In the thread of the message at `thread_ts`; in a DM with `user_id` when we don't know it."""
        if not (channel_id and thread_ts):
            self.dm(user_id, text, blocks)
            return
        try:
            self.client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("could not reply in %s: %s", channel_id, exc.response.get("error"))

    def react(
        self, channel_id: str | None, ts: str | None, reaction: Reaction, *, replacing: Reaction | None = None
    ) -> None:
        """Put `reaction` on a message (taking `replacing` off first). A courtesy: a reaction that is
        already there, or a message that is gone, is no matter."""
        if not (channel_id and ts):
            return
        if replacing is not None:
            with contextlib.suppress(SlackApiError):
                self.client.reactions_remove(channel=channel_id, timestamp=ts, name=replacing)
        with contextlib.suppress(SlackApiError):
            self.client.reactions_add(channel=channel_id, timestamp=ts, name=reaction)

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

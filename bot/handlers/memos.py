"""Voice memos in Slack: audio shared with the bot becomes a job; buttons apply what it heard.

The event handlers only write the job row (committed before Slack hears back) and wake the
workers; downloading and transcribing happen in bot/workers/memos.py.
"""

from __future__ import annotations

import contextlib
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.handlers.deps import Deps
from bot.ids import Action
from bot.services.memos import MemoSource, is_audio
from bot.services.suggestions import decode
from bot.views.blocks import section
from bot.views.format import safe
from bot.views.modals import new_deal_modal
from bot.workers.memos import RECEIVED

SOURCE = "voice"


def register(app: App, deps: Deps) -> None:
    def accept(source: MemoSource, client: WebClient) -> None:
        job, announced = deps.memos.enqueue(source)
        if announced and job.channel_id and job.message_ts:
            # "Got it": the rep sees at once that the memo arrived. Already reacted (a retried
            # delivery) or not allowed there: no matter.
            with contextlib.suppress(SlackApiError):
                client.reactions_add(channel=job.channel_id, timestamp=job.message_ts, name=RECEIVED)
        deps.wake_workers()

    @app.event({"type": "message", "subtype": "file_share"})
    def file_share(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # context.team_id: in a channel shared with another organization the envelope's team_id
        # is the channel's originating workspace; bolt takes ours from `authorizations`.
        for file in event.get("files") or []:
            if not isinstance(file, dict) or not file.get("id") or is_audio(file) is False:
                continue
            source = MemoSource(
                team_id=str(context.team_id or event.get("team") or ""),
                file_id=str(file["id"]),
                user_id=str(event.get("user") or file.get("user") or ""),
                channel_id=event.get("channel"),
                message_ts=event.get("ts"),
                message_text=event.get("text"),
                file_name=file.get("name"),
                mimetype=file.get("mimetype"),
                size=file.get("size") if isinstance(file.get("size"), int) else None,
            )
            accept(source, client)

    @app.event("file_shared")
    def file_shared(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        file_id = event.get("file_id") or (event.get("file") or {}).get("id")
        if not file_id:
            return
        # Only the id: the worker asks files.info whether it is audio and where it was shared.
        source = MemoSource(
            team_id=str(context.team_id or ""),
            file_id=str(file_id),
            user_id=str(event.get("user_id") or ""),
            channel_id=event.get("channel_id"),
        )
        accept(source, client)

    @app.event("message")
    def other_messages() -> None:
        """Plain messages need nothing from dealbot (this keeps Slack from retrying them)."""

    @app.action(Action.MEMO_APPLY)
    def apply(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        deal_id, field, encoded = str(body["actions"][0]["value"]).split("|", 2)
        team, user = body["team"]["id"], body["user"]["id"]
        result = deps.deals.update(team, user, int(deal_id), decode(field, encoded), source=SOURCE)
        d = deps.display
        key = "memo.applied" if result.changes else "reply.unchanged"
        text = d.t(key, id=result.deal.id, field=d.t(f"field.{field}"), name=safe(result.deal.name, 200))
        respond(text=text, response_type="ephemeral", replace_original=False)

    @app.action(Action.MEMO_DEAL)
    def choose_deal(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        job_id, deal_id = (int(part) for part in str(body["actions"][0]["value"]).split(":", 1))
        team, user = body["team"]["id"], body["user"]["id"]
        outcome = deps.attach_memo(client, user, team, job_id, deal_id)
        d = deps.display
        if outcome != "saved":
            key = "memo.already_saved" if outcome == "gone" else "memo.not_yours"
            respond(text=d.t(key), response_type="ephemeral", replace_original=False)
            return
        deal = deps.deals.get(team, deal_id)
        text = d.t("memo.saved", id=deal.id, name=safe(deal.name, 200))
        respond(text=text, blocks=[section(text)], replace_original=True)

    @app.action(Action.MEMO_NEW_DEAL)
    def new_deal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        job_id = int(str(body["actions"][0]["value"]))
        view = new_deal_modal(
            deps.display,
            deps.settings.pipeline,
            body["user"]["id"],
            deps.settings.default_currency,
            (body.get("channel") or {}).get("id"),
            memo_job_id=job_id,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

"""Voice memos in Slack: audio shared with the bot becomes a job; buttons file it and apply what it heard.

The event listeners only write the job row (committed before Slack hears back) and wake the
workers; downloading and transcribing happen in the workers. Filing a memo on the deal a rep
picks is `MemoService.file`, the same use case the worker runs.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import MemoUnavailable
from bot.handlers.actions import value_of
from bot.handlers.deps import Caller, Deps
from bot.ids import Action
from bot.services.memo_queue import MemoSource, is_audio
from bot.slack.memo_replies import tell_filed
from bot.slack.notifier import Notifier, Reaction
from bot.slack.values import MemoApplyButton, MemoDealButton, MemoJobButton
from bot.views.blocks import section
from bot.views.format import safe
from storage.enums import Source

SOURCE = Source.VOICE


def accept(source: MemoSource, client: WebClient, deps: Deps) -> None:
    job, announced = deps.queue.enqueue(source)
    if announced:
        # "Got it": the rep sees at once that the memo arrived (once, however many events come).
        Notifier(client).react(job.channel_id, job.message_ts, Reaction.RECEIVED)
    deps.wake_workers()


def file_share(
    event: dict[str, Any], context: BoltContext, client: WebClient, deps: Deps, caller: Caller
) -> None:
    for file in event.get("files") or []:
        if not isinstance(file, dict) or not file.get("id") or is_audio(file) is False:
            continue
        source = MemoSource(
            team_id=caller.team_id,
            file_id=str(file["id"]),
            user_id=str(event.get("user") or file.get("user") or ""),
            channel_id=event.get("channel"),
            message_ts=event.get("ts"),
            message_text=event.get("text"),
            file_name=file.get("name"),
            mimetype=file.get("mimetype"),
            size=file.get("size") if isinstance(file.get("size"), int) else None,
        )
        accept(source, client, deps)


def file_shared(event: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    file_id = event.get("file_id") or (event.get("file") or {}).get("id")
    if not file_id:
        return
    # Only the id: the worker asks files.info whether it is audio and where it was shared.
    source = MemoSource(
        team_id=caller.team_id,
        file_id=str(file_id),
        user_id=str(event.get("user_id") or ""),
        channel_id=event.get("channel_id"),
    )
    accept(source, client, deps)


def other_messages() -> None:
    """Plain messages need nothing from dealbot (this keeps Slack from retrying them)."""


def apply(ack: Ack, body: dict[str, Any], respond: Respond, deps: Deps, caller: Caller) -> None:
    ack()
    button = MemoApplyButton.decode(value_of(body))
    result = deps.deals.update(caller.team_id, caller.user_id, button.deal, button.fields(), source=SOURCE)
    d = deps.display
    key = "memo.applied" if result.changes else "reply.unchanged"
    text = d.t(key, id=result.deal.id, field=d.t(f"field.{button.field}"), name=safe(result.deal.name, 200))
    respond(text=text, response_type="ephemeral", replace_original=False)


def choose_deal(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps, caller: Caller
) -> None:
    ack()
    button = MemoDealButton.decode(value_of(body))
    d = deps.display
    try:
        filed = deps.memos.file(caller.team_id, caller.user_id, button.job_id, button.deal_id)
    except MemoUnavailable as exc:
        key = "memo.not_yours" if exc.reason == "not_yours" else "memo.already_saved"
        respond(text=d.t(key), response_type="ephemeral", replace_original=False)
        return
    tell_filed(Notifier(client), filed, d)
    deal = filed.details.deal
    text = d.t("memo.saved", id=deal.id, name=safe(deal.name, 200))
    respond(text=text, blocks=[section(text)], replace_original=True)


def new_deal(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    button = MemoJobButton.decode(value_of(body))
    view = deps.new_deal_form(caller.user_id, caller.channel_id, memo_job_id=button.job_id)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.event({"type": "message", "subtype": "file_share"})(file_share)
    app.event("file_shared")(file_shared)
    app.event("message")(other_messages)
    app.action(Action.MEMO_APPLY)(apply)
    app.action(Action.MEMO_DEAL)(choose_deal)
    app.action(Action.MEMO_NEW_DEAL)(new_deal)

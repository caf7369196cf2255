"""Buttons: Edit, Add note, Won, Lost, Show, a chosen candidate, New deal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import NotAllowed
from bot.handlers.commands import CommandRunner, Invocation, with_ref
from bot.handlers.deps import Deps
from bot.ids import Action
from bot.slack.notifier import Notifier
from bot.views.blocks import section
from bot.views.deals import deal_card
from bot.views.format import safe
from bot.views.modals import edit_deal_modal, lost_modal, new_deal_modal, note_modal

SOURCE = "button"


def _deal_id(body: dict[str, Any]) -> int:
    return int(str(body["actions"][0]["value"]).split(":", 1)[0])


def _channel(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or body.get("container", {})
    return channel.get("id") or channel.get("channel_id")


def register(app: App, deps: Deps) -> None:
    runner = CommandRunner(deps)

    def open_for_editing(body: dict[str, Any], client: WebClient, build: Any) -> None:
        """Open a modal on a deal the user may change; otherwise say who may."""
        team, user = body["team"]["id"], body["user"]["id"]
        deal = deps.deals.get(team, _deal_id(body))
        if not deps.deals.can_edit(deal, user):
            raise NotAllowed(deal, deps.settings.managers)
        client.views_open(trigger_id=body["trigger_id"], view=build(deps.display, deal, _channel(body)))

    @app.action(Action.EDIT)
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_for_editing(
            body,
            client,
            lambda display, deal, channel: edit_deal_modal(display, deps.settings.pipeline, deal, channel),
        )

    @app.action(Action.NOTE)
    def note(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_for_editing(body, client, note_modal)

    @app.action(Action.LOST)
    def lost(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_for_editing(body, client, lost_modal)

    @app.action(Action.WON)
    def won(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team, user = body["team"]["id"], body["user"]["id"]
        result = deps.deals.mark_won(team, user, _deal_id(body), source=SOURCE)
        details = deps.deals.details(team, result.deal.id)
        headline = deps.display.t("reply.won", id=result.deal.id, name=safe(result.deal.name, 200))
        blocks = [section(headline), *deal_card(details.deal, deps.display, details)]
        if body.get("response_url"):
            respond(text=headline, blocks=blocks, replace_original=True, response_type="ephemeral")
        else:
            Notifier(client).dm(user, headline, blocks)
        deps.refresh_home(Notifier(client), team, user)

    @app.action(Action.SHOW)
    def show(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team = body["team"]["id"]
        details = deps.deals.details(team, _deal_id(body))
        blocks = deal_card(details.deal, deps.display, details)
        respond(text=f"#{details.deal.id}", blocks=blocks, replace_original=False, response_type="ephemeral")

    @app.action(Action.PICK)
    def pick(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        deal_id_text, _, text = str(body["actions"][0]["value"]).partition(":")
        call = Invocation(body["team"]["id"], body["user"]["id"], _channel(body), text)
        command = with_ref(runner.parse(text), int(deal_id_text))
        reply = runner.run(call, command)
        respond(**reply.as_kwargs(), replace_original=True)

    @app.action(Action.NEW)
    def new(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = new_deal_modal(
            deps.display, deps.settings.pipeline, body["user"]["id"], deps.settings.default_currency, None
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

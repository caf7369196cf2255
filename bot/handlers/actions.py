"""Buttons on deal cards and lists: Edit, Add note, Won, Lost, Show, a chosen candidate, New deal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.handlers.commands import CommandRunner, parse, with_ref
from bot.handlers.deps import Caller, Deps
from bot.ids import Action
from bot.slack.notifier import Notifier
from bot.slack.values import DealButton, PickButton
from bot.views.blocks import section
from bot.views.deals import deal_card
from bot.views.format import Display, safe
from bot.views.modals import View, edit_deal_modal, lost_modal, note_modal
from storage.enums import Source
from storage.models import Deal

SOURCE = Source.BUTTON
# Builds the form for a deal: (display, deal, channel) → view.
FormBuilder = Callable[[Display, Deal, str | None], View]


def value_of(body: dict[str, Any]) -> object:
    """The clicked element's value (bolt has checked that `actions` is a list of objects)."""
    return body["actions"][0].get("value")


def open_form(
    body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller, build: FormBuilder
) -> None:
    """Open a form on a deal the user may change; otherwise NotAllowed says who may."""
    deal = deps.deals.for_editing(caller.team_id, caller.user_id, DealButton.decode(value_of(body)).deal_id)
    client.views_open(trigger_id=body["trigger_id"], view=build(deps.display, deal, caller.channel_id))


def edit(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    pipeline = deps.settings.pipeline
    open_form(
        body, client, deps, caller, lambda d, deal, channel: edit_deal_modal(d, pipeline, deal, channel)
    )


def note(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    open_form(body, client, deps, caller, note_modal)


def lost(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    open_form(body, client, deps, caller, lost_modal)


def won(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, deps: Deps, caller: Caller
) -> None:
    ack()
    deal_id = DealButton.decode(value_of(body)).deal_id
    result = deps.deals.mark_won(caller.team_id, caller.user_id, deal_id, source=SOURCE)
    d = deps.display
    headline = d.t("reply.won", id=result.deal.id, name=safe(result.deal.name, 200))
    blocks = [section(headline), *deal_card(result.deal, d, result.details)]
    notifier = Notifier(client)
    if body.get("response_url"):
        respond(text=headline, blocks=blocks, replace_original=True, response_type="ephemeral")
    else:
        notifier.dm(caller.user_id, headline, blocks)
    deps.refresh_home(notifier, caller.team_id, caller.user_id)


def show(ack: Ack, body: dict[str, Any], respond: Respond, deps: Deps, caller: Caller) -> None:
    ack()
    details = deps.deals.details(caller.team_id, DealButton.decode(value_of(body)).deal_id)
    blocks = deal_card(details.deal, deps.display, details)
    respond(text=f"#{details.deal.id}", blocks=blocks, replace_original=False, response_type="ephemeral")


def pick(ack: Ack, body: dict[str, Any], respond: Respond, deps: Deps, caller: Caller) -> None:
    ack()
    picked = PickButton.decode(value_of(body))
    command = with_ref(parse(picked.command, deps), picked.deal_id)
    reply = CommandRunner(deps, caller, picked.command).run(command)
    respond(**reply.as_kwargs(), replace_original=True)


def new(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    view = deps.new_deal_form(caller.user_id, None)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.action(Action.EDIT)(edit)
    app.action(Action.NOTE)(note)
    app.action(Action.LOST)(lost)
    app.action(Action.WON)(won)
    app.action(Action.SHOW)(show)
    app.action(Action.PICK)(pick)
    app.action(Action.NEW)(new)

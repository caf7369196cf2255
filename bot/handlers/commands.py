"""`/deal …`: parse the text, call the deal service, answer in the ack (ephemeral)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import AmbiguousDeal, DealbotError, ParseError
from bot.handlers.deps import Deps
from bot.parsing.command import parse_command
from bot.parsing.commands import (
    AddNote,
    Command,
    FindDeals,
    Help,
    ListDeals,
    MarkLost,
    MarkWon,
    NewDeal,
    OpenNewDealModal,
    ShowDeal,
    UpdateDeal,
)
from bot.services.deals import DealUpdate, FieldChange
from bot.services.fields import Ref
from bot.views.blocks import Block, section
from bot.views.deals import candidates, change_value, deal_card, deal_list
from bot.views.format import Display, mention, safe
from bot.views.messages import error_text, help_blocks, parse_error_blocks, usage
from bot.views.modals import new_deal_modal

SOURCE = "slash"


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer: fallback text plus blocks."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.blocks}


@dataclass(frozen=True)
class Invocation:
    team_id: str
    user_id: str
    channel_id: str | None
    text: str


class CommandRunner:
    """Turns one `/deal` invocation into a Reply (or None when a modal opens instead)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def parse(self, text: str) -> Command:
        return parse_command(text, self.deps.today(), self.deps.settings.pipeline)

    def run(self, call: Invocation, command: Command) -> Reply:
        d = self.deps.display
        try:
            return self._dispatch(call, command)
        except AmbiguousDeal as exc:
            return Reply(d.t("error.ambiguous", ref=safe(exc.reference, 100)), candidates(exc, call.text, d))
        except DealbotError as exc:
            message = f":warning: {error_text(exc, d)}"
            blocks = [section(message)]
            subcommand = _subcommand_of(command)
            if subcommand is not None:
                blocks.append(section(usage(d, subcommand)))
            return Reply(message, blocks)

    def parse_error(self, error: ParseError) -> Reply:
        d = self.deps.display
        blocks = parse_error_blocks(error, d, self.deps.settings.pipeline)
        return Reply(blocks[0]["text"]["text"], blocks)

    def _dispatch(self, call: Invocation, command: Command) -> Reply:
        d = self.deps.display
        deals = self.deps.deals
        team, user = call.team_id, call.user_id
        match command:
            case Help():
                return Reply(d.t("help.title"), help_blocks(d, self.deps.settings.pipeline))
            case NewDeal(name=name, fields=fields):
                deal = deals.create(team, user, dataclasses.replace(fields, name=name), source=SOURCE)
                return self._card(deal.id, team, d.t("reply.created", id=deal.id, name=safe(deal.name, 200)))
            case UpdateDeal(ref=ref, fields=fields):
                deal = deals.resolve(team, ref)
                return self._changed(deals.update(team, user, deal.id, fields, source=SOURCE), team)
            case AddNote(ref=ref, text=text):
                deal = deals.resolve(team, ref)
                deals.add_note(team, user, deal.id, text, source=SOURCE)
                return self._card(deal.id, team, d.t("reply.noted", id=deal.id, name=safe(deal.name, 200)))
            case MarkWon(ref=ref):
                deal = deals.resolve(team, ref)
                result = deals.mark_won(team, user, deal.id, source=SOURCE)
                return self._card(
                    deal.id, team, d.t("reply.won", id=deal.id, name=safe(result.deal.name, 200))
                )
            case MarkLost(ref=ref, reason=reason):
                deal = deals.resolve(team, ref)
                result = deals.mark_lost(team, user, deal.id, reason, source=SOURCE)
                return self._card(
                    deal.id, team, d.t("reply.lost", id=deal.id, name=safe(result.deal.name, 200))
                )
            case ShowDeal(ref=ref):
                deal = deals.resolve(team, ref)
                return self._card(deal.id, team, None)
            case ListDeals():
                page = deals.list_deals(team, user, command)
                title = _list_title(command, d)
                return Reply(title, deal_list(page, title, d))
            case FindDeals(text=text):
                page = deals.find(team, text)
                title = d.t("list.found", query=safe(text, 100))
                return Reply(title, deal_list(page, title, d))
        raise AssertionError(f"unhandled command {command!r}")

    def _card(self, deal_id: int, team_id: str, headline: str | None) -> Reply:
        d = self.deps.display
        details = self.deps.deals.details(team_id, deal_id)
        blocks = deal_card(details.deal, d, details)
        if headline is not None:
            blocks.insert(0, section(headline))
        return Reply(headline or f"#{details.deal.id} {safe(details.deal.name, 200)}", blocks)

    def _changed(self, result: DealUpdate, team_id: str) -> Reply:
        d = self.deps.display
        if not result.changes:
            return self._card(result.deal.id, team_id, d.t("reply.unchanged", id=result.deal.id))
        summary = ", ".join(_change_text(change, d) for change in result.changes)
        return self._card(result.deal.id, team_id, d.t("reply.updated", id=result.deal.id, changes=summary))


def _change_text(change: FieldChange, d: Display) -> str:
    return f"{d.t(f'field.{change.field}')} → {change_value(change.field, change.new, d)}"


def _subcommand_of(command: Command) -> str | None:
    names: dict[type, str] = {
        NewDeal: "new",
        UpdateDeal: "update",
        AddNote: "note",
        MarkWon: "won",
        MarkLost: "lost",
        ShowDeal: "show",
        ListDeals: "list",
        FindDeals: "find",
    }
    return names.get(type(command))


def _list_title(query: ListDeals, d: Display) -> str:
    title = d.t("list.owner", owner=mention(query.owner)) if query.owner else d.t(f"list.{query.scope}")
    if query.stage:
        title += f" · {d.stage(query.stage)}"
    return title


def with_ref(command: Command, deal_id: int) -> Command:
    """The same command aimed at one deal (a candidate chosen after an ambiguous ref)."""
    if isinstance(command, UpdateDeal | AddNote | MarkWon | MarkLost | ShowDeal):
        return dataclasses.replace(command, ref=Ref(number=deal_id))
    return command


def register(app: App, deps: Deps) -> None:
    runner = CommandRunner(deps)

    @app.command("/deal")
    def deal_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        call = Invocation(
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command.get("channel_id"),
            text=command.get("text") or "",
        )
        try:
            parsed = runner.parse(call.text)
        except ParseError as exc:
            ack(**runner.parse_error(exc).as_kwargs())
            return
        if isinstance(parsed, OpenNewDealModal):
            ack()
            view = new_deal_modal(
                deps.display,
                deps.settings.pipeline,
                call.user_id,
                deps.settings.default_currency,
                call.channel_id,
            )
            client.views_open(trigger_id=command["trigger_id"], view=view)
            return
        ack(**runner.run(call, parsed).as_kwargs())

"""`/deal …`: parse the text, run one use case, answer in the ack (ephemeral)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import AmbiguousDeal, DealbotError, ParseError
from bot.handlers.deps import Caller, Deps
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
from bot.services.deal_rules import FieldChange
from bot.services.deal_work import DealDetails
from bot.services.deals import DealUpdate
from bot.services.fields import Ref
from bot.views.blocks import Block, section
from bot.views.deals import candidates, change_value, deal_card, deal_list
from bot.views.format import Display, mention, safe
from bot.views.messages import error_text, help_blocks, parse_error_blocks, usage
from storage.enums import Source

SOURCE = Source.SLASH


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer: fallback text plus blocks."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.blocks}


class CommandRunner:
    """Turns one parsed `/deal` command into a Reply: one use case, then its view."""

    def __init__(self, deps: Deps, caller: Caller, text: str) -> None:
        self.deps = deps
        self.caller = caller
        self.text = text  # as typed: an ambiguous reference's buttons finish it

    def run(self, command: Command) -> Reply:
        d = self.deps.display
        try:
            return self._dispatch(command)
        except AmbiguousDeal as exc:
            return Reply(d.t("error.ambiguous", ref=safe(exc.reference, 100)), candidates(exc, self.text, d))
        except DealbotError as exc:
            message = f":warning: {error_text(exc, d)}"
            blocks = [section(message)]
            subcommand = _subcommand_of(command)
            if subcommand is not None:
                blocks.append(section(usage(d, subcommand)))
            return Reply(message, blocks)

    def _dispatch(self, command: Command) -> Reply:
        d = self.deps.display
        deals = self.deps.deals
        team, user = self.caller.team_id, self.caller.user_id
        match command:
            case Help():
                return Reply(d.t("help.title"), help_blocks(d, self.deps.settings.pipeline))
            case NewDeal(name=name, fields=fields):
                created = deals.create(team, user, dataclasses.replace(fields, name=name), source=SOURCE)
                return _card(
                    created, d, d.t("reply.created", id=created.deal.id, name=safe(created.deal.name, 200))
                )
            case UpdateDeal(ref=ref, fields=fields):
                return _changed(deals.update(team, user, ref, fields, source=SOURCE), d)
            case AddNote(ref=ref, text=text):
                added = deals.add_note(team, user, ref, text, source=SOURCE)
                deal = added.details.deal
                return _card(added.details, d, d.t("reply.noted", id=deal.id, name=safe(deal.name, 200)))
            case MarkWon(ref=ref):
                won = deals.mark_won(team, user, ref, source=SOURCE)
                return _card(won.details, d, d.t("reply.won", id=won.deal.id, name=safe(won.deal.name, 200)))
            case MarkLost(ref=ref, reason=reason):
                lost = deals.mark_lost(team, user, ref, reason, source=SOURCE)
                return _card(
                    lost.details, d, d.t("reply.lost", id=lost.deal.id, name=safe(lost.deal.name, 200))
                )
            case ShowDeal(ref=ref):
                return _card(deals.details(team, ref), d, None)
            case ListDeals():
                page = deals.list_deals(team, user, command)
                title = _list_title(command, d)
                return Reply(title, deal_list(page, title, d))
            case FindDeals(text=text):
                page = deals.find(team, text)
                title = d.t("list.found", query=safe(text, 100))
                return Reply(title, deal_list(page, title, d))
        raise AssertionError(f"unhandled command {command!r}")


def _card(details: DealDetails, d: Display, headline: str | None) -> Reply:
    blocks = deal_card(details.deal, d, details)
    if headline is not None:
        blocks.insert(0, section(headline))
    return Reply(headline or f"#{details.deal.id} {safe(details.deal.name, 200)}", blocks)


def _changed(result: DealUpdate, d: Display) -> Reply:
    if not result.changes:
        return _card(result.details, d, d.t("reply.unchanged", id=result.deal.id))
    summary = ", ".join(_change_text(change, d) for change in result.changes)
    return _card(result.details, d, d.t("reply.updated", id=result.deal.id, changes=summary))


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


def parse(text: str, deps: Deps) -> Command:
    return parse_command(text, deps.today(), deps.settings.pipeline)


def parse_error_reply(error: ParseError, deps: Deps) -> Reply:
    blocks = parse_error_blocks(error, deps.display, deps.settings.pipeline)
    return Reply(blocks[0]["text"]["text"], blocks)


def with_ref(command: Command, deal_id: int) -> Command:
    """The same command aimed at one deal (a candidate chosen after an ambiguous ref)."""
    if isinstance(command, UpdateDeal | AddNote | MarkWon | MarkLost | ShowDeal):
        return dataclasses.replace(command, ref=Ref(number=deal_id))
    return command


def deal_command(ack: Ack, command: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    text = command.get("text") or ""
    try:
        parsed = parse(text, deps)
    except ParseError as exc:
        ack(**parse_error_reply(exc, deps).as_kwargs())
        return
    if isinstance(parsed, OpenNewDealModal):
        ack()
        client.views_open(
            trigger_id=command["trigger_id"], view=deps.new_deal_form(caller.user_id, caller.channel_id)
        )
        return
    ack(**CommandRunner(deps, caller, text).run(parsed).as_kwargs())


def register(app: App) -> None:
    app.command("/deal")(deal_command)

"""Form submissions: problems go back next to the field and nothing is written; success confirms."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.handlers import modals
from bot.handlers.deps import Caller, Deps
from bot.ids import INPUT_ACTION, Block
from bot.services.deals import DealService
from bot.services.fields import DealFields, ListQuery
from tests.conftest import TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.handlers.conftest import Recorder


def text(value: str) -> dict[str, Any]:
    return {INPUT_ACTION: {"type": "plain_text_input", "value": value}}


def form(values: dict[str, Any], **meta: object) -> dict[str, Any]:
    return {"type": "modal", "private_metadata": json.dumps(meta), "state": {"values": values}}


def test_a_bad_amount_is_shown_under_its_field_and_nothing_is_created(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, deals: DealService
) -> None:
    modals.new_deal(ack, form({Block.NAME: text("Acme"), Block.AMOUNT: text("lots")}), client, deps, rep)
    assert ack.last["response_action"] == "errors"
    assert list(ack.last["errors"]) == [Block.AMOUNT] and "lots" in ack.last["errors"][Block.AMOUNT]
    assert deals.list_deals(TEAM, rep.user_id, ListQuery("all")).total == 0


def test_a_new_deal_closes_the_form_and_is_confirmed_privately(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, fake_slack: FakeSlackAPI
) -> None:
    submitted = form({Block.NAME: text("Acme"), Block.AMOUNT: text("1.2M")}, channel_id="C0SALES")
    modals.new_deal(ack, submitted, client, deps, rep)
    assert ack.calls == [{}]
    [confirmation] = fake_slack.calls("chat.postEphemeral")
    assert confirmation.args["channel"] == "C0SALES" and "Acme" in json.dumps(confirmation.args["blocks"])
    assert deps.deals.get(TEAM, 1).amount == 120_000_000


def test_a_form_opened_on_an_older_version_reopens_with_the_current_values(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Acme"), source="slash").deal
    deps.deals.update(TEAM, rep.user_id, deal.id, DealFields(stage="proposal"), source="slash")
    stale = form({Block.NAME: text("Acme v2")}, deal_id=deal.id, version=1)
    modals.edit_deal(ack, stale, client, deps, rep)
    assert ack.last["response_action"] == "update"
    assert deps.deals.get(TEAM, deal.id).name == "Acme"


def test_a_note_on_someone_elses_deal_is_refused_next_to_the_field(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, other_rep: Caller
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Acme"), source="slash").deal
    modals.add_note(ack, form({Block.NOTE: text("sneaky")}, deal_id=deal.id), client, deps, other_rep)
    assert ack.last["response_action"] == "errors" and "Only the owner" in str(ack.last["errors"])
    assert deps.deals.details(TEAM, deal.id).note_count == 0

"""The snooze form: its choices, checked on the server; who may snooze."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.errors import StaleAction
from bot.handlers import reminders
from bot.handlers.deps import Caller, Deps
from bot.ids import INPUT_ACTION, Block
from bot.services.fields import DealFields
from tests.conftest import TEAM
from tests.handlers.conftest import Recorder


def snooze_form(deal_id: int, choice: str, until: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {Block.SNOOZE_FOR: {INPUT_ACTION: {"selected_option": {"value": choice}}}}
    if until:
        values[Block.SNOOZE_UNTIL] = {INPUT_ACTION: {"selected_date": until}}
    return {"private_metadata": json.dumps({"deal_id": deal_id}), "state": {"values": values}}


def test_a_snooze_until_a_past_date_is_refused_under_the_date(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Acme"), source="slash").deal
    reminders.submit_snooze(ack, snooze_form(deal.id, "date", "2001-01-01"), client, deps, rep)
    assert ack.last["response_action"] == "errors" and list(ack.last["errors"]) == [Block.SNOOZE_UNTIL]
    assert deps.deals.get(TEAM, deal.id).snoozed_until is None


def test_a_week_snooze_pauses_reminders_and_is_confirmed(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Acme"), source="slash").deal
    reminders.submit_snooze(ack, snooze_form(deal.id, "1w"), client, deps, rep)
    assert ack.calls == [{}]
    assert deps.deals.get(TEAM, deal.id).snoozed_until is not None


def test_an_unknown_snooze_choice_is_refused(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Acme"), source="slash").deal
    with pytest.raises(StaleAction):
        reminders.submit_snooze(ack, snooze_form(deal.id, "forever"), client, deps, rep)

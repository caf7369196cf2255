"""`/deal`: the listener answers in its ack, or opens the form."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.handlers.commands import deal_command
from bot.handlers.deps import Caller, Deps
from bot.services.deals import DealService
from bot.services.fields import ListQuery
from tests.conftest import TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.handlers.conftest import Recorder


def slash(text: str, trigger_id: str = "trigger") -> dict[str, str]:
    return {"command": "/deal", "text": text, "trigger_id": trigger_id}


def test_new_answers_with_the_card_of_the_deal_it_made(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, deals: DealService
) -> None:
    deal_command(ack, slash('new Acme renewal amount:50k close:"2026-12-15"'), client, deps, rep)
    assert ack.last["response_type"] == "ephemeral"
    assert "Acme renewal" in ack.shown() and "$50,000" in ack.shown()
    [deal] = deals.list_deals(TEAM, rep.user_id, ListQuery("mine")).deals
    assert (deal.name, deal.amount) == ("Acme renewal", 5_000_000)


def test_a_malformed_command_gets_the_usage_line_and_writes_nothing(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, deals: DealService
) -> None:
    deal_command(ack, slash("new Acme amount:lots"), client, deps, rep)
    shown = ack.shown()
    assert "lots" in shown and "/deal new <name>" in shown
    assert deals.list_deals(TEAM, rep.user_id, ListQuery("mine")).total == 0


def test_no_text_opens_the_new_deal_form(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, fake_slack: FakeSlackAPI
) -> None:
    deal_command(ack, slash("", trigger_id=fake_slack.issue_trigger(rep.user_id)), client, deps, rep)
    assert ack.calls == [{}]
    [opened] = fake_slack.calls("views.open")
    assert opened.args["view"]["callback_id"] == "deal_new_modal"


def test_update_of_someone_elses_deal_says_who_may_and_changes_nothing(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, other_rep: Caller, deals: DealService
) -> None:
    deal_command(ack, slash("new Globex amount:10k"), client, deps, rep)
    deal_command(ack, slash("update #1 amount:1"), client, deps, other_rep)
    assert "Only the owner" in ack.shown()
    assert deals.get(TEAM, 1).amount == 1_000_000


def test_an_ambiguous_name_offers_each_deal_as_a_button_that_finishes_the_command(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller
) -> None:
    for name in ("Acme north", "Acme south"):
        deal_command(ack, slash(f"new {name}"), client, deps, rep)
    deal_command(ack, slash("update acme stage:proposal"), client, deps, rep)
    buttons = [b["accessory"] for b in ack.last["blocks"] if b.get("accessory")]
    assert [button["value"] for button in buttons] == [
        "1:update acme stage:proposal",
        "2:update acme stage:proposal",
    ]

"""Buttons on cards: each one use case, typed values, who may."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.errors import NotAllowed, StaleAction
from bot.handlers import actions
from bot.handlers.deps import Caller, Deps
from bot.services.deals import DealService
from bot.services.fields import DealFields
from tests.conftest import TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.handlers.conftest import Recorder


def click(value: str, fake_slack: FakeSlackAPI, user: str, *, response_url: str | None = "https://x") -> dict:  # type: ignore[type-arg]
    return {
        "type": "block_actions",
        "actions": [{"action_id": "any", "value": value}],
        "trigger_id": fake_slack.issue_trigger(user),
        **({"response_url": response_url} if response_url else {}),
    }


@pytest.fixture
def acme(deals: DealService, rep: Caller) -> int:
    return deals.create(TEAM, rep.user_id, DealFields(name="Acme", stage="proposal"), source="slash").deal.id


def test_edit_opens_the_form_filled_with_the_deal(
    ack: Recorder, client: WebClient, deps: Deps, rep: Caller, fake_slack: FakeSlackAPI, acme: int
) -> None:
    actions.edit(ack, click(str(acme), fake_slack, rep.user_id), client, deps, rep)
    [opened] = fake_slack.calls("views.open")
    assert opened.args["view"]["callback_id"] == "deal_edit_modal"
    assert '"deal_id":1' in opened.args["view"]["private_metadata"]


def test_edit_by_someone_who_may_not_change_the_deal_opens_nothing(
    ack: Recorder, client: WebClient, deps: Deps, other_rep: Caller, fake_slack: FakeSlackAPI, acme: int
) -> None:
    with pytest.raises(NotAllowed):
        actions.edit(ack, click(str(acme), fake_slack, other_rep.user_id), client, deps, other_rep)
    assert ack.calls == [{}]  # acknowledged first; the error handler tells the person
    assert fake_slack.calls("views.open") == []


def test_won_replaces_the_message_with_the_won_card_and_refreshes_home(
    ack: Recorder,
    respond: Recorder,
    client: WebClient,
    deps: Deps,
    rep: Caller,
    fake_slack: FakeSlackAPI,
    acme: int,
) -> None:
    actions.won(ack, click(str(acme), fake_slack, rep.user_id), respond, client, deps, rep)
    assert respond.last["replace_original"] is True and "won" in respond.shown().lower()
    assert deps.deals.get(TEAM, acme).status == "won"
    assert fake_slack.home_view(rep.user_id) is not None


@pytest.mark.parametrize("value", ["", "0", "-1", "1e3", "abc", "9" * 40, "1:2"])
def test_a_forged_deal_button_value_is_refused_as_out_of_date(
    ack: Recorder,
    respond: Recorder,
    client: WebClient,
    deps: Deps,
    rep: Caller,
    fake_slack: FakeSlackAPI,
    acme: int,
    value: str,
) -> None:
    with pytest.raises(StaleAction):
        actions.won(ack, click(value, fake_slack, rep.user_id), respond, client, deps, rep)
    assert deps.deals.get(TEAM, acme).status == "open"


def test_pick_finishes_the_ambiguous_command_on_the_chosen_deal(
    ack: Recorder, respond: Recorder, deps: Deps, rep: Caller, fake_slack: FakeSlackAPI, acme: int
) -> None:
    actions.pick(ack, click(f"{acme}:update acm prob:45", fake_slack, rep.user_id), respond, deps, rep)
    assert deps.deals.get(TEAM, acme).probability == 45
    assert respond.last["replace_original"] is True

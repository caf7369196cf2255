"""Memo buttons: file a memo on the chosen deal exactly once; apply what it heard, checked as typed."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.errors import StaleAction
from bot.handlers import memos
from bot.handlers.deps import Caller, Deps
from bot.services.fields import DealFields
from bot.services.memo_queue import MemoSource
from bot.slack.values import MemoApplyButton, MemoDealButton
from tests.conftest import TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.handlers.conftest import Recorder


def click(value: str) -> dict:  # type: ignore[type-arg]
    return {
        "type": "block_actions",
        "actions": [{"action_id": "any", "value": value}],
        "response_url": "https://x",
    }


@pytest.fixture
def waiting_memo(deps: Deps, rep: Caller) -> int:
    """A transcribed memo of the rep's, waiting for its deal, shared in #sales."""
    job, _ = deps.queue.enqueue(MemoSource(TEAM, "F0MEMO", rep.user_id, "C0SALES", "1732400000.000100"))
    deps.queue.update(job.id, transcript="Budget is $60,000. Next step is to send the quote.", language="en")
    deps.queue.awaiting_deal(job.id)
    return job.id


def test_choosing_a_deal_files_the_memo_there_once_however_often_it_is_pressed(
    ack: Recorder,
    respond: Recorder,
    client: WebClient,
    deps: Deps,
    rep: Caller,
    fake_slack: FakeSlackAPI,
    waiting_memo: int,
) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Globex"), source="slash").deal
    value = MemoDealButton(waiting_memo, deal.id).encode()
    memos.choose_deal(ack, click(value), client, respond, deps, rep)
    memos.choose_deal(ack, click(value), client, respond, deps, rep)
    assert deps.deals.details(TEAM, deal.id).note_count == 1
    assert "already" in respond.last["text"]
    assert len(fake_slack.calls("chat.postMessage")) == 1  # one threaded reply
    assert [c.args["name"] for c in fake_slack.calls("reactions.add")] == ["white_check_mark"]


def test_another_reps_memo_is_not_theirs_to_file(
    ack: Recorder, respond: Recorder, client: WebClient, deps: Deps, other_rep: Caller, waiting_memo: int
) -> None:
    deal = deps.deals.create(TEAM, other_rep.user_id, DealFields(name="Theirs"), source="slash").deal
    memos.choose_deal(
        ack, click(MemoDealButton(waiting_memo, deal.id).encode()), client, respond, deps, other_rep
    )
    assert "Only the person" in respond.last["text"]
    assert deps.deals.details(TEAM, deal.id).note_count == 0


def test_apply_sets_the_field_it_carries(ack: Recorder, respond: Recorder, deps: Deps, rep: Caller) -> None:
    deal = deps.deals.create(TEAM, rep.user_id, DealFields(name="Globex"), source="slash").deal
    memos.apply(
        ack,
        click(MemoApplyButton(deal=deal.id, field="amount", value="60000 USD").encode()),
        respond,
        deps,
        rep,
    )
    assert deps.deals.get(TEAM, deal.id).amount == 6_000_000


@pytest.mark.parametrize(
    "value",
    [
        "1|amount|USD 5000",  # the old format
        '{"deal": 1, "field": "status", "value": "won"}',  # not a field a memo suggests
        '{"deal": 1, "field": "amount", "value": "lots USD"}',
        '{"deal": 1, "field": "close_date", "value": "someday"}',
        '{"deal": 0, "field": "stage", "value": "won"}',
    ],
)
def test_a_forged_apply_value_is_refused(
    ack: Recorder, respond: Recorder, deps: Deps, rep: Caller, value: str
) -> None:
    deps.deals.create(TEAM, rep.user_id, DealFields(name="Globex"), source="slash")
    with pytest.raises(StaleAction):
        memos.apply(ack, click(value), respond, deps, rep)
    assert deps.deals.get(TEAM, 1).version == 1

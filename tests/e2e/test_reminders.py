"""The reminder's Snooze button and modal, end to end through the real bolt app."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import Deal, DealEvent
from tests.conftest import OTHER_REP, REP
from tests.e2e.conftest import Bot
from tests.fakes.slack_client import datepicker, plain_text_input


def radio(value: str) -> dict[str, object]:
    return {
        "type": "radio_buttons",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def snooze_form(choice: str, until: str | None = None, reason: str | None = None) -> dict[str, object]:
    return {
        Block.SNOOZE_FOR: {"value": radio(choice)},
        Block.SNOOZE_UNTIL: {"value": datepicker(until)},
        Block.REASON: {"value": plain_text_input(reason)},
    }


def new_deal(bot: Bot, name: str = "Acme") -> None:
    assert bot.slack.command(f"new {name}", user_id=REP).status == 200


def test_the_snooze_button_opens_the_snooze_modal_for_the_owner_only(bot: Bot) -> None:
    new_deal(bot)
    bot.slack.block_action(Action.SNOOZE, "1", user_id=REP)
    [call] = bot.api.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == Callback.SNOOZE
    assert [b.get("block_id") for b in view["blocks"][1:]] == [
        Block.SNOOZE_FOR,
        Block.SNOOZE_UNTIL,
        Block.REASON,
    ]
    assert json.loads(view["private_metadata"])["deal_id"] == 1

    bot.slack.block_action(Action.SNOOZE, "1", user_id=OTHER_REP)
    [refusal] = bot.api.wait_for("chat.postEphemeral")
    assert "Only the owner" in refusal.args["text"] and len(bot.api.calls("views.open")) == 1


def test_snoozing_for_a_week_pauses_reminders_and_confirms(bot: Bot) -> None:
    new_deal(bot)
    meta = json.dumps({"deal_id": 1, "channel_id": "D0REP"})
    response = bot.slack.view_submission(
        Callback.SNOOZE, snooze_form("1w", reason="on holiday <!here>"), private_metadata=meta
    )
    assert response.status == 200 and not response.body
    [confirmation] = bot.api.wait_for("chat.postEphemeral")
    resume = datetime.now(bot.settings.tz).date() + timedelta(days=7)
    assert "snoozed until" in confirmation.args["text"]
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
        assert deal.snoozed_until is not None
        assert deal.snoozed_until.astimezone(bot.settings.tz).date() == resume
        assert deal.snooze_reason == "on holiday <!here>" and deal.version == 1
        event = session.scalars(select(DealEvent).where(DealEvent.field == "snoozed_until")).one()
        assert event.new_value is not None and event.new_value.startswith(resume.isoformat())


def test_a_snooze_date_in_the_past_is_refused_next_to_the_date(bot: Bot) -> None:
    new_deal(bot)
    meta = json.dumps({"deal_id": 1})
    response = bot.slack.view_submission(
        Callback.SNOOZE, snooze_form("date", until=date(2020, 1, 1).isoformat()), private_metadata=meta
    )
    assert response.json is not None and response.json["response_action"] == "errors"
    assert Block.SNOOZE_UNTIL in response.json["errors"]
    missing = bot.slack.view_submission(Callback.SNOOZE, snooze_form("date"), private_metadata=meta)
    assert missing.json is not None and "Pick the day" in missing.json["errors"][Block.SNOOZE_UNTIL]
    with bot.db.read() as session:
        assert session.scalars(select(Deal.snoozed_until)).one() is None

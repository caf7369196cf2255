"""The reminder message and the snooze modal: limits, escaping, both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.ids import Action, Block, Callback
from bot.services.reminders import OwnerReminder
from bot.views.format import Display
from bot.views.reminders import reminder_blocks, reminder_text, snooze_modal
from storage.models import Deal
from tests.fakes.slack_api import blocks_errors, view_errors

TOKYO = ZoneInfo("Asia/Tokyo")
AS_OF = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def deal(deal_id: int, name: str, days: int, **extra: object) -> Deal:
    return Deal(
        id=deal_id,
        team_id="T0TEAM",
        name=name,
        owner="U0REP",
        stage="proposal",
        amount=5_000_000,
        currency="USD",
        last_activity_at=AS_OF - timedelta(days=days),
        status="open",
        **extra,
    )


def reminder(count: int = 2, total: int | None = None) -> OwnerReminder:
    deals = tuple(deal(i + 1, f"Deal {i + 1}", 20 - i) for i in range(count))
    return OwnerReminder("T0TEAM", "U0REP", deals, total or count)


def test_reminder_lists_each_deal_with_its_buttons_and_counts_the_rest() -> None:
    blocks = reminder_blocks(reminder(10, total=13), Display("en", TOKYO), AS_OF)
    assert blocks_errors(blocks, 50) == []
    text = str(blocks)
    assert "13 of your deals need an update" in text and "No update for 20 days" in text
    assert "…and 3 more stale deals" in text
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 10
    assert [e["action_id"] for e in actions[0]["elements"]] == [Action.NOTE, Action.SNOOZE, Action.LOST]
    assert {e["value"] for e in actions[0]["elements"]} == {"1"}


def test_user_text_is_escaped_in_slack_and_plain_in_the_dry_run() -> None:
    hostile = deal(7, "<!channel> & co", 9, company="<@U999>", snooze_reason="<!here>")
    item = OwnerReminder("T0TEAM", "U0REP", (hostile,), 1)
    text = str(reminder_blocks(item, Display("en", TOKYO), AS_OF))
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; co" in text
    assert "<@U999>" not in text and "<!here>" not in text
    plain = reminder_text(item, Display("en", TOKYO), AS_OF, plain_text=True)
    assert "#7 <!channel> & co · <@U999>" in plain


def test_reminder_and_snooze_modal_in_japanese() -> None:
    ja = Display("ja", TOKYO)
    assert "更新が必要な案件が2件あります" in str(reminder_blocks(reminder(), ja, AS_OF))
    view = snooze_modal(ja, deal(1, "山田商事", 9), "D0REP")
    assert view_errors(view) == []
    assert view["callback_id"] == Callback.SNOOZE and view["title"]["text"] == "リマインドを延期"
    choices = next(b for b in view["blocks"] if b.get("block_id") == Block.SNOOZE_FOR)["element"]["options"]
    assert [o["text"]["text"] for o in choices] == ["3日", "1週間", "日付を指定"]

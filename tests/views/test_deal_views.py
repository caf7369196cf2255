"""Block Kit builders, without Slack: valid blocks, escaped user text, Slack's size limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import ParseError
from bot.pipeline import Pipeline
from bot.services.deals import DealPage
from bot.views.deals import deal_card, deal_list
from bot.views.format import Display
from bot.views.home import home_view
from bot.views.messages import help_blocks, parse_error_blocks
from bot.views.modals import edit_deal_modal, new_deal_modal
from storage.models import Deal
from tests.fakes.slack_api import blocks_errors, view_errors

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EN = Display("en", ZoneInfo("Asia/Tokyo"))
JA = Display("ja", ZoneInfo("Asia/Tokyo"))
PIPELINE = Pipeline.default()


def deal(deal_id: int = 1, name: str = "Acme renewal", **values: object) -> Deal:
    fields: dict[str, object] = {
        "id": deal_id,
        "team_id": "T0TEAM",
        "name": name,
        "company": "Acme",
        "owner": "U0REP",
        "stage": "proposal",
        "amount": 5_000_000,
        "currency": "USD",
        "probability": 50,
        "close_date": date(2026, 12, 15),
        "next_step": "send quote",
        "next_step_due": date(2026, 11, 27),
        "status": "open",
        "version": 1,
        "created_by": "U0REP",
        "created_at": NOW,
        "updated_at": NOW,
        "last_activity_at": NOW,
        **values,
    }
    return Deal(**fields)


def test_deal_card_shows_every_key_field_and_the_four_buttons() -> None:
    blocks = deal_card(deal(), EN)
    shown = json.dumps(blocks, ensure_ascii=False)
    for text in (
        "Acme renewal",
        "Acme",
        "<@U0REP>",
        "Proposal",
        "$50,000",
        "50%",
        "Dec 15, 2026",
        "send quote",
    ):
        assert text in shown
    assert [b["text"]["text"] for b in blocks[-1]["elements"]] == ["Edit", "Add note", "Won", "Lost"]
    assert blocks_errors(blocks, 50) == []


def test_a_closed_deal_has_no_won_or_lost_buttons() -> None:
    blocks = deal_card(deal(status="won", stage="won"), EN)
    assert [b["value"] for b in blocks[-1]["elements"]] == ["1", "1"]


def test_hostile_and_huge_user_text_is_escaped_and_clipped_to_slack_limits() -> None:
    hostile = "<!channel> <@U0BOSS> <https://evil.example|click> & " + "x" * 40_000
    blocks = deal_card(deal(name=hostile[:200], company=hostile, next_step=hostile), EN)
    shown = json.dumps(blocks)
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown and "<https://" not in shown
    assert "&lt;!channel&gt;" in shown
    assert blocks_errors(blocks, 50) == []


def test_japanese_card_uses_japanese_labels_and_yen() -> None:
    shown = json.dumps(
        deal_card(deal(currency="JPY", amount=5_000_000, stage="negotiation"), JA), ensure_ascii=False
    )
    assert "¥5,000,000" in shown and "交渉" in shown and "受注予定日" in shown and "2026/12/15" in shown


def test_list_shows_a_show_button_per_deal_and_counts_the_rest() -> None:
    page = DealPage([deal(n, f"Deal {n}") for n in range(1, 21)], total=57)
    blocks = deal_list(page, "Your open deals", EN)
    assert len([b for b in blocks if b.get("accessory", {}).get("action_id") == "deal_show"]) == 20
    assert "37 more" in blocks[-1]["elements"][0]["text"]
    assert blocks_errors(blocks, 50) == []


def test_home_groups_open_deals_by_stage_in_pipeline_order_and_marks_stale_ones() -> None:
    fresh = deal(1, "Fresh", stage="negotiation")
    stale = deal(2, "Stale", stage="lead", last_activity_at=NOW - timedelta(days=12))
    view = home_view([fresh, stale], 2, EN, PIPELINE, is_stale=lambda d: d.id == 2, now=NOW)
    texts = [b.get("text", {}).get("text", "") for b in view["blocks"]]
    lead, negotiation = texts.index("*Lead* (1)"), texts.index("*Negotiation* (1)")
    assert lead < negotiation
    assert ":warning:" in texts[lead + 1] and "No update for 12 days" in texts[lead + 1]
    assert ":warning:" not in texts[negotiation + 1]
    assert view["blocks"][1]["elements"][0]["action_id"] == "deal_new"
    assert view_errors(view) == []


def test_parse_errors_carry_the_usage_line_and_an_example() -> None:
    blocks = parse_error_blocks(ParseError("bad_amount", subcommand="new", value="lots"), EN, PIPELINE)
    shown = json.dumps(blocks)
    assert "`lots` is not an amount" in shown and "/deal new <name>" in shown and "Example:" in shown


def test_unknown_stage_error_lists_the_pipeline() -> None:
    blocks = parse_error_blocks(
        ParseError("unknown_stage", subcommand="update", value="x", stages="?"), JA, PIPELINE
    )
    shown = json.dumps(blocks, ensure_ascii=False)
    assert all(f"`{key}`" in shown for key in PIPELINE.keys)


def test_help_is_valid_in_both_languages() -> None:
    for display in (EN, JA):
        assert blocks_errors(help_blocks(display, PIPELINE), 50) == []


def test_modals_are_valid_and_the_edit_form_is_prefilled() -> None:
    assert view_errors(new_deal_modal(EN, PIPELINE, "U0REP", "USD", "C1")) == []
    edit = edit_deal_modal(JA, PIPELINE, deal(), "C1", conflict=":warning: changed")
    assert view_errors(edit) == []
    assert json.loads(edit["private_metadata"]) == {"deal_id": 1, "version": 1, "channel_id": "C1"}
    assert edit["title"]["text"] == "案件を編集"

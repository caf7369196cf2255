"""End to end: signed Slack requests into `dealbot serve`'s app, Web API calls into a fake Slack."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import func, select

from bot.ids import Action, Block, Callback
from storage.models import Deal, Note
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM
from tests.e2e.conftest import Bot
from tests.fakes.slack_client import datepicker, plain_text_input, static_select, users_select
from tests.slack_text import text_of


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in payload.get("blocks", []):
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def deal_count(bot: Bot) -> int:
    with bot.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Deal)) or 0)


def command(bot: Bot, text: str, user: str = REP) -> dict[str, Any]:
    response = bot.slack.command(text, user_id=user)
    assert response.status == 200, response.body
    assert response.json is not None
    return response.json  # type: ignore[no-any-return]


def test_healthz_answers_200(bot: Bot) -> None:
    assert bot.slack.get("/healthz").status == 200


def test_a_wrong_signature_is_refused_with_401(bot: Bot) -> None:
    from tests.fakes.slack_client import SlackClient

    forger = SlackClient(bot.url, "not-the-secret", api_url=bot.api.url)
    assert forger.command("new Forged deal").status == 401
    assert deal_count(bot) == 0


def test_a_request_older_than_five_minutes_is_refused_with_401(bot: Bot) -> None:
    assert bot.slack.command("new Replayed deal", timestamp=int(time.time()) - 6 * 60).status == 401
    assert deal_count(bot) == 0


def test_help_lists_every_subcommand_with_examples(bot: Bot) -> None:
    reply = text_of(command(bot, "help"))
    for sub in ("new", "update", "note", "won", "lost", "show", "list", "find"):
        assert f"/deal {sub}" in reply
    assert "Example" in reply and "negotiation" in reply


def test_new_creates_the_deal_and_answers_with_its_card(bot: Bot) -> None:
    reply = command(
        bot, 'new Acme renewal company:Acme amount:$50,000 stage:proposal next:"send quote" close:2026-12-15'
    )
    assert reply["response_type"] == "ephemeral"
    shown = text_of(reply)
    assert "Acme renewal" in shown and "$50,000" in shown and "Proposal" in shown and "50%" in shown
    assert [b["action_id"] for b in buttons(reply)] == [Action.EDIT, Action.NOTE, Action.WON, Action.LOST]
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
    assert (deal.team_id, deal.owner, deal.amount, deal.currency, deal.next_step) == (
        TEAM,
        REP,
        5000000,
        "USD",
        "send quote",
    )


def test_a_bad_amount_gets_the_problem_usage_and_example_and_writes_nothing(bot: Bot) -> None:
    shown = text_of(command(bot, "new Acme amount:lots"))
    assert "`lots` is not an amount" in shown
    assert "/deal new <name>" in shown and "Example:" in shown
    assert deal_count(bot) == 0


def test_an_unknown_stage_lists_the_valid_stages(bot: Bot) -> None:
    command(bot, "new Acme")
    shown = text_of(command(bot, "update acme stage:closing"))
    assert "`closing` is not a stage" in shown
    for stage in ("lead", "qualified", "proposal", "negotiation", "won", "lost"):
        assert stage in shown


def test_an_unknown_subcommand_points_to_help(bot: Bot) -> None:
    shown = text_of(command(bot, "frobnicate everything"))
    assert "/deal frobnicate" in shown and "/deal help" in shown


def test_an_unknown_deal_says_so(bot: Bot) -> None:
    shown = text_of(command(bot, "show #999"))
    assert "No deal matches `#999`" in shown


def test_update_note_won_and_show_history(bot: Bot) -> None:
    command(bot, "new Globex amount:20k")
    updated = text_of(command(bot, "update globex stage:negotiation amount:25k"))
    assert "Negotiation" in updated and "$25,000" in updated
    assert "Note added" in text_of(command(bot, "note globex Met the CFO, budget approved"))
    assert "won" in text_of(command(bot, "won #1"))
    shown = text_of(command(bot, "show 1"))
    assert "Met the CFO, budget approved" in shown
    assert "Lead → Negotiation" in shown and "$20,000 → $25,000" in shown
    assert "Won" in shown


def test_lost_records_the_reason(bot: Bot) -> None:
    command(bot, "new Initech")
    command(bot, "lost initech went with a cheaper vendor")
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
    assert (deal.status, deal.lost_reason) == ("lost", "went with a cheaper vendor")


def test_someone_else_cannot_change_a_deal_and_is_told_who_can(bot: Bot) -> None:
    command(bot, "new Umbrella")
    shown = text_of(command(bot, "update umbrella stage:won", user=OTHER_REP))
    assert f"<@{REP}>" in shown and f"<@{MANAGER}>" in shown and "Only the owner" in shown
    assert "Won" in text_of(command(bot, "update umbrella stage:won", user=MANAGER))


def test_an_ambiguous_ref_offers_buttons_that_finish_the_command(bot: Bot) -> None:
    command(bot, "new Stark North")
    command(bot, "new Stark South")
    reply = command(bot, "update stark stage:proposal")
    choices = [b for b in buttons(reply) if b["action_id"] == Action.PICK]
    assert len(choices) == 2
    south = next(b for b in choices if b["value"].startswith("2:"))
    bot.slack.block_action(Action.PICK, south["value"], user_id=REP)
    [answer] = bot.api.wait_for("response_url")
    assert answer.args["replace_original"] is True
    assert "Proposal" in text_of(answer.args)
    with bot.db.read() as session:
        stages = dict(session.execute(select(Deal.name, Deal.stage)).all())  # type: ignore[arg-type]
    assert stages == {"Stark North": "lead", "Stark South": "proposal"}


def test_list_shows_twenty_and_counts_the_rest(bot: Bot) -> None:
    for number in range(22):
        command(bot, f"new Bulk {number:02}")
    reply = command(bot, "list")
    assert len([b for b in buttons(reply) if b["action_id"] == Action.SHOW]) == 20
    assert "2 more" in text_of(reply)


def test_user_text_is_escaped_so_nobody_gets_pinged(bot: Bot) -> None:
    reply = command(bot, "new <!channel> & <@U0BOSS> company:<!here>")
    shown = json.dumps(reply)
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0BOSS>" not in shown
    assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in text_of(reply)


def test_deal_alone_opens_the_new_deal_modal(bot: Bot) -> None:
    response = bot.slack.command("")
    assert response.status == 200
    [call] = bot.api.wait_for("views.open")
    assert call.args["trigger_id"] == bot.slack.last_payload["trigger_id"]  # type: ignore[index]
    view = call.args["view"]
    assert view["callback_id"] == Callback.NEW_DEAL
    assert {b["block_id"] for b in view["blocks"]} >= {
        Block.NAME,
        Block.STAGE,
        Block.AMOUNT,
        Block.CLOSE_DATE,
    }


def form(name: str, amount: str | None = None, stage: str = "lead", owner: str = REP) -> dict[str, Any]:
    return {
        Block.NAME: {"value": plain_text_input(name)},
        Block.COMPANY: {"value": plain_text_input(None)},
        Block.OWNER: {"value": users_select(owner)},
        Block.STAGE: {"value": static_select(stage)},
        Block.AMOUNT: {"value": plain_text_input(amount)},
        Block.CURRENCY: {"value": plain_text_input(None)},
        Block.PROBABILITY: {"value": {"type": "number_input", "value": None}},
        Block.CLOSE_DATE: {"value": datepicker("2027-01-29")},
        Block.NEXT_STEP: {"value": plain_text_input(None)},
        Block.NEXT_STEP_DUE: {"value": datepicker(None)},
    }


def test_new_deal_modal_shows_field_errors_in_plain_text_and_writes_nothing(bot: Bot) -> None:
    response = bot.slack.view_submission(Callback.NEW_DEAL, form("Wayne", amount="a lot"))
    assert response.json == {
        "response_action": "errors",
        "errors": {
            Block.AMOUNT: "“a lot” is not an amount. "
            "Write e.g. “50k”, “1.2M”, “$50,000”, “500万円” or “1.2億”."
        },
    }
    assert deal_count(bot) == 0


def test_new_deal_modal_creates_the_deal_and_confirms(bot: Bot) -> None:
    metadata = json.dumps({"channel_id": "C0SALES"})
    response = bot.slack.view_submission(
        Callback.NEW_DEAL, form("Wayne", amount="1.2M", stage="proposal"), private_metadata=metadata
    )
    assert response.status == 200 and not response.body
    [confirmation] = bot.api.wait_for("chat.postEphemeral")
    assert confirmation.args["channel"] == "C0SALES" and confirmation.args["user"] == REP
    assert "$1,200,000" in text_of(confirmation.args)
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
    assert (deal.amount, deal.stage, deal.probability, str(deal.close_date)) == (
        120000000,
        "proposal",
        50,
        "2027-01-29",
    )


def test_edit_button_opens_a_prefilled_form(bot: Bot) -> None:
    command(bot, "new Cyberdyne amount:75k")
    bot.slack.block_action(Action.EDIT, "1", user_id=REP)
    [call] = bot.api.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == Callback.EDIT_DEAL
    name = next(b for b in view["blocks"] if b["block_id"] == Block.NAME)
    amount = next(b for b in view["blocks"] if b["block_id"] == Block.AMOUNT)
    assert name["element"]["initial_value"] == "Cyberdyne" and amount["element"]["initial_value"] == "75000"
    assert json.loads(view["private_metadata"]) == {"deal_id": 1, "version": 1, "channel_id": "C0SALES"}


def test_edit_button_of_someone_elses_deal_is_refused(bot: Bot) -> None:
    command(bot, "new Tyrell")
    assert bot.slack.block_action(Action.EDIT, "1", user_id=OTHER_REP).status == 200
    [refusal] = bot.api.wait_for("chat.postEphemeral")
    assert "Only the owner" in refusal.args["text"]
    assert bot.api.calls("views.open") == []


def test_saving_a_form_after_someone_else_saved_shows_their_values(bot: Bot) -> None:
    command(bot, "new Soylent")
    command(bot, "update soylent stage:negotiation", user=MANAGER)  # version 1 → 2
    stale_form = json.dumps({"deal_id": 1, "version": 1, "channel_id": "C0SALES"})
    response = bot.slack.view_submission(
        Callback.EDIT_DEAL, form("Soylent", stage="proposal"), private_metadata=stale_form
    )
    assert response.json is not None and response.json["response_action"] == "update"
    view = response.json["view"]
    assert "changed while you were editing" in text_of(view)
    stage = next(b for b in view["blocks"] if b.get("block_id") == Block.STAGE)
    assert stage["element"]["initial_option"]["value"] == "negotiation"
    assert json.loads(view["private_metadata"])["version"] == 2
    with bot.db.read() as session:
        assert session.scalars(select(Deal.stage)).one() == "negotiation"


def test_won_button_replaces_the_card(bot: Bot) -> None:
    command(bot, "new Hooli amount:10k")
    bot.slack.block_action(Action.WON, "1", user_id=REP)
    [answer] = bot.api.wait_for("response_url")
    assert answer.args["replace_original"] is True and "is won" in answer.args["text"]


def test_note_modal_adds_the_note(bot: Bot) -> None:
    command(bot, "new Vandelay")
    values = {Block.NOTE: {"value": plain_text_input("Latex order confirmed")}}
    bot.slack.view_submission(Callback.NOTE, values, private_metadata=json.dumps({"deal_id": 1}))
    with bot.db.read() as session:
        assert session.scalars(select(Note.text)).one() == "Latex order confirmed"


def test_lost_modal_marks_the_deal_lost_with_the_reason(bot: Bot) -> None:
    command(bot, "new Pied Piper")
    values = {Block.REASON: {"value": plain_text_input("budget cut")}}
    bot.slack.view_submission(Callback.LOST, values, private_metadata=json.dumps({"deal_id": 1}))
    with bot.db.read() as session:
        assert session.execute(select(Deal.status, Deal.lost_reason)).one() == ("lost", "budget cut")


def test_app_home_lists_open_deals_by_stage_with_a_new_deal_button(bot: Bot) -> None:
    command(bot, "new Alpha stage:proposal")
    command(bot, "new Beta")
    command(bot, "new Gamma", user=OTHER_REP)
    bot.slack.event({"type": "app_home_opened", "user": REP, "channel": "D0REP", "tab": "home"})
    [call] = bot.api.wait_for("views.publish")
    assert call.args["user_id"] == REP
    shown = text_of(call.args["view"])
    assert "Alpha" in shown and "Beta" in shown and "Gamma" not in shown
    assert shown.index("Lead") < shown.index("Beta") and shown.index("Proposal") < shown.index("Alpha")
    assert Action.NEW in [b["action_id"] for b in buttons(call.args["view"])]


def test_japanese_locale_answers_in_japanese_with_yen(bot_ja: Bot) -> None:
    shown = text_of(command(bot_ja, "new 山田商事 更新 amount:500万円 stage:交渉 close:月末"))
    assert "山田商事 更新" in shown and "¥5,000,000" in shown and "交渉" in shown and "登録しました" in shown
    error = text_of(command(bot_ja, "update 山田 stage:不明"))
    assert "ステージではありません" in error

"""Hostile text in deals, notes and memos: shown escaped and clipped, stored whole.

Names, companies, next steps, notes and voice transcripts carrying `<!channel>`, `<!here>`,
mentions, channel links, links with a label, entities, markdown and 40,000 characters go in
through /deal, the edit modal and a voice memo, and come out through replies, the card, the
Home tab, the stale-deal reminder and the digest. Every message and view Slack received must be
valid Block Kit and carry no `<…>` but the mentions dealbot itself writes; the database keeps
every character that was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import deal_service, web_client
from bot.clock import now
from bot.ids import Action, Block, Callback
from bot.scheduler.jobs import Jobs
from bot.services.memo_queue import MemoQueue, MemoSource
from bot.services.memos import MemoService
from bot.slack.memo_replies import tell_filed
from bot.slack.notifier import Notifier
from bot.views.format import Display
from storage.db import Database
from storage.models import Deal, Note
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM
from tests.e2e.conftest import Bot, make_bot
from tests.fakes.slack_api import FakeSlackAPI, blocks_errors, view_errors
from tests.fakes.slack_client import plain_text_input, static_select

HOSTILE = "<!channel> <!here> <@U123> <#C123> <https://evil.example|click> AT&T *bold* _it_ ~s~ `code`"
LONG_NOTE = (HOSTILE + " ") * 400  # about 40,000 characters
# The only `<…>` markup dealbot may write: mentions of the people it knows.
OURS = re.compile(rf"<@(?:{REP}|{OTHER_REP}|{MANAGER})>")
USER_MARKUP = ("<!", "<#", "<@", "<http")  # what a mention, broadcast, channel or link starts with


@pytest.fixture
def bot(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    yield from make_bot(fake_slack, db, database_url)


def texts(node: Any) -> Iterator[str]:
    """Every text Slack renders in a message or view (`text` fields at any depth)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)


def assert_escaped(payload: Any) -> None:
    for text in texts(payload):
        rest = OURS.sub("", text)
        assert not any(markup in rest for markup in USER_MARKUP), text[:300]


def assert_slack_got_only_safe_valid_content(bot: Bot) -> int:
    """Every call: valid Block Kit, accepted by Slack, no unescaped user markup. Returns the count."""
    calls = [call for call in bot.api.calls() if call.method != "file_download"]
    for call in calls:
        if isinstance(call.args.get("blocks"), list):
            assert blocks_errors(call.args["blocks"], 50) == [], call.method
        if "view" in call.args:
            assert view_errors(call.args["view"]) == [], call.method
        assert len(str(call.args.get("text", ""))) <= 40_000
        assert call.response is None or call.response.get("ok") is True, (call.method, call.response)
        assert_escaped(call.args)
    return len(calls)


def reply(bot: Bot, text: str, user: str = REP) -> dict[str, Any]:
    response = bot.slack.command(text, user_id=user)
    assert response.status == 200 and isinstance(response.json, dict), response.body
    if "blocks" in response.json:
        assert blocks_errors(response.json["blocks"], 50) == []
    assert response.json["text"]
    assert_escaped(response.json)
    return response.json


def new_hostile_deal(bot: Bot, user: str = REP) -> int:
    reply(bot, f'new "{HOSTILE}" company:"{HOSTILE}" next:"{HOSTILE}" amount:5k', user)
    with bot.db.read() as session:
        return max(session.scalars(select(Deal.id)).all())


def stored_deal(bot: Bot, deal_id: int) -> Deal:
    with bot.db.read() as session:
        return session.get_one(Deal, deal_id)


def notes(bot: Bot) -> list[str]:
    with bot.db.read() as session:
        return list(session.scalars(select(Note.text).order_by(Note.id)).all())


# --- /deal -------------------------------------------------------------------------------------


def test_a_hostile_deal_is_shown_escaped_and_stored_as_typed(bot: Bot) -> None:
    deal_id = new_hostile_deal(bot)
    deal = stored_deal(bot, deal_id)
    assert (deal.name, deal.company, deal.next_step) == (HOSTILE, HOSTILE, HOSTILE)
    for command in ("show #1", "list", "list all", "find evil", f"find {HOSTILE}", "update #1 prob:40"):
        reply(bot, command)
    assert_slack_got_only_safe_valid_content(bot)


def test_slack_escaped_markup_in_a_command_is_stored_as_the_user_typed_it(bot: Bot) -> None:
    """Slack sends `&lt;!here&gt;` for a typed `<!here>`: stored as typed, shown escaped again."""
    reply(bot, "new &lt;!here&gt; AT&amp;T")
    assert stored_deal(bot, 1).name == "<!here> AT&T"
    shown = reply(bot, "show 1")
    assert "&lt;!here&gt; AT&amp;T" in shown["blocks"][0]["text"]["text"]


def test_a_40000_character_note_is_stored_whole_and_shown_clipped_with_an_ellipsis(bot: Bot) -> None:
    new_hostile_deal(bot)
    answer = reply(bot, f"note #1 {LONG_NOTE}")
    assert notes(bot) == [LONG_NOTE.strip()]
    latest = next(b for b in answer["blocks"] if "…" in b.get("text", {}).get("text", ""))
    assert len(latest["text"]["text"]) <= 3000
    history = next(b for b in answer["blocks"] if b["type"] == "context")
    assert all(len(element["text"]) <= 2000 for element in history["elements"])
    assert_slack_got_only_safe_valid_content(bot)


def test_a_note_longer_than_a_slack_message_is_refused_whole_and_nothing_is_written(bot: Bot) -> None:
    new_hostile_deal(bot)
    answer = reply(bot, "note #1 " + "x" * 40_001)
    assert "at most 40000 characters" in answer["text"]
    assert notes(bot) == []


def test_a_40000_character_name_is_refused_with_the_limit_and_nothing_is_written(bot: Bot) -> None:
    answer = reply(bot, "new " + (HOSTILE * 500)[:40_000])
    assert "at most 200 characters" in answer["text"]
    with bot.db.read() as session:
        assert session.scalars(select(Deal)).all() == []


def test_choosing_between_hostile_namesakes_completes_the_note_whole(bot: Bot) -> None:
    reply(bot, f'new "Acme {HOSTILE} one"')
    reply(bot, f'new "Acme {HOSTILE} two"')
    note = f"Met the CFO {HOSTILE}"
    answer = reply(bot, f"note acme {note}")
    picks = [
        b["accessory"] for b in answer["blocks"] if b.get("accessory", {}).get("action_id") == Action.PICK
    ]
    assert len(picks) == 2
    assert bot.slack.block_action(Action.PICK, picks[1]["value"]).status == 200
    bot.api.wait_for("response_url")
    assert notes(bot) == [note]
    assert_slack_got_only_safe_valid_content(bot)


def test_a_note_too_long_for_a_button_is_not_truncated_by_choosing_a_namesake(bot: Bot) -> None:
    reply(bot, f'new "Acme {HOSTILE} one"')
    reply(bot, f'new "Acme {HOSTILE} two"')
    answer = reply(bot, "note acme " + "Met the CFO " * 200)  # 2,400 characters: more than a button holds
    assert "send the command again with the deal's number" in answer["blocks"][1]["text"]["text"]
    assert [b for b in answer["blocks"] if "accessory" in b] == []
    assert [line for line in texts(answer["blocks"]) if line.startswith("*#")] != []
    assert notes(bot) == []


# --- modals and the Home tab ---------------------------------------------------------------------


def test_the_edit_modal_and_its_confirmation_carry_hostile_text_safely(bot: Bot) -> None:
    new_hostile_deal(bot)
    assert bot.slack.block_action(Action.EDIT, "1").status == 200
    [opened] = bot.api.wait_for("views.open")
    view = opened.args["view"]
    name_input = next(b for b in view["blocks"] if b.get("block_id") == Block.NAME)["element"]
    assert name_input["initial_value"] == HOSTILE  # the input holds the raw text to edit
    values: dict[str, dict[str, dict[str, Any]]] = {
        Block.NAME: {"value": plain_text_input(f"{HOSTILE} v2")},
        Block.COMPANY: {"value": plain_text_input(HOSTILE)},
        Block.STAGE: {"value": static_select("proposal")},
        Block.NEXT_STEP: {"value": plain_text_input(f"{HOSTILE} " * 5)},
    }
    response = bot.slack.view_submission(
        Callback.EDIT_DEAL, values, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body
    bot.api.wait_for("chat.postEphemeral")
    assert stored_deal(bot, 1).name == f"{HOSTILE} v2"
    assert stored_deal(bot, 1).next_step == (f"{HOSTILE} " * 5).strip()
    bot.slack.event({"type": "app_home_opened", "user": REP, "tab": "home"})
    bot.api.wait_for("views.publish")
    assert_slack_got_only_safe_valid_content(bot)


def test_the_note_modal_keeps_a_hostile_note_whole(bot: Bot) -> None:
    new_hostile_deal(bot)
    assert bot.slack.block_action(Action.NOTE, "1").status == 200
    [opened] = bot.api.wait_for("views.open")
    text = (HOSTILE * 40)[:3000]  # the modal's own limit
    meta = opened.args["view"]["private_metadata"]
    assert (
        bot.slack.view_submission(
            Callback.NOTE, {Block.NOTE: {"value": plain_text_input(text)}}, private_metadata=meta
        ).status
        == 200
    )
    bot.api.wait_for("chat.postEphemeral")
    assert notes(bot) == [text.strip()]
    assert_slack_got_only_safe_valid_content(bot)


# --- voice memo, reminder and digest ---------------------------------------------------------------


def test_a_hostile_40000_character_transcript_is_saved_whole_and_answered_safely(bot: Bot) -> None:
    new_hostile_deal(bot)
    queue = MemoQueue(bot.db)
    job, _ = queue.enqueue(
        MemoSource(
            TEAM, "F0HOSTILE", REP, channel_id="D0REP", message_ts="1732400000.000200", message_text=HOSTILE
        )
    )
    transcript = f"{LONG_NOTE} next step send the quote by friday amount 50k"
    queue.update(job.id, transcript=transcript, language="en", duration_seconds=1800.0, engine="e", model="m")
    queue.awaiting_deal(job.id)
    filed = MemoService(deal_service(bot.db, bot.settings)).file(TEAM, REP, job.id, 1)
    tell_filed(Notifier(web_client(bot.settings)), filed, Display(bot.settings.locale, bot.settings.tz))
    assert notes(bot) == [transcript.strip()]
    [answer] = bot.api.wait_for("chat.postMessage")
    assert any("…" in text for text in texts(answer.args["blocks"]))
    assert_slack_got_only_safe_valid_content(bot)


def test_the_reminder_and_the_digest_show_hostile_deals_safely(bot: Bot) -> None:
    for user in (REP, OTHER_REP):
        deal_id = new_hostile_deal(bot, user)
        reply(bot, f"note #{deal_id} {LONG_NOTE}", user)
    reply(bot, "won #1")
    jobs = Jobs(bot.settings, bot.db, Notifier(web_client(bot.settings)))
    later = now() + timedelta(days=30)
    while not jobs.reminders.is_business_day(later):
        later += timedelta(days=1)
    reminded = jobs.remind(later)
    assert [o.status for o in reminded.outcomes] == ["sent"]  # OTHER_REP's open deal; #1 is won
    digest = jobs.digest(later)
    assert [o.status for o in digest.outcomes] == ["sent"]  # the one manager
    posted = [call.args for call in bot.api.calls("chat.postMessage")]
    assert len(posted) == 2
    assert all("&lt;!channel&gt; &lt;!here&gt;" in "".join(texts(args)) for args in posted)
    assert assert_slack_got_only_safe_valid_content(bot) >= 2

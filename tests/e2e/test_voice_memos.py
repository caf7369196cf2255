"""Voice memos end to end: Slack events into the real app, real audio through the real model.

Audio is made offline (espeak-ng) and re-encoded to m4a as Slack clips arrive; the fake Slack
serves the file; the worker runs the real faster-whisper engine on the bundled base model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import deal_service, web_client
from bot.ids import Action, Callback
from bot.services.memo_queue import MemoQueue
from bot.slack.values import MemoApplyButton
from bot.workers.memos import MemoWorkers, build_workers
from storage.memos import MemoJob
from storage.models import Deal, DealEvent, Note
from tests.conftest import OTHER_REP, REP
from tests.e2e.conftest import Bot
from tests.e2e.test_slash_and_modals import command, form
from tests.slack_text import text_of
from tests.transcription.audiogen import EN_MEMO, encode, espeak_available, espeak_wav, read_wav
from tests.transcription.metrics import wer

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the test audio")


@pytest.fixture(scope="module")
def memo_m4a(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("memo")
    samples, rate = read_wav(espeak_wav(EN_MEMO, folder / "memo.wav"))
    return encode(samples, rate, "m4a", folder / "memo.m4a").read_bytes()


@pytest.fixture
def workers(bot: Bot) -> MemoWorkers:
    queue = MemoQueue(bot.db)
    return build_workers(bot.settings, queue, deal_service(bot.db, bot.settings), web_client(bot.settings))


def share(
    bot: Bot,
    file_id: str,
    content: bytes,
    *,
    text: str = "",
    mimetype: str = "audio/mp4",
    retry: int | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """A rep shares an audio clip in their DM with the bot: Slack's message event."""
    file = bot.api.file(file_id) or bot.api.add_file(
        file_id, content, "memo.m4a", mimetype, "m4a", size=size, user=REP
    )
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D0REP",
        "channel_type": "im",
        "user": REP,
        "text": text,
        "ts": "1732400100.000200",
        "files": [file],
    }
    response = bot.slack.event(event, event_id=f"Ev{file_id}", retry_num=retry)
    assert response.status == 200
    return file


def jobs(bot: Bot) -> list[MemoJob]:
    with bot.db.read() as session:
        return list(session.scalars(select(MemoJob)))


def thread_replies(bot: Bot) -> list[dict[str, Any]]:
    return [call.args for call in bot.api.calls("chat.postMessage") if call.args.get("thread_ts")]


def test_a_memo_naming_its_deal_becomes_a_voice_note_once_with_updates_to_apply(
    bot: Bot, workers: MemoWorkers, memo_m4a: bytes
) -> None:
    command(bot, "new Globex renewal company:Globex")
    share(bot, "F0MEMO1", memo_m4a, text="notes for #1")
    share(bot, "F0MEMO1", memo_m4a, text="notes for #1", retry=1)  # Slack retried
    bot.slack.event({"type": "file_shared", "file_id": "F0MEMO1", "user_id": REP, "channel_id": "D0REP"})
    assert len(jobs(bot)) == 1
    assert [c.args["name"] for c in bot.api.calls("reactions.add")] == ["eyes"]  # "received", once

    outcome = workers.run_once()
    assert outcome is not None and outcome.status == "done"
    assert workers.run_once() is None  # nothing twice

    with bot.db.read() as session:
        note = session.scalars(select(Note)).one()
        events = session.scalars(select(DealEvent).where(DealEvent.kind == "note")).all()
    assert (note.kind, note.language, note.engine) == ("voice", "en", "faster-whisper")
    assert note.duration_seconds and note.duration_seconds > 3
    assert wer(EN_MEMO, note.text) <= 0.2, note.text
    assert [event.source for event in events] == ["voice"]

    [reply] = thread_replies(bot)
    assert reply["thread_ts"] == "1732400100.000200"
    shown = text_of(reply)
    assert "#1 Globex renewal" in shown and "$60,000" in shown
    apply = [
        b["accessory"]
        for b in reply["blocks"]
        if b.get("accessory", {}).get("action_id") == Action.MEMO_APPLY
    ]
    amount = next(button for button in apply if MemoApplyButton.decode(button["value"]).field == "amount")
    assert "eyes" in [c.args["name"] for c in bot.api.calls("reactions.remove")]
    assert "white_check_mark" in [c.args["name"] for c in bot.api.calls("reactions.add")]

    with bot.db.read() as session:
        assert session.scalars(select(Deal.amount)).one() is None  # nothing changes until applied
    bot.slack.block_action(Action.MEMO_APPLY, amount["value"], user_id=REP)
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
        change = session.scalars(select(DealEvent).where(DealEvent.field == "amount")).one()
    assert (deal.amount, deal.currency, change.source) == (6_000_000, "USD", "voice")


def test_a_memo_naming_no_deal_offers_the_likeliest_deals(
    bot: Bot, workers: MemoWorkers, memo_m4a: bytes
) -> None:
    command(bot, "new Initech pilot company:Initech")
    command(bot, "new Renewal 2027 company:Globex")
    share(bot, "F0MEMO2", memo_m4a)
    outcome = workers.run_once()
    assert outcome is not None and outcome.status == "awaiting_deal"
    [reply] = thread_replies(bot)
    choices = [
        b["accessory"] for b in reply["blocks"] if b.get("accessory", {}).get("action_id") == Action.MEMO_DEAL
    ]
    assert "Renewal 2027" in text_of({"blocks": reply["blocks"][3:4]})  # Globex is mentioned: first
    assert any(
        e.get("action_id") == Action.MEMO_NEW_DEAL for b in reply["blocks"] for e in b.get("elements", [])
    )

    bot.slack.block_action(Action.MEMO_DEAL, choices[0]["value"], user_id=OTHER_REP)  # not theirs
    with bot.db.read() as session:
        assert session.scalars(select(Note)).all() == []
    bot.slack.block_action(Action.MEMO_DEAL, choices[0]["value"], user_id=REP)
    bot.slack.block_action(Action.MEMO_DEAL, choices[0]["value"], user_id=REP)  # a double click
    with bot.db.read() as session:
        notes = session.scalars(select(Note)).all()
        deal = session.get(Deal, notes[0].deal_id)
    assert len(notes) == 1 and deal is not None and deal.name == "Renewal 2027"


def test_non_audio_files_are_ignored(bot: Bot, workers: MemoWorkers) -> None:
    bot.api.add_file("F0PNG", b"\x89PNG\r\n\x1a\n", "chart.png", "image/png", "png", user=REP)
    share(bot, "F0PNG", b"")
    assert jobs(bot) == []
    bot.slack.event({"type": "file_shared", "file_id": "F0PNG", "user_id": REP, "channel_id": "D0REP"})
    time.sleep(3.1)  # file_shared alone waits for its message event first
    outcome = workers.run_once()
    assert outcome is not None and outcome.status == "ignored" and thread_replies(bot) == []


@pytest.mark.parametrize(
    ("content", "size", "expected"),
    [
        (b"\x00\x11garbage" * 100, None, "could not read this file as audio"),
        (
            b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>",
            None,
            "Slack did not let me download the file",
        ),
        (b"x" * 10, 500 * 1024 * 1024, "too large: 500 MB"),
    ],
)
def test_bad_files_fail_the_job_with_a_message_and_the_worker_goes_on(
    bot: Bot, workers: MemoWorkers, content: bytes, size: int | None, expected: str
) -> None:
    share(bot, "F0BAD", content, size=size)
    outcome = workers.run_once()
    assert outcome is not None and outcome.status == "failed"
    [reply] = thread_replies(bot)
    assert expected in reply["text"]
    assert "warning" in [c.args["name"] for c in bot.api.calls("reactions.add")]


def test_a_memo_naming_another_reps_deal_fails_at_once_saying_who_can_file_it(
    bot: Bot, workers: MemoWorkers, memo_m4a: bytes
) -> None:
    command(bot, "new Globex renewal company:Globex", user=OTHER_REP)
    share(bot, "F0NOTMINE", memo_m4a, text="#1")
    outcome = workers.run_once()
    assert outcome is not None and outcome.status == "failed"
    [job] = jobs(bot)
    assert (job.status, job.attempts, job.note_id) == ("failed", 1, None)
    [reply] = thread_replies(bot)
    assert f"Only the owner (<@{OTHER_REP}>) or a manager" in reply["text"]
    with bot.db.read() as session:
        assert session.scalars(select(Note)).all() == []


def test_a_worker_killed_mid_job_leaves_the_memo_for_the_next_one(
    bot: Bot, memo_m4a: bytes, tmp_path: Path
) -> None:
    command(bot, "new Globex renewal company:Globex")
    share(bot, "F0MEMO3", memo_m4a, text="#1")
    env = {
        **os.environ,
        "DATABASE_URL": bot.settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-e2e",
        "SLACK_API_URL": bot.api.url,
        "DEALBOT_MEMO_LEASE_SECONDS": "4",
        "DEALBOT_TIMEZONE": "Asia/Tokyo",
    }
    dealbot = str(Path(sys.executable).parent / "dealbot")
    first = subprocess.Popen([dealbot, "worker"], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    try:
        bot.api.wait_for("files.info", timeout=60)  # it has claimed the job and started on it
    finally:
        first.kill()  # kill -9, mid-job
        first.wait()
    [job] = jobs(bot)
    assert job.status == "running" and job.note_id is None
    second = subprocess.Popen([dealbot, "worker"], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and jobs(bot)[0].status != "done":
            time.sleep(0.5)
    finally:
        second.terminate()
        second.wait(timeout=30)
    with bot.db.read() as session:
        assert len(session.scalars(select(Note)).all()) == 1
    assert jobs(bot)[0].status == "done" and jobs(bot)[0].attempts == 2
    assert len(thread_replies(bot)) == 1


def test_new_deal_from_a_memo_gets_the_memo_as_its_first_note(
    bot: Bot, workers: MemoWorkers, memo_m4a: bytes
) -> None:
    share(bot, "F0MEMO4", memo_m4a)
    assert (outcome := workers.run_once()) is not None and outcome.status == "awaiting_deal"
    [reply] = thread_replies(bot)
    new_button = next(
        e
        for b in reply["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == Action.MEMO_NEW_DEAL
    )
    bot.slack.block_action(Action.MEMO_NEW_DEAL, new_button["value"], user_id=REP)
    [opened] = bot.api.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == Callback.NEW_DEAL
    values = form("Globex expansion", amount="60k")
    bot.slack.view_submission(
        Callback.NEW_DEAL, values, user_id=REP, private_metadata=view["private_metadata"]
    )
    with bot.db.read() as session:
        deal = session.scalars(select(Deal)).one()
        note = session.scalars(select(Note)).one()
    assert (deal.name, note.deal_id, note.kind) == ("Globex expansion", deal.id, "voice")
    assert jobs(bot)[0].status == "done"

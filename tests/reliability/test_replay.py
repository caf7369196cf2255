"""Replayed and forged requests: only a request Slack signed just now, and only once, does anything.

Already specified in tests/e2e/test_slash_and_modals.py: a wrong signing secret and a timestamp
older than five minutes get 401. Here: the other forgeries, and exact replays of a correctly
signed request (same timestamp, body and signature), on one replica and across two replicas
sharing the database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import func, select

from bot.app import create_app
from bot.ids import Block, Callback
from bot.services.replays import KEEP_FOR, SeenRequests, signature_hash
from storage.db import Database
from storage.models import Deal, Note, SeenRequest
from tests.conftest import REP
from tests.e2e.conftest import Bot, make_bot
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import FORM, JSON, Response, plain_text_input
from tests.reliability.hostile import Signed, capture


@pytest.fixture
def bot(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    yield from make_bot(fake_slack, db, database_url)


@pytest.fixture
def other_replica(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    """A second `serve` on the same database (its own app, engine and replay guard)."""
    database = Database.from_url(database_url)
    yield from make_bot(fake_slack, database, database_url)
    database.dispose()


def count(db: Database, model: type[Deal] | type[Note] | type[SeenRequest]) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def signed_command(bot: Bot, text: str) -> Signed:
    """One slash command exactly as Slack would send it, signed now."""
    slack = capture(bot)
    slack.command(text)
    return slack.last()


def command_body(bot: Bot, text: str) -> bytes:
    return signed_command(bot, text).body


def note_submission(bot: Bot, deal_id: int, text: str) -> Signed:
    """The Add note form of deal `deal_id`, opened for real, submitted with `text`."""
    assert bot.slack.block_action("deal_note", str(deal_id)).status == 200
    [opened] = bot.api.wait_for("views.open")
    slack = capture(bot)
    slack.view_submission(
        Callback.NOTE,
        {Block.NOTE: {"value": plain_text_input(text)}},
        private_metadata=opened.args["view"]["private_metadata"],
    )
    return slack.last()


# --- exact replays -----------------------------------------------------------------------------


def test_an_exact_replay_of_a_slash_command_is_refused_with_401_and_the_deal_is_made_once(bot: Bot) -> None:
    request = signed_command(bot, "new Replayed deal amount:5k")
    assert request.send(bot).status == 200
    replies = [request.send(bot) for _ in range(3)]
    assert [reply.status for reply in replies] == [401, 401, 401]
    assert all(reply.body == "" for reply in replies)
    assert count(bot.db, Deal) == 1


def test_an_exact_replay_of_a_modal_submission_adds_the_note_once(bot: Bot) -> None:
    assert bot.slack.command("new Globex").status == 200
    request = note_submission(bot, 1, "Met the CFO")
    assert request.send(bot).status == 200
    assert request.send(bot).status == 401
    with bot.db.read() as session:
        assert session.scalars(select(Note.text)).all() == ["Met the CFO"]


def test_a_replay_sent_to_another_replica_is_refused_too(bot: Bot, other_replica: Bot) -> None:
    request = signed_command(bot, "new Two replicas")
    assert request.send(bot).status == 200
    assert request.send(other_replica).status == 401
    assert request.send(bot).status == 401
    assert count(bot.db, Deal) == 1


def test_each_replica_still_serves_new_requests_after_refusing_a_replay(bot: Bot, other_replica: Bot) -> None:
    request = signed_command(bot, "new First")
    assert request.send(other_replica).status == 200
    assert request.send(bot).status == 401
    assert bot.slack.command("new Second").status == 200
    assert other_replica.slack.command("new Third").status == 200
    with bot.db.read() as session:
        assert sorted(session.scalars(select(Deal.name)).all()) == ["First", "Second", "Third"]


def test_a_slack_retry_signed_with_a_new_timestamp_is_not_a_replay(bot: Bot) -> None:
    """Slack redelivers an event with X-Slack-Retry-Num and a fresh timestamp and signature."""
    event = {"type": "app_home_opened", "user": REP, "channel": "D0REP", "tab": "home"}
    assert bot.slack.event(event, event_id="Ev0RETRY").status == 200
    assert bot.slack.last_payload is not None
    body = json.dumps(bot.slack.last_payload).encode()
    later = int(time.time()) + 1
    retried = bot.slack.post(body, JSON, timestamp=later, headers={"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    assert len(bot.api.wait_for("views.publish", count=2)) == 2


def test_two_requests_with_the_same_body_signed_at_different_times_are_both_handled(bot: Bot) -> None:
    body = command_body(bot, "list")
    now = int(time.time())
    assert bot.slack.post(body, FORM, timestamp=now - 1).status == 200
    assert bot.slack.post(body, FORM, timestamp=now).status == 200
    assert count(bot.db, SeenRequest) == 2


# --- forgeries bolt refuses before the replay guard sees them -----------------------------------


def _refused(bot: Bot, response: Response) -> None:
    assert response.status == 401
    assert count(bot.db, Deal) == 0
    assert count(bot.db, SeenRequest) == 0  # a forgery leaves no trace to fill the table with


def test_a_request_without_a_signature_is_refused_with_401(bot: Bot) -> None:
    request = signed_command(bot, "new Unsigned")
    del request.headers["X-Slack-Signature"]
    _refused(bot, request.send(bot))


def test_a_request_without_a_timestamp_is_refused_with_401(bot: Bot) -> None:
    request = signed_command(bot, "new No time")
    del request.headers["X-Slack-Request-Timestamp"]
    _refused(bot, request.send(bot))


def test_a_signature_over_another_body_is_refused_with_401(bot: Bot) -> None:
    request = signed_command(bot, "new Honest")
    _refused(bot, bot.slack.raw(request.body.replace(b"Honest", b"Forged"), request.headers))


def test_a_timestamp_more_than_five_minutes_ahead_is_refused_with_401(bot: Bot) -> None:
    body = command_body(bot, "new From the future")
    _refused(bot, bot.slack.post(body, FORM, timestamp=int(time.time()) + 6 * 60))


def test_a_stale_replay_of_a_once_valid_request_is_refused_with_401(bot: Bot) -> None:
    body = command_body(bot, "new Old capture")
    stale = int(time.time()) - 5 * 60 - 30
    _refused(bot, bot.slack.raw(body, bot.slack.signer.headers(body, stale)))


# --- the store ---------------------------------------------------------------------------------


def test_socket_mode_requests_carry_no_signature_and_are_not_recorded(bot: Bot) -> None:
    app = create_app(bot.settings, bot.db)
    body = command_body(bot, "new Socket deal").decode()
    for _ in range(2):
        response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        assert response.status == 200
    assert count(bot.db, SeenRequest) == 0
    assert count(bot.db, Deal) == 2  # Socket Mode delivers each envelope once; nothing to refuse


def test_a_signature_is_new_once_per_database(db: Database) -> None:
    first, second = SeenRequests(db), SeenRequests(db)
    assert first.first_time("v0=abc") is True
    assert second.first_time("v0=abc") is False
    assert first.first_time("v0=abc") is False
    assert second.first_time("v0=abd") is True


def test_signatures_older_than_the_replay_window_are_pruned(db: Database) -> None:
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    SeenRequests(db, clock=lambda: start).first_time("v0=old")
    SeenRequests(db, clock=lambda: start + KEEP_FOR / 2).first_time("v0=recent")
    later = start + KEEP_FOR + timedelta(seconds=1)
    SeenRequests(db, clock=lambda: later).first_time("v0=new")  # a process's first request prunes
    with db.read() as session:
        kept = set(session.scalars(select(SeenRequest.signature_hash)).all())
    assert kept == {signature_hash("v0=recent"), signature_hash("v0=new")}


def test_the_table_holds_a_fixed_size_hash_not_the_signature(db: Database) -> None:
    SeenRequests(db).first_time("v0=" + "f" * 64)
    with db.read() as session:
        [row] = session.scalars(select(SeenRequest)).all()
    assert len(row.signature_hash) == 64 and "v0=" not in row.signature_hash
    assert row.seen_at.tzinfo is not None

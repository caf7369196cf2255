"""Fuzzed Slack payloads, correctly signed, over HTTP to the real app: a 2xx or a 4xx, never a 5xx.

Seeds are real requests (a slash command, a click on every button dealbot issues, a submit of
every form, every event it listens to), captured as SlackClient builds them. Hypothesis deletes
fields, gives them the wrong type, unknown values, ids we never issued and huge text; the result
is signed afresh and sent. Every answer must be 2xx (with valid Block Kit when it carries
blocks) or 4xx, with no traceback in it, every message the app sent Slack meanwhile must be valid,
and the app must still answer a normal command afterwards.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.ids import Action, Block, Callback
from storage.db import Database
from storage.models import Note
from tests.conftest import REP
from tests.e2e.conftest import Bot, make_bot
from tests.fakes.slack_api import FakeSlackAPI, blocks_errors, view_errors
from tests.fakes.slack_client import FORM, JSON, Response, datepicker, plain_text_input, static_select
from tests.reliability.hostile import Capture, Signed, capture

EXAMPLES = 300  # per seed kind and database; each example is one signed request
HUGE = "x" * 100_000


@pytest.fixture
def bot(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    yield from make_bot(fake_slack, db, database_url)


@pytest.fixture
def deal(bot: Bot) -> int:
    """A deal for the seeds to point at (owned by REP, who sends them)."""
    response = bot.slack.command("new Acme renewal amount:50k")
    assert response.status == 200
    return 1


# --- what every answer must look like -----------------------------------------------------------


def assert_polite(response: Response) -> None:
    """2xx (valid blocks and a text when it answers with a message) or 4xx; never 5xx or a traceback."""
    assert response.status < 500, response.body
    assert response.ok or response.status >= 400
    assert "Traceback" not in response.body and 'File "' not in response.body
    if response.ok and isinstance(response.json, dict) and "blocks" in response.json:
        assert blocks_errors(response.json["blocks"], 50) == []
        assert response.json.get("text")


def assert_slack_got_valid_messages(bot: Bot) -> None:
    """Whatever ids a request carried, what dealbot itself built for Slack is valid Block Kit."""
    for call in bot.api.calls():
        if isinstance(call.args.get("blocks"), list):
            assert blocks_errors(call.args["blocks"], 50) == [], call.method
        if "view" in call.args:
            assert view_errors(call.args["view"]) == [], call.method
        assert len(str(call.args.get("text", ""))) <= 40_000


def assert_still_serving(bot: Bot) -> None:
    response = bot.slack.command("show #1")
    assert response.status == 200 and response.json is not None
    assert blocks_errors(response.json["blocks"], 50) == []
    assert response.json["blocks"][0]["text"]["text"].startswith("#1 ")  # the card's header


# --- seeds: real requests -----------------------------------------------------------------------

Seed = Callable[[Capture], object]


def _deal_form(name: str) -> dict[str, dict[str, Any]]:
    return {
        Block.NAME: {"value": plain_text_input(name)},
        Block.STAGE: {"value": static_select("proposal")},
        Block.AMOUNT: {"value": plain_text_input("5k")},
        Block.CLOSE_DATE: {"value": datepicker("2026-12-15")},
        Block.NOTE: {"value": plain_text_input("a note")},
        Block.REASON: {"value": plain_text_input("budget")},
        Block.SNOOZE_FOR: {"value": static_select("week")},
    }


def _click(action: str, value: str) -> Seed:
    return lambda slack: slack.block_action(action, value)


def _submit(callback: str) -> Seed:
    metadata = '{"deal_id": 1, "version": 1}'
    return lambda slack: slack.view_submission(callback, _deal_form("Initech"), private_metadata=metadata)


INTERACTION_SEEDS: dict[str, Seed] = {
    **{f"click {action.value}": _click(action, "1") for action in Action},
    "click deal_pick": _click(Action.PICK, "1:note acme hello"),
    "click memo_apply": _click(Action.MEMO_APPLY, "1|amount|USD 5000"),
    "click memo_deal": _click(Action.MEMO_DEAL, "1:1"),
    **{f"submit {callback.value}": _submit(callback) for callback in Callback},
}

EVENT_SEEDS: dict[str, Seed] = {
    "app_home_opened": lambda s: s.event({"type": "app_home_opened", "user": REP, "tab": "home"}),
    "file_share": lambda s: s.event(
        {
            "type": "message",
            "subtype": "file_share",
            "user": REP,
            "channel": "D0REP",
            "ts": "1732400000.000200",
            "text": "#1",
            "files": [{"id": "F0MEMO", "name": "memo.m4a", "mimetype": "audio/mp4", "size": 1000}],
        }
    ),
    "file_shared": lambda s: s.event(
        {"type": "file_shared", "file_id": "F0SHARED", "user_id": REP, "channel_id": "D0REP"}
    ),
    "message": lambda s: s.event({"type": "message", "user": REP, "channel": "C0SALES", "text": "hi"}),
}

COMMAND_TEXTS = ["new Acme amount:5k", "note #1 hello", "update 1 stage:won", "list", "find acme", ""]


def seed(bot: Bot, build: Seed) -> Signed:
    slack = capture(bot)
    build(slack)
    return slack.last()


# --- mutations ----------------------------------------------------------------------------------

HOSTILE_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**63,
    1.5,
    True,
    [],
    {},
    "",
    "not-an-id",
    "12:abc",
    "-1",
    "99999999999999999999999",
    "1|amount|",
    "<!channel> <@U123> <https://evil.example|click>",
    "\u0000\u202e\u200b",
    [{"type": "unknown"}],
    {"type": "plain_text"},
    "x" * 5000,
]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key or index path in a JSON document (containers and leaves)."""
    items: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """One to three deletions or replacements anywhere in `document` (which is changed and returned)."""
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        found = list(paths(document))
        if not found:
            break
        path = data.draw(st.sampled_from(found), label="path")
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(HOSTILE_VALUES), label="value"))
    return document


def send_signed(bot: Bot, body: bytes, content_type: str) -> Response:
    return bot.slack.post(body, content_type)


# --- properties ---------------------------------------------------------------------------------


def fuzz(bot: Bot, throw: Callable[[st.DataObject], Response]) -> int:
    """Run `throw` for EXAMPLES examples; every answer polite. Returns how many requests went."""
    sent: list[Response] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def example(data: st.DataObject) -> None:
        response = throw(data)
        sent.append(response)
        assert_polite(response)

    example()
    assert_slack_got_valid_messages(bot)
    assert_still_serving(bot)
    return len(sent)


def test_mutated_button_clicks_and_form_submits_get_a_polite_answer(bot: Bot, deal: int) -> None:
    def throw(data: st.DataObject) -> Response:
        name = data.draw(st.sampled_from(sorted(INTERACTION_SEEDS)), label="seed")
        payload = mutate(seed(bot, INTERACTION_SEEDS[name]).payload, data)
        return send_signed(bot, urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    assert fuzz(bot, throw) >= EXAMPLES


def test_mutated_events_get_a_polite_answer(bot: Bot, deal: int) -> None:
    def throw(data: st.DataObject) -> Response:
        name = data.draw(st.sampled_from(sorted(EVENT_SEEDS)), label="seed")
        envelope = mutate(seed(bot, EVENT_SEEDS[name]).payload, data)
        return send_signed(bot, json.dumps(envelope).encode(), JSON)

    assert fuzz(bot, throw) >= EXAMPLES


def test_mutated_slash_commands_get_a_polite_answer(bot: Bot, deal: int) -> None:
    def throw(data: st.DataObject) -> Response:
        text = data.draw(st.sampled_from(COMMAND_TEXTS), label="text")
        fields: dict[str, Any] = dict(seed(bot, lambda s: s.command(text)).form)
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            key = data.draw(st.sampled_from(sorted(fields) or ["text"]), label="field")
            if data.draw(st.booleans(), label="delete"):
                fields.pop(key, None)
            else:
                fields[key] = data.draw(st.sampled_from(HOSTILE_VALUES), label="value")
        body = urlencode({k: json.dumps(v) if not isinstance(v, str) else v for k, v in fields.items()})
        return send_signed(bot, body.encode(), FORM)

    assert fuzz(bot, throw) >= EXAMPLES


# --- malformed framing, one case each -----------------------------------------------------------


def _command_body(bot: Bot, text: str) -> bytes:
    return seed(bot, lambda s: s.command(text)).body


MALFORMED: dict[str, Callable[[Bot], tuple[bytes, str]]] = {
    "empty body": lambda bot: (b"", FORM),
    "empty JSON body": lambda bot: (b"", JSON),
    "JSON that is not an object": lambda bot: (b"[1, 2, 3]", JSON),
    "JSON that is a string": lambda bot: (b'"event_callback"', JSON),
    "truncated JSON": lambda bot: (b'{"type": "event_callback", "event": {', JSON),
    "malformed JSON in payload=": lambda bot: (b"payload=%7B%22type%22%3A", FORM),
    "payload= that is a JSON list": lambda bot: (urlencode({"payload": "[]"}).encode(), FORM),
    "payload= that is JSON null": lambda bot: (urlencode({"payload": "null"}).encode(), FORM),
    "payload= with an unknown type": lambda bot: (
        urlencode({"payload": json.dumps({"type": "frobnicate", "team": {"id": "T0TEAM"}})}).encode(),
        FORM,
    ),
    "payload= block_actions without actions": lambda bot: (
        urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": REP}})}).encode(),
        FORM,
    ),
    "payload= view_submission without state": lambda bot: (
        urlencode(
            {
                "payload": json.dumps(
                    {
                        "type": "view_submission",
                        "team": {"id": "T0TEAM"},
                        "user": {"id": REP, "team_id": "T0TEAM"},
                        "view": {"callback_id": Callback.NEW_DEAL, "private_metadata": ""},
                    }
                )
            }
        ).encode(),
        FORM,
    ),
    "event_callback without event": lambda bot: (
        json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event_id": "Ev0NONE"}).encode(),
        JSON,
    ),
    "event_callback whose event is a string": lambda bot: (
        json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event": "app_home_opened"}).encode(),
        JSON,
    ),
    "broken percent-encoding": lambda bot: (b"command=%2Fdeal&text=%zz%&team_id=T0TEAM&user_id=%", FORM),
    "invalid UTF-8 in the form": lambda bot: (b"command=%2Fdeal&text=\xff\xfe\xfa&team_id=T0TEAM", FORM),
    "a form sent as application/json": lambda bot: (_command_body(bot, "list"), JSON),
    "JSON sent as a form": lambda bot: (json.dumps({"type": "event_callback", "event": {}}).encode(), FORM),
    "an unknown content type": lambda bot: (_command_body(bot, "list"), "application/octet-stream"),
    "no content type": lambda bot: (_command_body(bot, "list"), ""),
    "a 100 KB command text": lambda bot: (_command_body(bot, f"note #1 {HUGE}"), FORM),
    "a 100 KB deal name": lambda bot: (_command_body(bot, f"new {HUGE}"), FORM),
    "a 100 KB search": lambda bot: (_command_body(bot, f"find {HUGE}"), FORM),
    "a command with every field missing": lambda bot: (b"command=%2Fdeal", FORM),
    "a command for another slash command": lambda bot: (
        _command_body(bot, "list").replace(b"%2Fdeal", b"%2Fother"),
        FORM,
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_requests_get_a_4xx_or_a_polite_answer(bot: Bot, deal: int, case: str) -> None:
    body, content_type = MALFORMED[case](bot)
    assert_polite(send_signed(bot, body, content_type))
    assert_slack_got_valid_messages(bot)
    assert_still_serving(bot)


def test_a_huge_note_is_refused_with_the_limit_and_nothing_is_written(bot: Bot, deal: int) -> None:
    response = bot.slack.command(f"note #1 {HUGE}")
    assert_polite(response)
    assert response.json is not None and "Too long: at most" in response.json["text"]
    with bot.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0

"""The one error handler: a domain error becomes the command's answer; anything else a reference."""

from __future__ import annotations

import json

from slack_bolt import BoltResponse
from slack_sdk import WebClient

from bot.errors import DealNotFound
from bot.handlers.deps import Deps
from bot.handlers.errors import on_error
from tests.fakes.slack_api import FakeSlackAPI


def test_a_domain_error_in_a_slash_command_is_its_ephemeral_answer(client: WebClient, deps: Deps) -> None:
    response = BoltResponse(status=500, body="")
    on_error(DealNotFound("#99"), {"command": "/deal", "user_id": "U0REP"}, client, response, deps)
    assert response.status == 200
    assert "No deal matches `#99`" in json.loads(response.body)["text"]


def test_an_unexpected_error_tells_the_person_a_reference_and_nothing_else(
    client: WebClient, deps: Deps, fake_slack: FakeSlackAPI
) -> None:
    response = BoltResponse(status=500, body="")
    on_error(RuntimeError("secret detail"), {"user": {"id": "U0REP"}}, client, response, deps)
    assert response.status == 200 and response.body == ""
    [told] = fake_slack.calls("chat.postMessage")
    assert "reference" in told.args["text"] and "secret" not in told.args["text"]

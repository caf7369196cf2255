"""`SlackClient`: requests signed as Slack signs them, sent into a real Bolt app over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from sandbox.slack import FakeSlackAPI
from sandbox.slack.client import SlackClient, SlackSigner, datepicker, plain_text_input, static_select

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"


# --- SlackSigner ----------------------------------------------------------------------------


def test_signer_headers_pass_slack_sdk_verification() -> None:
    body = b"token=x&text=new+Acme+5000"
    headers = SlackSigner(SECRET).headers(body)
    ts = headers["X-Slack-Request-Timestamp"]
    signature = headers["X-Slack-Signature"]

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert SignatureVerifier(SECRET).is_valid(body, ts, signature)
    assert not SignatureVerifier("another-secret").is_valid(body, ts, signature)


def test_signer_with_a_stale_timestamp_is_rejected() -> None:
    body = b"{}"
    headers = SlackSigner(SECRET).headers(body, timestamp=int(time.time()) - 600)
    assert not SignatureVerifier(SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


# --- SlackClient against a real Bolt app ----------------------------------------------------


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt(fake: FakeSlackAPI) -> Iterator[tuple[App, list[dict[str, Any]], SlackClient]]:
    """A real Bolt app served over HTTP, its listeners recording what they received."""
    app = App(
        client=WebClient(token=TOKEN, base_url=fake.url),
        signing_secret=SECRET,
        process_before_response=True,
    )
    seen: list[dict[str, Any]] = []

    @app.command("/deal")
    def on_deal(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        seen.append(body)
        respond(f"got {body['text']}")

    @app.action("approve")
    def on_approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    @app.view("deal_modal")
    def on_submit(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], request: BoltRequest) -> None:
        seen.append({**body, "retry_num": request.headers.get("x-slack-retry-num")})

    server: WSGIServer = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietWSGIHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield (
            app,
            seen,
            SlackClient(f"http://127.0.0.1:{server.server_port}", SECRET, api_url=fake.url),
        )
    finally:
        server.shutdown()
        server.server_close()


def test_command_reaches_bolt_and_respond_hits_the_fake(
    fake: FakeSlackAPI, bolt: tuple[App, list[dict[str, Any]], SlackClient]
) -> None:
    _, seen, slack = bolt
    response = slack.command("new Acme 5000")

    assert response.status == 200
    [body] = seen
    assert (body["text"], body["user_id"], body["command"]) == ("new Acme 5000", "U0REP", "/deal")
    assert body["trigger_id"] and body["team_id"] == "T0TEAM"
    [hook] = fake.wait_for("response_url")
    assert hook.args["text"] == "got new Acme 5000"


def test_forged_and_stale_requests_are_refused(
    bolt: tuple[App, list[dict[str, Any]], SlackClient],
) -> None:
    _, seen, slack = bolt
    forged = SlackClient(slack.base_url, "wrong")

    assert forged.command("x").status == 401
    assert slack.command("x", timestamp=int(time.time()) - 600).status == 401
    assert slack.raw(b"text=x", {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    assert seen == []


def test_block_action_and_view_submission_payloads_parse_in_bolt(
    bolt: tuple[App, list[dict[str, Any]], SlackClient],
) -> None:
    _, seen, slack = bolt
    values = {
        "name": {"name_input": plain_text_input("Acme")},
        "stage": {"stage_select": static_select("proposal", "Proposal")},
        "close": {"close_date": datepicker("2026-12-15")},
    }

    assert slack.block_action("approve", "deal-42", channel_id="C0SALES").status == 200
    assert slack.view_submission("deal_modal", values, private_metadata="42").status == 200

    action, submission = seen
    assert action["actions"][0]["value"] == "deal-42"
    assert action["container"]["channel_id"] == "C0SALES" and action["response_url"]
    assert submission["view"]["private_metadata"] == "42"
    assert submission["view"]["state"]["values"]["close"]["close_date"]["selected_date"] == ("2026-12-15")


def test_event_envelope_and_retry_headers_reach_bolt(
    bolt: tuple[App, list[dict[str, Any]], SlackClient],
) -> None:
    _, seen, slack = bolt
    mention = {
        "type": "app_mention",
        "user": "U0REP",
        "text": "<@U0BOT> pipeline",
        "channel": "C0SALES",
        "ts": "1732400000.000900",
    }

    assert slack.event(mention, event_id="Ev0001").status == 200
    assert slack.event(mention, event_id="Ev0001", retry_num=1).status == 200

    first, retry = seen
    assert first["event_id"] == retry["event_id"] == "Ev0001"
    assert first["event"]["text"] == "<@U0BOT> pipeline"
    assert (first["retry_num"], retry["retry_num"]) == (None, ["1"])


def test_url_verification_is_echoed(bolt: tuple[App, list[dict[str, Any]], SlackClient]) -> None:
    _, _, slack = bolt
    response = slack.url_verification("abc123")
    assert response.status == 200 and response.json == {"challenge": "abc123"}

"""Tests of the Slack stand-ins themselves, driven by the real slack_sdk and slack_bolt."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FIRST_TS, FakeSlackAPI
from tests.fakes.slack_client import SlackClient, SlackSigner, datepicker, plain_text_input, static_select

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* — $5,000"}}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as api:
        yield api
    assert not api.errors, api.errors


@pytest.fixture
def client(fake: FakeSlackAPI) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.url)


def _http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with NO_PROXY.open(request, timeout=5) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read(), err.headers


# --- FakeSlackAPI ---------------------------------------------------------------------------


def test_url_is_an_api_base_on_loopback(fake: FakeSlackAPI) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}/api/"


def test_post_message_is_recorded_with_args_and_gets_increasing_ts(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0SALES", text="New deal", blocks=[SECTION])
    second = client.chat_postMessage(channel="C0SALES", text="Another")

    assert first["ok"] and first["channel"] == "C0SALES"
    assert first["ts"] == FIRST_TS
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == [SECTION]
    call = fake.wait_for("chat.postMessage", count=2)[0]
    assert call.args["text"] == "New deal"
    assert call.args["blocks"] == [SECTION]
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert [m["text"] for m in fake.messages("C0SALES")] == ["New deal", "Another"]


def test_update_and_delete_change_the_channel_history(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0SALES", text="v1")["ts"]
    client.chat_update(channel="C0SALES", ts=ts, text="v2")
    assert [m["text"] for m in fake.messages("C0SALES")] == ["v2"]
    client.chat_delete(channel="C0SALES", ts=ts)
    assert fake.messages("C0SALES") == []


def test_users_info_answers_per_user(fake: FakeSlackAPI, client: WebClient) -> None:
    fake.add_user("U1", "aiko", locale="ja-JP", tz="Asia/Tokyo")
    fake.add_user("U2", "bob", tz="America/New_York")

    aiko = client.users_info(user="U1", include_locale=True)["user"]
    bob = client.users_info(user="U2", include_locale=True)["user"]

    assert (aiko["name"], aiko["tz"], aiko["tz_offset"], aiko["locale"]) == (
        "aiko",
        "Asia/Tokyo",
        9 * 3600,
        "ja-JP",
    )
    assert (bob["tz"], bob["locale"]) == ("America/New_York", "en-US")
    assert bob["tz_offset"] in {-5 * 3600, -4 * 3600}
    assert "locale" not in client.users_info(user="U1")["user"]  # as Slack: only if asked


def test_bad_tokens_and_unknown_methods_fail_like_slack() -> None:
    with FakeSlackAPI(valid_tokens={TOKEN}) as fake:
        with pytest.raises(SlackApiError) as bad:
            WebClient(token="xoxb-nope", base_url=fake.url).auth_test()
        with pytest.raises(SlackApiError) as missing:
            WebClient(base_url=fake.url).auth_test()
        with pytest.raises(SlackApiError) as unknown:
            WebClient(token=TOKEN, base_url=fake.url).api_call("deals.frobnicate")

    assert bad.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert unknown.value.response.status_code == 200
    assert unknown.value.response["error"] == "unknown_method"


def test_auth_test_identifies_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0TEAM", "U0BOT", "B0BOT")


def test_ratelimit_then_success_with_the_sdk_retry_handler(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    answer = client.chat_postMessage(channel="C0SALES", text="hello")

    assert answer["ok"]
    calls = fake.wait_for("chat.postMessage", count=2)
    assert [c.status for c in calls] == [429, 200]
    assert [c.response["ok"] for c in calls if c.response] == [False, True]
    assert len(fake.messages("C0SALES")) == 1


def test_injected_faults_carry_status_retry_after_and_error(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    fake.fail_next("chat.postMessage", error="channel_not_found", status=200)

    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0SALES", text="x")
    with pytest.raises(SlackApiError) as missing:
        client.chat_postMessage(channel="C0SALES", text="x")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] in ("7", ["7"])
    assert limited.value.response["error"] == "ratelimited"
    assert missing.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0SALES", text="x")["ok"]


def test_set_response_overrides_a_method(fake: FakeSlackAPI, client: WebClient) -> None:
    fake.set_response("conversations.info", {"ok": True, "channel": {"id": "C0SALES"}})
    assert client.conversations_info(channel="C0SALES")["channel"]["id"] == "C0SALES"


def test_views_are_echoed_with_id_and_hash_and_validated(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    modal = {
        "type": "modal",
        "callback_id": "deal_modal",
        "title": {"type": "plain_text", "text": "New deal"},
        "blocks": [SECTION],
    }

    opened = client.views_open(trigger_id="123.456.abc", view=modal)["view"]

    assert opened["id"].startswith("V") and opened["hash"]
    assert opened["callback_id"] == "deal_modal" and opened["blocks"] == [SECTION]
    too_long = {**modal, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as invalid:
        client.views_update(view_id=opened["id"], view=too_long)
    assert invalid.value.response["error"] == "invalid_arguments"
    assert "/view/title/text" in invalid.value.response["response_metadata"]["messages"][0]


def test_files_info_and_download_need_the_token(fake: FakeSlackAPI, client: WebClient) -> None:
    fake.add_file("F0VOICE", b"\x00\x01voice", "memo.m4a", "audio/mp4", "m4a")

    info = client.files_info(file="F0VOICE")["file"]
    url = info["url_private_download"]
    status, body, headers = _http_get(url, {"Authorization": f"Bearer {TOKEN}"})
    anon_status, anon_body, anon_headers = _http_get(url)

    assert url.startswith(fake.root + "/files/F0VOICE/")
    assert (info["name"], info["size"], info["filetype"]) == ("memo.m4a", 7, "m4a")
    assert (status, body, headers["Content-Type"]) == (200, b"\x00\x01voice", "audio/mp4")
    assert headers["Content-Length"] == "7"
    assert anon_status == 200 and anon_headers["Content-Type"].startswith("text/html")
    assert anon_body.startswith(b"<!DOCTYPE html>")
    assert len(fake.calls("file_download")) == 2


def test_external_upload_flow_stores_the_bytes(fake: FakeSlackAPI, client: WebClient) -> None:
    answer = client.files_upload_v2(channel="C0SALES", content=b"\x89PNG...", filename="x.png")

    file_id = answer["file"]["id"]
    assert fake.file_content(file_id) == b"\x89PNG..."
    assert fake.file(file_id)["mimetype"] == "image/png"
    assert [c.method for c in fake.calls()] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    assert fake.calls("files.completeUploadExternal")[0].args["channel_id"] == "C0SALES"
    assert fake.messages("C0SALES")[0]["files"][0]["id"] == file_id


def test_wait_for_times_out_with_the_methods_seen(fake: FakeSlackAPI, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.1)


def test_wait_for_wakes_up_on_a_call_from_another_thread(
    fake: FakeSlackAPI, client: WebClient
) -> None:
    timer = threading.Timer(
        0.1,
        lambda: client.reactions_add(
            channel="C0SALES", timestamp=FIRST_TS, name="white_check_mark"
        ),
    )
    timer.start()
    [call] = fake.wait_for("reactions.add", timeout=5)
    timer.join()
    assert call.args["name"] == "white_check_mark"


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
    assert submission["view"]["state"]["values"]["close"]["close_date"]["selected_date"] == (
        "2026-12-15"
    )


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

"""The stand-in's Web API, driven by the real slack_sdk: methods, recording, faults, overrides."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.slack import FIRST_TS, FakeSlackAPI

TOKEN = "xoxb-test"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* — $5,000"}}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


def test_update_and_delete_change_the_channel_history(fake: FakeSlackAPI, client: WebClient) -> None:
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


def test_ratelimit_then_success_with_the_sdk_retry_handler(fake: FakeSlackAPI, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    answer = client.chat_postMessage(channel="C0SALES", text="hello")

    assert answer["ok"]
    calls = fake.wait_for("chat.postMessage", count=2)
    assert [c.status for c in calls] == [429, 200]
    assert [c.response["ok"] for c in calls if c.response] == [False, True]
    assert len(fake.messages("C0SALES")) == 1


def test_injected_faults_carry_status_retry_after_and_error(fake: FakeSlackAPI, client: WebClient) -> None:
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


def test_views_are_echoed_with_id_and_hash_and_validated(fake: FakeSlackAPI, client: WebClient) -> None:
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


def test_wait_for_wakes_up_on_a_call_from_another_thread(fake: FakeSlackAPI, client: WebClient) -> None:
    timer = threading.Timer(
        0.1,
        lambda: client.reactions_add(channel="C0SALES", timestamp=FIRST_TS, name="white_check_mark"),
    )
    timer.start()
    [call] = fake.wait_for("reactions.add", timeout=5)
    timer.join()
    assert call.args["name"] == "white_check_mark"

"""The sandbox page's JSON API over real HTTP, with the real bot behind the Slack stand-in (no browser).

Each test plays what a person does on the page (type `/deal …`, click, submit, open App Home,
run the digest, share a voice memo) and reads what the page would show from the snapshot.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import deal_service
from bot.ids import INPUT_ACTION, Action, Block
from sandbox.people import TEAM_ID
from sandbox.runner import Sandbox
from tests.conftest import POSTGRES_URL
from tests.sandbox.conftest import start_sandbox
from tests.transcription.audiogen import EN_MEMO, espeak_available, espeak_wav

ALEX, HANA, MORGAN = "U0ALEX", "U0HANA", "U0MORGAN"
SALES = "C0SALES"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
Snapshot = dict[str, Any]


@dataclass
class Page:
    """What the page's script does: JSON calls to /sandbox/api/* on the sandbox's URL."""

    url: str

    def request(
        self, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(
            self.url.rstrip("/") + path, data=body, headers=headers or {}, method="POST" if body else "GET"
        )
        try:
            with NO_PROXY.open(request, timeout=60) as response:
                status, headers_in, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            with err:
                status, headers_in, raw = err.code, err.headers, err.read()
        parsed = json.loads(raw) if headers_in.get_content_type() == "application/json" else None
        return status, parsed, raw

    def post(self, path: str, payload: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload).encode()
        status, answer, _ = self.request(
            f"/sandbox/api/{path}", body, {"Content-Type": "application/json", **headers}
        )
        return status, answer

    def ok(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        status, answer = self.post(path, payload)
        assert (status, answer.get("ok")) == (200, True), answer
        return answer

    def snapshot(self, user: str, since: int = -1) -> Snapshot:
        status, answer, _ = self.request(f"/sandbox/api/snapshot?user={user}&since={since}")
        assert status == 200, answer
        return dict(answer)

    def wait_for(self, user: str, seen: Callable[[Snapshot], bool], *, rounds: int = 15) -> Snapshot:
        """Long-poll until `seen(snapshot)` holds (each round waits for the next change)."""
        shot = self.snapshot(user)
        for _ in range(rounds):
            if seen(shot):
                return shot
            shot = self.snapshot(user, since=shot["version"])
        raise AssertionError(f"never seen; last snapshot: {json.dumps(shot)[:2000]}")

    def upload(
        self, user: str, channel: str, name: str, content: bytes, mimetype: str, text: str
    ) -> dict[str, Any]:
        boundary = secrets.token_hex(12)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'.encode()
            for field, value in (("user", user), ("channel", channel), ("text", text))
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mimetype}\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        form = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, answer, _ = self.request("/sandbox/api/upload", b"".join(parts), form)
        assert status == 200, answer
        return dict(answer)


@pytest.fixture
def page(sandbox: Sandbox) -> Page:
    return Page(sandbox.url)


@pytest.fixture
def box(tmp_path: Path, database_url: str) -> Iterator[Sandbox]:
    """A sandbox on each test database (SQLite, and PostgreSQL when DEALBOT_TEST_POSTGRES_URL is set)."""
    yield from start_sandbox(tmp_path / "sandbox", database_url=database_url if POSTGRES_URL else None)


def messages(shot: Snapshot, channel: str) -> list[dict[str, Any]]:
    return list(shot["channels"][channel])


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


def click(page: Page, user: str, channel: str, message: dict[str, Any], action_id: str) -> None:
    element = buttons(message)[action_id]
    action = {"action_id": action_id, "type": "button", "value": element.get("value")}
    page.ok("action", {"user": user, "channel": channel, "message_ts": message["ts"], "action": action})


def new_deal(page: Page, text: str = "new Globex renewal company:Globex", user: str = ALEX) -> dict[str, Any]:
    page.ok("command", {"user": user, "channel": SALES, "text": f"/deal {text}"})
    return messages(page.snapshot(user), SALES)[-1]


def field(value: str) -> dict[str, Any]:
    return {INPUT_ACTION: {"type": "plain_text_input", "value": value}}


# --- state and commands ------------------------------------------------------------------------


def test_state_lists_the_demo_people_their_channels_and_the_language(page: Page) -> None:
    status, state, _ = page.request("/sandbox/api/state")
    assert status == 200
    assert state["team"] == {"id": TEAM_ID, "name": "Sandbox Sales"}
    roles = {(u["id"], u["role"]) for u in state["users"]}
    assert roles == {(ALEX, "rep"), (HANA, "rep"), (MORGAN, "manager")}
    assert {"id": "D0ALEX", "name": "alex", "kind": "im", "user": ALEX} in state["channels"]
    assert state["locale"] == "en"


def test_deal_new_shows_the_bots_card_to_whoever_typed_it_and_nobody_else(box: Sandbox) -> None:
    page = Page(box.url)
    card = new_deal(page)
    assert (card["bot"], card["ephemeral"]) == (True, True)
    assert "Created #1 Globex renewal" in card["text"]
    assert set(buttons(card)) >= {Action.EDIT, Action.NOTE, Action.WON, Action.LOST}
    assert messages(page.snapshot(HANA), SALES) == []
    assert deal_service(box.db, box.settings).get(TEAM_ID, 1).name == "Globex renewal"


def test_a_plain_message_is_posted_in_the_channel_for_everyone_escaped_as_slack_does(page: Page) -> None:
    page.ok("command", {"user": ALEX, "channel": SALES, "text": "Morning all <b> & <!channel>"})
    [message] = messages(page.snapshot(HANA), SALES)
    expected = "Morning all &lt;b&gt; &amp; &lt;!channel&gt;"
    assert (message["user"], message["bot"], message["text"]) == (ALEX, False, expected)


def test_an_unknown_slash_command_is_refused_as_slack_does(page: Page) -> None:
    status, answer = page.post("command", {"user": ALEX, "channel": SALES, "text": "/remind me"})
    assert status == 400
    assert answer == {"ok": False, "error": answer["error"]}
    assert "/remind is not a valid command" in answer["error"]


def test_a_person_cannot_post_in_someone_elses_dm(page: Page) -> None:
    status, answer = page.post("command", {"user": HANA, "channel": "D0ALEX", "text": "/deal list"})
    assert status == 404 and answer["ok"] is False


def test_snapshot_waits_for_a_change_and_then_returns_the_newer_version(page: Page) -> None:
    before = page.snapshot(ALEX)["version"]
    page.ok("command", {"user": ALEX, "channel": SALES, "text": "/deal help"})
    after = page.snapshot(ALEX, since=before)
    assert after["version"] > before
    assert messages(after, SALES)[-1]["ephemeral"] is True


# --- buttons and modals --------------------------------------------------------------------------


def test_the_edit_button_opens_the_edit_modal_for_the_person_who_clicked(page: Page) -> None:
    card = new_deal(page)
    click(page, ALEX, SALES, card, Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]
    assert modal["type"] == "modal" and modal["id"]
    assert Block.AMOUNT in {block.get("block_id") for block in modal["blocks"]}
    assert page.snapshot(HANA)["modals"] == []


def test_an_invalid_amount_comes_back_next_to_the_field_and_the_modal_stays_open(box: Sandbox) -> None:
    page = Page(box.url)
    click(page, ALEX, SALES, new_deal(page), Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]

    values = {Block.AMOUNT: field("lots")}
    answer = page.ok("submit", {"user": ALEX, "view_id": modal["id"], "values": values})

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {Block.AMOUNT}
    assert [m["id"] for m in page.snapshot(ALEX)["modals"]] == [modal["id"]]
    assert deal_service(box.db, box.settings).get(TEAM_ID, 1).amount is None


def test_a_valid_submission_closes_the_modal_saves_and_confirms(box: Sandbox) -> None:
    page = Page(box.url)
    click(page, ALEX, SALES, new_deal(page), Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]

    values = {Block.AMOUNT: field("$60k")}
    answer = page.ok("submit", {"user": ALEX, "view_id": modal["id"], "values": values})

    assert answer == {"ok": True, "response_action": None, "errors": {}}
    shot = page.snapshot(ALEX)
    assert shot["modals"] == []
    assert "Saved #1 Globex renewal" in messages(shot, SALES)[-1]["text"]
    deal = deal_service(box.db, box.settings).get(TEAM_ID, 1)
    assert (deal.amount, deal.currency) == (6_000_000, "USD")


def test_a_required_field_left_empty_is_stopped_before_the_bot_hears_of_it(page: Page) -> None:
    click(page, ALEX, SALES, new_deal(page), Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]
    answer = page.ok("submit", {"user": ALEX, "view_id": modal["id"], "values": {Block.NAME: field("")}})
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {Block.NAME: "Please complete this required field."}


def test_a_probability_outside_0_to_100_is_stopped_by_slacks_own_check(page: Page) -> None:
    click(page, ALEX, SALES, new_deal(page), Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]
    values = {Block.PROBABILITY: {INPUT_ACTION: {"type": "number_input", "value": "150"}}}
    answer = page.ok("submit", {"user": ALEX, "view_id": modal["id"], "values": values})
    assert answer["errors"] == {Block.PROBABILITY: "Please enter a number between 0 and 100."}


def test_closing_the_modal_removes_it(page: Page) -> None:
    click(page, ALEX, SALES, new_deal(page), Action.EDIT)
    [modal] = page.snapshot(ALEX)["modals"]
    page.ok("close", {"user": ALEX, "view_id": modal["id"]})
    assert page.snapshot(ALEX)["modals"] == []
    status, _ = page.post("close", {"user": ALEX, "view_id": modal["id"]})
    assert status == 409


def test_won_on_an_ephemeral_card_replaces_that_card_through_the_response_url(page: Page) -> None:
    card = new_deal(page)
    click(page, ALEX, SALES, card, Action.WON)
    shown = messages(page.snapshot(ALEX), SALES)
    assert [m["ts"] for m in shown] == [card["ts"]]
    assert "#1 Globex renewal is won" in shown[0]["text"]


def test_a_button_that_is_not_in_the_message_is_refused(page: Page) -> None:
    card = new_deal(page)
    action = {"action_id": Action.EDIT, "type": "button", "value": "999"}
    where = {"user": ALEX, "channel": SALES, "message_ts": card["ts"]}
    status, answer = page.post("action", {**where, "action": action})
    assert status == 404 and answer["ok"] is False


# --- App Home, the clock, voice memos ------------------------------------------------------------


def test_opening_app_home_publishes_the_persons_home_view(page: Page) -> None:
    new_deal(page)
    page.ok("home", {"user": ALEX})
    home = page.snapshot(ALEX)["home"]
    assert home["type"] == "home"
    assert "Globex renewal" in json.dumps(home)
    assert page.snapshot(HANA)["home"] is None


def test_the_digest_reaches_the_managers_dm_with_a_chart_the_page_can_show(page: Page) -> None:
    new_deal(page, "new Initech pilot amount:20k company:Initech")

    answer = page.ok("clock", {"job": "digest", "as_of": None})

    assert "1 sent" in answer["summary"]
    shot = page.wait_for(MORGAN, lambda s: any(m["files"] for m in messages(s, "D0MORGAN")))
    dm = messages(shot, "D0MORGAN")
    assert dm[0]["text"] == "Weekly pipeline digest"
    [chart] = next(m["files"] for m in dm if m["files"])
    assert chart["mimetype"] == "image/png"
    status, _, png = page.request(chart["url"])
    assert status == 200 and png.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_clock_run_with_a_bad_moment_is_refused(page: Page) -> None:
    status, answer = page.post("clock", {"job": "digest", "as_of": "next tuesday"})
    assert status == 400 and "not a date and time" in answer["error"]


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the test audio")
def test_a_voice_memo_naming_its_deal_gets_a_threaded_transcript_reply(page: Page, tmp_path: Path) -> None:
    new_deal(page)
    wav = espeak_wav(EN_MEMO, tmp_path / "memo.wav").read_bytes()

    page.upload(ALEX, "D0ALEX", "memo.wav", wav, "audio/wav", "notes for #1")

    def replied(shot: Snapshot) -> bool:
        return any(m.get("thread_ts") and m["bot"] for m in messages(shot, "D0ALEX"))

    shot = page.wait_for(ALEX, replied, rounds=60)
    memo, reply = messages(shot, "D0ALEX")
    assert memo["files"][0]["name"] == "memo.wav" and memo["text"] == "notes for #1"
    assert reply["thread_ts"] == memo["ts"]
    assert "Voice memo saved to #1 Globex renewal" in reply["text"]
    assert "globex" in json.dumps(reply["blocks"]).lower()


def test_switching_the_language_makes_the_bot_answer_in_japanese(page: Page) -> None:
    page.ok("locale", {"locale": "ja"})
    card = new_deal(page, "new 山田商事 更新")
    assert "#1 山田商事 更新 を登録しました" in card["text"]
    _, state, _ = page.request("/sandbox/api/state")
    assert state["locale"] == "ja"


def test_requests_from_another_sites_pages_are_refused(page: Page) -> None:
    status, answer = page.post("home", {"user": ALEX}, Origin="http://evil.example")
    assert status == 403 and answer["ok"] is False

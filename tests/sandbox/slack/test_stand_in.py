"""The Slack stand-in's workspace, driven through the real slack_sdk: modal stacks, response_url
answers, ephemeral messages, DMs and file shares, as the sandbox page relies on them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import HookContext, SlackStandIn

TOKEN = "xoxb-stand-in"
ALEX = "U0ALEX"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def modal(title: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": title}}],
    }


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(strict=True, dm_channels={ALEX: "D0ALEX"}, real_time=True) as stand_in:
        stand_in.add_user(ALEX, "alex")
        yield stand_in
    assert stand_in.errors == []


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


def post_to_hook(url: str, payload: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with NO_PROXY.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        with err:
            return err.code


def test_a_modal_opened_with_an_issued_trigger_joins_that_persons_stack(
    slack: SlackStandIn, client: WebClient
) -> None:
    opened = client.views_open(trigger_id=slack.issue_trigger(ALEX), view=modal("First"))
    pushed = client.views_push(trigger_id=slack.issue_trigger(ALEX), view=modal("Second"))
    stack = slack.modal_stack(ALEX)
    assert [v["id"] for v in stack] == [opened["view"]["id"], pushed["view"]["id"]]
    assert stack[1]["previous_view_id"] == opened["view"]["id"]
    assert slack.modal_stack("U0OTHER") == []


def test_a_fourth_stacked_modal_is_refused_as_slack_does(slack: SlackStandIn, client: WebClient) -> None:
    client.views_open(trigger_id=slack.issue_trigger(ALEX), view=modal("1"))
    client.views_push(trigger_id=slack.issue_trigger(ALEX), view=modal("2"))
    client.views_push(trigger_id=slack.issue_trigger(ALEX), view=modal("3"))
    with pytest.raises(SlackApiError) as refused:
        client.views_push(trigger_id=slack.issue_trigger(ALEX), view=modal("4"))
    assert refused.value.response["error"] == "push_limit_reached"


def test_a_trigger_id_works_once(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.issue_trigger(ALEX)
    client.views_open(trigger_id=trigger, view=modal("Once"))
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=trigger, view=modal("Twice"))
    assert refused.value.response["error"] == "exchanged_trigger_id"


def test_submission_answers_update_keep_the_view_id_and_clear_closes_every_modal(
    slack: SlackStandIn, client: WebClient
) -> None:
    first = client.views_open(trigger_id=slack.issue_trigger(ALEX), view=modal("Form"))["view"]["id"]

    assert slack.finish_submission(ALEX, first, {"response_action": "errors", "errors": {"b": "no"}}) is None
    assert [v["id"] for v in slack.modal_stack(ALEX)] == [first]
    slack.finish_submission(ALEX, first, {"response_action": "update", "view": modal("Changed")})
    [updated] = slack.modal_stack(ALEX)
    assert (updated["id"], updated["title"]["text"]) == (first, "Changed")
    slack.finish_submission(ALEX, first, {"response_action": "push", "view": modal("On top")})
    assert len(slack.modal_stack(ALEX)) == 2
    slack.finish_submission(ALEX, first, {"response_action": "clear"})
    assert slack.modal_stack(ALEX) == []


def test_an_answer_with_an_invalid_view_is_refused_and_the_modal_stays(
    slack: SlackStandIn, client: WebClient
) -> None:
    view_id = client.views_open(trigger_id=slack.issue_trigger(ALEX), view=modal("Form"))["view"]["id"]
    too_long = {"type": "plain_text", "text": "x" * 30}  # titles take 24 characters
    bad = {"response_action": "update", "view": {**modal("Form"), "title": too_long}}
    assert slack.finish_submission(ALEX, view_id, bad) == "invalid_arguments"
    assert [v["title"]["text"] for v in slack.modal_stack(ALEX)] == ["Form"]


def test_response_url_answers_land_ephemerally_in_channel_or_replace_the_original(
    slack: SlackStandIn,
) -> None:
    card = slack.post_ephemeral(ALEX, "C0SALES", {"text": "card"})
    hook = slack.response_url("actions", HookContext(ALEX, "C0SALES", card["ts"], ephemeral=True))

    assert post_to_hook(hook, {"text": "only for you"}) == 200
    assert post_to_hook(hook, {"text": "for all", "response_type": "in_channel"}) == 200
    assert post_to_hook(hook, {"text": "replaced", "replace_original": True}) == 200

    assert [m["text"] for m in slack.ephemeral_messages(ALEX, "C0SALES")] == ["replaced", "only for you"]
    assert [m["text"] for m in slack.messages("C0SALES")] == ["for all"]
    assert post_to_hook(hook, {"delete_original": True}) == 200
    assert [m["text"] for m in slack.ephemeral_messages(ALEX)] == ["only for you"]


def test_ephemeral_to_an_unknown_user_is_refused_in_strict_mode(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postEphemeral(channel="C0SALES", user="U0NOBODY", text="hi")
    assert refused.value.response["error"] == "user_not_found"


def test_a_dm_to_a_person_lands_in_their_configured_dm_channel(client: WebClient) -> None:
    opened = client.conversations_open(users=ALEX)
    posted = client.chat_postMessage(channel=ALEX, text="hello")
    assert opened["channel"]["id"] == posted["channel"] == "D0ALEX"


def test_a_shared_file_tells_files_info_where_it_was_shared(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_file("F0MEMO", b"RIFF", "memo.wav", "audio/wav", "wav", user=ALEX)
    message = slack.post_user_message(ALEX, "D0ALEX", "notes for #1", file_ids=["F0MEMO"])
    shares = client.files_info(file="F0MEMO")["file"]["shares"]
    assert shares["private"]["D0ALEX"][0]["ts"] == message["ts"]
    assert message["files"][0]["id"] == "F0MEMO"

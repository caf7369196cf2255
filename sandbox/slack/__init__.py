"""The Slack stand-in: a real Web API server on 127.0.0.1 that the app reaches via `SLACK_API_URL`.

One implementation for the end-to-end tests (as `FakeSlackAPI`, re-exported by `tests/fakes`) and
for `dealbot sandbox` (as `SlackStandIn`), which also keeps the workspace a page shows: messages
per channel with threads, ephemeral messages per user, each user's modal stack, App Home views,
files and reactions, with a `version` that long-polling readers wait on (`wait_for_change`).

Nothing in slack_sdk is mocked: point a `WebClient(base_url=fake.url)` (or the app's settings)
at the server and it speaks HTTP exactly as it would to https://slack.com/api/.

    with SlackStandIn() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C0SALES", text="hi")
        [call] = fake.wait_for("chat.postMessage")
        assert call.args["text"] == "hi"

Modules:

- `http`: the server, its routes, requests and replies, argument and multipart decoding.
- `state`: the workspace (`WorkspaceState`), what a person does in it, and its read-outs.
- `methods/`: the Web API methods, one module per area (`auth`, `chat`, `conversations`,
  `users`, `views`, `reactions`, `files`).
- `hooks`: where response_url answers land. `calls`: recorded calls and injected faults.
- `objects`: the JSON shapes Slack answers with. `block_kit`: the Block Kit limits it enforces.
- `stand_in`: `SlackStandIn`, the workspace served over HTTP with recording and faults.
- `client`: `SlackClient`, which sends the app signed requests as Slack does.

The team, the bot and its app are `sandbox.people`'s (T0TEAM, U0BOT, B0BOT, A0APP).

Routes served (root is `http://127.0.0.1:PORT`):

- `POST|GET /api/<method>`: Web API methods; form-encoded, JSON, multipart or query-string
  arguments; `Authorization: Bearer xoxb-…` (or `token=`) is checked. Unknown methods answer
  `{"ok": false, "error": "unknown_method"}` with HTTP 200, as Slack does.
- `GET /files/<id>/<name>`: `url_private(_download)` of files from `add_file()` or uploads; a
  missing/bad token gets Slack's HTML login page (HTTP 200, text/html), like the real thing.
- `POST /upload/v1/<file_id>`: the upload URL handed out by `files.getUploadURLExternal`.
- `POST /hooks/...`: response_url targets (see `response_url()` and `SlackClient(api_url=...)`).

Every request is recorded as a `Call`; the non-API routes are recorded under the pseudo-method
names `file_download`, `file_upload` and `response_url` (Slack method names always contain a dot).

Realism switches: `strict=True` makes unknown users/messages/views and repeated reactions or
trigger_ids fail the way Slack does (`user_not_found`, `message_not_found`, `not_found`,
`hash_conflict`, `already_reacted`, `exchanged_trigger_id`); by default those are accepted so
tests can use made-up ids. Block Kit limits (lengths, counts) are always checked unless
`validate_blocks=False`: messages fail with `invalid_blocks`, views with `invalid_arguments`.
`users.info` returns `locale` only when called with `include_locale=true`, as Slack does.

Acting as Slack's client (the sandbox): `issue_trigger(user)` hands out trigger_ids that tie
`views.open`/`views.push` to that user's modal stack; `response_url(kind, context=HookContext(…))`
makes `respond()` calls land where Slack would put them (ephemeral to the user, in the channel,
replacing or deleting the original); `post_user_message`, `post_ephemeral`, `close_view` and
`finish_submission` apply what the person did and what the app answered.
"""

from __future__ import annotations

from sandbox.slack.calls import Call, Responder
from sandbox.slack.http import Headers, Payload
from sandbox.slack.objects import new_trigger_id
from sandbox.slack.stand_in import FakeSlackAPI, SlackStandIn
from sandbox.slack.state import FIRST_TS, HookContext

__all__ = [
    "FIRST_TS",
    "Call",
    "FakeSlackAPI",
    "Headers",
    "HookContext",
    "Payload",
    "Responder",
    "SlackStandIn",
    "new_trigger_id",
]

"""Secrets stay secret: a real `dealbot serve` at DEBUG never writes a token or the signing secret.

The process runs with fresh random secrets and `DEALBOT_LOG_LEVEL=DEBUG` (the level where
slack_sdk logs every request it sends and every answer it gets). The test drives slash commands,
a button that opens a modal, a modal submit, a permission refusal, a Slack API failure (an
unexpected error, logged with its traceback), a rate-limited call and a voice memo downloaded
from the fake Slack (with the bot token) that turns out not to be audio. Then neither the
process's stdout/stderr nor anything the fake Slack received may contain a secret, except the
bot token in the `Authorization` header, where Slack expects it.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.ids import Action, Block, Callback
from bot.log_redaction import RedactSecrets
from tests.conftest import OTHER_REP, REP
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SlackClient, plain_text_input
from tests.test_cli import DEALBOT, env_for, free_port, wait_until_healthy


@dataclass(frozen=True)
class Secrets:
    bot_token: str
    app_token: str
    signing_secret: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.bot_token, self.app_token, self.signing_secret))


@dataclass
class Served:
    slack: SlackClient
    api: FakeSlackAPI
    secrets: Secrets
    process: subprocess.Popen[str]
    log: Path  # stdout and stderr: a file, since DEBUG output would fill a pipe and block the bot

    def output(self) -> str:
        """Stop the process and return everything it wrote."""
        self.process.terminate()
        self.process.wait(timeout=60)
        return self.log.read_text()


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    keys = Secrets(
        bot_token=f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}",
        app_token=f"xapp-1-A0APP-{secrets.randbelow(10**12)}-{secrets.token_hex(16)}",
        signing_secret=secrets.token_hex(16),
    )
    with FakeSlackAPI(valid_tokens={keys.bot_token}) as api:
        api.add_user(REP, "rep")
        api.add_user(OTHER_REP, "other")
        port = free_port()
        env = env_for(
            tmp_path,
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN=keys.bot_token,
            SLACK_APP_TOKEN=keys.app_token,
            SLACK_SIGNING_SECRET=keys.signing_secret,
            SLACK_API_URL=api.url,
            DEALBOT_LOG_LEVEL="DEBUG",
            DEALBOT_MEMO_WORKERS="1",
            WHISPER_MODEL="tiny.en",
        )
        # A file, not a pipe: at DEBUG the process writes more than a pipe holds, and nobody
        # reads the pipe until the end, so the process would block on its own logging.
        log = tmp_path / "serve.log"
        with log.open("w") as sink:
            process = subprocess.Popen(
                [DEALBOT, "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                text=True,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process)
            yield Served(SlackClient(url, keys.signing_secret, api_url=api.url), api, keys, process, log)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        assert api.errors == []


def drive(bot: Served) -> None:
    """A little of everything the bot does, including its error paths."""
    slack, api = bot.slack, bot.api
    for text in ("new Acme renewal amount:50k", "update acme stage:proposal", "note acme met the CFO"):
        assert slack.command(text).status == 200
    for text in ("show #1", "list all", "find acme", "new Acme amount:lots", "show #404"):
        assert slack.command(text).status == 200
    slack.block_action(Action.EDIT, "1", user_id=REP)  # opens the edit modal
    api.wait_for("views.open")
    values: dict[str, Any] = {Block.NOTE: {"value": plain_text_input("called back")}}
    assert slack.view_submission(Callback.NOTE, values, private_metadata='{"deal_id": 1}').status == 200
    slack.block_action(Action.WON, "1", user_id=OTHER_REP)  # refused: not theirs
    api.fail_next("views.open", error="internal_error", status=200)  # an unexpected error
    slack.block_action(Action.NOTE, "1", user_id=REP)
    api.fail_next("chat.postEphemeral", error="ratelimited", status=429, retry_after=1)  # retried
    values = {str(Block.NAME): {"value": plain_text_input("Globex")}}
    slack.view_submission(Callback.NEW_DEAL, values, private_metadata='{"channel_id": "C0SALES"}')
    # A voice memo: the worker asks files.info, downloads with the token, finds it is no audio.
    api.add_file("F0MEMO", b"this is not audio at all" * 50, "memo.m4a", "audio/mp4", "m4a", user=REP)
    memo = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D0REP",
        "channel_type": "im",
        "user": REP,
        "text": "#1",
        "ts": "1732400100.000200",
        "files": [api.file("F0MEMO")],
    }
    assert slack.event(memo).status == 200
    deadline = time.monotonic() + 120
    while not [c for c in api.calls("chat.postMessage") if c.args.get("thread_ts")]:
        assert time.monotonic() < deadline, "the memo was never answered"
        time.sleep(0.2)


def test_debug_logs_and_slack_traffic_hold_no_token_or_signing_secret(served: Served) -> None:
    drive(served)
    output = served.output()
    calls = served.api.calls()

    # the run really went through the paths above, at DEBUG
    assert " DEBUG " in output and "Sending a request" in output
    assert "unexpected error" in output and "internal_error" in output
    assert "file_download" in {call.method for call in calls}
    methods = {call.method for call in calls}
    assert {"views.open", "chat.postEphemeral", "chat.postMessage", "files.info", "reactions.add"} <= methods

    leaked_to_logs = [name for name, value in vars(served.secrets).items() if value in output]
    leaked_to_slack = []
    for call in calls:
        headers = {key.lower(): value for key, value in call.headers.items()}
        authorization = headers.pop("authorization", "")
        elsewhere = json.dumps([call.args, call.path, headers])
        leaked_to_slack += [
            f"{call.method}: {name}" for name, value in vars(served.secrets).items() if value in elsewhere
        ]
        if served.secrets.app_token in authorization or served.secrets.signing_secret in authorization:
            leaked_to_slack.append(f"{call.method}: a wrong secret in Authorization")
    assert (leaked_to_logs, leaked_to_slack) == ([], [])
    assert {
        call.method
        for call in calls
        if call.headers.get("Authorization") == f"Bearer {served.secrets.bot_token}"
    } >= {"file_download", "files.info", "chat.postMessage", "views.open"}


# --- the safety net: bot/log_redaction.py ------------------------------------------------------


def logged_through_redaction(*secrets_: str, emit: Callable[[logging.Logger], None]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(*secrets_))
    logger = logging.getLogger(f"test.redaction.{secrets.token_hex(4)}")
    logger.addHandler(handler)
    logger.propagate = False
    emit(logger)
    return stream.getvalue()


def test_the_redaction_filter_masks_slack_tokens_and_given_secrets_in_messages_and_tracebacks() -> None:
    bot_token = f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
    app_token = f"xapp-1-A0APP-{secrets.randbelow(10**12)}-{secrets.token_hex(16)}"
    user_token = f"xoxp-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
    signing = secrets.token_hex(16)

    def emit(logger: logging.Logger) -> None:
        logger.warning("token %s and app %s", bot_token, app_token)
        logger.warning(f"url https://x/?token={user_token}&signing={signing}")
        try:
            raise ValueError(f"bad auth {bot_token}")
        except ValueError:
            logger.exception("failed")

    written = logged_through_redaction(signing, emit=emit)
    assert [s for s in (bot_token, app_token, user_token, signing) if s in written] == []
    assert written.count("xoxb-[redacted]") == 2 and "xapp-[redacted]" in written
    assert "xoxp-[redacted]" in written and "signing=[redacted]" in written
    assert "Traceback" in written and "ValueError: bad auth xoxb-[redacted]" in written


def test_the_redaction_filter_leaves_ordinary_lines_alone() -> None:
    line = "deal #12 xoxo hugs, 50k USD, team T0TEAM, short secret ok"
    written = logged_through_redaction("ok", emit=lambda logger: logger.warning(line))
    assert written == line + "\n"

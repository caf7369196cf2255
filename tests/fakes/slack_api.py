"""The fake Slack Web API the tests use: the sandbox's stand-in, `sandbox.slack.stand_in`.

Kept as an import path so tests read `from tests.fakes.slack_api import FakeSlackAPI`; the one
implementation lives in the bot package because `dealbot sandbox` runs it too.
"""

from __future__ import annotations

from sandbox.slack.block_kit import blocks_errors, view_errors
from sandbox.slack.stand_in import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    FIRST_TS,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Call,
    FakeSlackAPI,
    Headers,
    HookContext,
    Payload,
    Responder,
    SlackStandIn,
    new_trigger_id,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_NAME",
    "BOT_USER_ID",
    "FIRST_TS",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "Call",
    "FakeSlackAPI",
    "Headers",
    "HookContext",
    "Payload",
    "Responder",
    "SlackStandIn",
    "blocks_errors",
    "new_trigger_id",
    "view_errors",
]

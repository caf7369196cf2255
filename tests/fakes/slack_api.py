"""The fake Slack Web API the tests use: the sandbox's stand-in, `sandbox.slack`.

Kept as an import path so tests read `from tests.fakes.slack_api import FakeSlackAPI`; the one
implementation lives in the top-level `sandbox` package because `dealbot sandbox` runs it too,
and the workspace's identities (team, bot, app) are `sandbox.people`'s.
"""

from __future__ import annotations

from sandbox.people import APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from sandbox.slack import (
    FIRST_TS,
    Call,
    FakeSlackAPI,
    Headers,
    HookContext,
    Payload,
    Responder,
    SlackStandIn,
    new_trigger_id,
)
from sandbox.slack.block_kit import blocks_errors, view_errors

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

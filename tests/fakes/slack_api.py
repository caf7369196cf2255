"""The fake Slack Web API the tests use: the sandbox's stand-in, `sandbox.slack`.

Kept as an import path so tests read `from tests.fakes.slack_api import FakeSlackAPI`; the one
implementation lives in the top-level `sandbox` package because `dealbot sandbox` runs it too.
Here: everything `sandbox.slack` exports, the workspace's identities (`sandbox.people`) and the
Block Kit checks the view tests run their builders through.
"""

from __future__ import annotations

from sandbox.people import APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from sandbox.slack import *  # noqa: F403 (its __all__)
from sandbox.slack import __all__ as _STAND_IN
from sandbox.slack.block_kit import blocks_errors, view_errors

__all__ = [
    *_STAND_IN,
    "APP_ID",
    "BOT_ID",
    "BOT_NAME",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "blocks_errors",
    "view_errors",
]

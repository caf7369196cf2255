"""Signed requests into the app as Slack sends them: the sandbox's `sandbox.slack.client`.

Kept as an import path so tests read `from tests.fakes.slack_client import SlackClient`.
"""

from __future__ import annotations

from sandbox.slack.client import (
    FORM,
    JSON,
    Response,
    SlackClient,
    SlackSigner,
    datepicker,
    new_trigger_id,
    plain_text_input,
    static_select,
    users_select,
)

__all__ = [
    "FORM",
    "JSON",
    "Response",
    "SlackClient",
    "SlackSigner",
    "datepicker",
    "new_trigger_id",
    "plain_text_input",
    "static_select",
    "users_select",
]

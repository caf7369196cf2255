"""Secrets never reach a log line: Slack tokens and the configured secrets are masked in every record.

slack_sdk already writes `Authorization: (redacted)` at DEBUG and dealbot logs no secret on
purpose (tests/reliability/test_logs.py checks both); this filter is the safety net for what
neither foresaw: a token inside an exception message, a URL, a library's debug line. Attach it to
the log handler (not to a logger), so it sees the records of every logger:
`handler.addFilter(RedactSecrets(settings.secret("slack_bot_token"), ...))`.
"""

from __future__ import annotations

import logging
import re

# Slack tokens: bot (xoxb-), user (xoxp-), app-level (xapp-), legacy/workspace/refresh (xoxa-,
# xoxo-, xoxr-, xoxs-, xoxe-, xoxe.xoxp-) — the prefix stays readable, the rest is masked.
SLACK_TOKEN = re.compile(r"\b((?:xox[abeoprs](?:\.xox[abeoprs])?|xapp)-)[0-9A-Za-z][0-9A-Za-z-]{5,}")
MASK = "[redacted]"
MIN_SECRET = 8  # shorter "secrets" would mask ordinary words


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return SLACK_TOKEN.sub(lambda match: match.group(1) + MASK, text)


class RedactSecrets(logging.Filter):
    """Masks Slack tokens, and the given secrets (e.g. the signing secret), in messages and tracebacks."""

    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret and len(secret) >= MIN_SECRET)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if record.exc_info is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            clean_trace = redact(trace, self.secrets)
            if clean_trace != trace:  # the traceback itself would leak: log it masked, as text
                clean, record.exc_info, record.exc_text = f"{clean}\n{clean_trace}", None, None
        if clean != message:
            record.msg, record.args = clean, None
        return True

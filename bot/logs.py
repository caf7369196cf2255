"""Process logging: one line per record, text or JSON, tagged with the request or job it belongs to.

`log_context(request_id=…)` (a Slack request) or `log_context(job_id=…)` (a memo job, a scheduled
run) tags every record logged inside it, in that thread, so the lines of one request can be
found among several replicas' logs. `configure_logging()` is called once by the CLI.
"""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal

from bot.log_redaction import RedactSecrets

LogFormat = Literal["text", "json"]
CONTEXT_FIELDS = ("request_id", "job_id", "team_id")

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("dealbot_log", default=None)


def new_request_id() -> str:
    return secrets.token_hex(6)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Tag the records logged inside the block (this thread only) with these fields."""
    merged = {**(_context.get() or {}), **{key: value for key, value in fields.items() if value}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current request/job id onto each record (empty string when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for field in CONTEXT_FIELDS:
            setattr(record, field, context.get(field, ""))
        return True


class TextFormatter(logging.Formatter):
    """`2026-11-24T09:00:00.123Z INFO bot.workers.memos [job=42]: message`."""

    def format(self, record: logging.LogRecord) -> str:
        tags = " ".join(
            f"{field.removesuffix('_id')}={value}"
            for field in CONTEXT_FIELDS
            if (value := getattr(record, field, ""))
        )
        line = f"{_timestamp(record)} {record.levelname} {record.name}{f' [{tags}]' if tags else ''}: "
        line += record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object per line, for log pipelines (Loki, CloudWatch, Datadog…)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
        }
        entry.update({field: value for field in CONTEXT_FIELDS if (value := getattr(record, field, ""))})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure_logging(level: str, fmt: LogFormat = "text", secrets: tuple[str | None, ...] = ()) -> None:
    """Root logging to stderr: the format, the level and the context tags, set once per process.
    Slack tokens, and the given `secrets`, are masked in every line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecrets(*secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

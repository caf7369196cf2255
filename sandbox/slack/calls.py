"""What the stand-in received (`Call`, one per request) and the faults tests make it answer with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.slack.http import Payload

Responder = Payload | Callable[[dict[str, Any]], Payload]  # a set_response answer


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    `args` are the decoded arguments (JSON-string fields such as `blocks`/`view` are parsed);
    `status` and `response` are what the fake answered (`response` is None for non-JSON routes).
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    time: float
    status: int = 200
    response: Payload | None = None
    path: str = ""


@dataclass
class Fault:
    """An error to answer the next `remaining` calls of a method with (see `fail_next`)."""

    status: int
    error: str
    retry_after: int | None
    remaining: int

    def headers(self) -> dict[str, str]:
        if self.status == 429 and self.retry_after is not None:
            return {"Retry-After": str(self.retry_after)}
        return {}

"""Listeners called directly, as bolt's starter template tests them: real services and databases,
a real WebClient talking to the fake Slack Web API, and an `ack`/`respond` that record their calls."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot.handlers.deps import Caller, Deps
from bot.services.deals import DealService
from bot.services.memo_queue import MemoQueue
from bot.services.memos import MemoService
from bot.settings import Settings
from storage.db import Database
from tests.conftest import OTHER_REP, REP, TEAM
from tests.fakes.slack_api import FakeSlackAPI


class Recorder:
    """Stands in for bolt's `ack` or `respond`: keeps what the listener answered."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        self.calls.append({"text": text, **kwargs} if text is not None else kwargs)

    @property
    def last(self) -> dict[str, Any]:
        assert self.calls, "nothing was answered"
        return self.calls[-1]

    def shown(self) -> str:
        """Every text of the last answer, blocks included, as one string."""
        answer = self.last
        parts = [str(answer.get("text") or "")]
        for block in answer.get("blocks") or []:
            parts.append(str(block))
        return "\n".join(parts)


@pytest.fixture
def ack() -> Recorder:
    return Recorder()


@pytest.fixture
def respond() -> Recorder:
    return Recorder()


@pytest.fixture
def client(fake_slack: FakeSlackAPI) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=fake_slack.url)


@pytest.fixture
def deps(settings: Settings, db: Database, deals: DealService) -> Deps:
    return Deps(settings=settings, deals=deals, memos=MemoService(deals), queue=MemoQueue(db))


@pytest.fixture
def rep() -> Caller:
    return Caller(TEAM, REP, "C0SALES")


@pytest.fixture
def other_rep() -> Caller:
    return Caller(TEAM, OTHER_REP, "C0SALES")

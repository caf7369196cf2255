"""The real bolt app served over HTTP (waitress, as `dealbot serve` does), a fake Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.app import create_app
from bot.server import HTTPServer, SlackWSGIApp
from bot.settings import Settings
from storage.db import Database
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SlackClient

SIGNING_SECRET = "e2e-signing-secret"


@dataclass
class Bot:
    slack: SlackClient  # sends Slack's requests into the app
    api: FakeSlackAPI  # records the app's Web API calls
    db: Database
    settings: Settings
    url: str


def serve_in_thread(settings: Settings, db: Database) -> Iterator[str]:
    server = HTTPServer(SlackWSGIApp(create_app(settings, db)), "127.0.0.1", 0, threads=4)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown(grace=5)


def make_bot(fake: FakeSlackAPI, db: Database, database_url: str, **overrides: object) -> Iterator[Bot]:
    settings = make_settings(
        database_url,
        slack_api_url=fake.url,
        slack_bot_token="xoxb-e2e",
        slack_signing_secret=SIGNING_SECRET,
        **overrides,
    )
    for url in serve_in_thread(settings, db):
        yield Bot(SlackClient(url, SIGNING_SECRET, api_url=fake.url), fake, db, settings, url)


@pytest.fixture
def bot(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    yield from make_bot(fake_slack, db, database_url)


@pytest.fixture
def bot_ja(fake_slack: FakeSlackAPI, db: Database, database_url: str) -> Iterator[Bot]:
    yield from make_bot(fake_slack, db, database_url, locale="ja")

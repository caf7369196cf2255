"""Scheduler fixtures: team settings pointed at a fake Slack API, deals at known moments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from bot.app import deal_service, web_client
from bot.scheduler.jobs import Jobs
from bot.services.deals import DealService
from bot.services.fields import Amount, DealFields
from bot.settings import Settings
from bot.slack.notifier import Notifier
from storage.db import Database
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM, make_settings
from tests.fakes.slack_api import FakeSlackAPI

SECOND_MANAGER = "U0BOSS2"
DIGEST_CHANNEL = "C0DIGEST"
CREATED = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
# Monday 2026-11-16 09:00 in Tokyo: a digest time, and a business day in Japan.
MONDAY_9AM = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


@pytest.fixture
def fake(fake_slack: FakeSlackAPI) -> FakeSlackAPI:
    """The tests' Slack stand-in, with a second manager to send the digest to."""
    fake_slack.add_user(SECOND_MANAGER, "boss2")
    return fake_slack


def team_settings(database_url: str, fake: FakeSlackAPI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_api_url": fake.url,
        "slack_bot_token": "xoxb-scheduler",
        "managers": (MANAGER, SECOND_MANAGER),
        "digest_channel": DIGEST_CHANNEL,
        **overrides,
    }
    return make_settings(database_url, **values)


@pytest.fixture
def settings(database_url: str, fake: FakeSlackAPI) -> Settings:
    return team_settings(database_url, fake)


@pytest.fixture
def jobs(settings: Settings, db: Database) -> Jobs:
    return Jobs(settings, db, Notifier(web_client(settings)))


@pytest.fixture
def pipeline(db: Database, settings: Settings) -> DealService:
    """Three stale deals (two owners) and a fresh one, created at known moments."""
    deals = deal_service(db, settings)
    with time_machine.travel(CREATED, tick=False):
        for name, owner, amount in (
            ("Acme", REP, 50_000),
            ("Globex", REP, 20_000),
            ("Initech", OTHER_REP, 9_000),
        ):
            fields = DealFields(name=name, stage="proposal", amount=Amount(Decimal(amount), "USD"))
            deals.create(TEAM, owner, fields, source="slash")
    with time_machine.travel(MONDAY_9AM, tick=False):
        deals.create(TEAM, REP, DealFields(name="Fresh", stage="lead"), source="slash")
    return deals

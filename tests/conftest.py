"""Shared fixtures: real databases (SQLite always, PostgreSQL when DEALBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import deal_service
from bot.services.deals import DealService
from bot.settings import Settings
from storage.db import Database
from tests.fakes.slack_api import FakeSlackAPI

POSTGRES_URL = os.environ.get("DEALBOT_TEST_POSTGRES_URL")
TEAM = "T0TEAM"
REP = "U0REP"
OTHER_REP = "U0OTHER"
MANAGER = "U0BOSS"


@pytest.fixture(scope="session", autouse=True)
def _trigram_extension_in_public() -> None:
    """pg_trgm lives in `public`, never in a test schema that a teardown drops (CASCADE would take
    the trigram index of every other schema with it, while other tests use them)."""
    if not POSTGRES_URL:
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        connection.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))
    admin.dispose()


def _postgres_schema_url(base: str) -> Iterator[str]:
    """A throwaway schema per test: isolation without needing CREATE DATABASE."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dealbot.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set DEALBOT_TEST_POSTGRES_URL to run against PostgreSQL")
    yield from _postgres_schema_url(POSTGRES_URL)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    database.upgrade()
    yield database
    database.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    """The tests' settings: one manager, a Tokyo team, tokens that look right, no `.env` read.
    Every test builds its settings here, with only what it needs to differ."""
    values: dict[str, object] = {
        "database_url": database_url,
        "managers": (MANAGER,),
        "timezone": "Asia/Tokyo",
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": "test-signing-secret",
        "_env_file": None,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackAPI]:
    """The Slack Web API stand-in on 127.0.0.1 (the sandbox's), with the tests' people in it."""
    with FakeSlackAPI() as fake:
        for user, name in ((REP, "rep"), (OTHER_REP, "other"), (MANAGER, "boss")):
            fake.add_user(user, name)
        yield fake
        assert fake.errors == []


@pytest.fixture
def deals(db: Database, settings: Settings) -> DealService:
    return deal_service(db, settings)

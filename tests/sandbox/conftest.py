"""A started sandbox (`dealbot sandbox` in-process): stand-in Slack, the real bot, the page server.

The `sandbox` fixture is what the API and browser tests drive: `sandbox.url` is the page
(`http://127.0.0.1:PORT/`); it runs on a SQLite file in the test's tmp dir, with the small
English Whisper model and no background scheduler (tests run the jobs through the clock
endpoint), and is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.runner import Locale, Sandbox

TEST_SETTINGS = {
    "_env_file": None,  # a developer's .env must not change what the tests see
    "whisper_model": "tiny.en",
    "timezone": "Asia/Tokyo",
}


def start_sandbox(
    directory: Path, *, database_url: str | None = None, locale: Locale = "en", demo: bool = False
) -> Iterator[Sandbox]:
    """A started sandbox on port 0 (any free one), stopped when the generator is closed."""
    box = Sandbox(
        port=0,
        directory=directory,
        database_url=database_url,
        locale=locale,
        demo=demo,
        run_scheduler=False,
        settings=TEST_SETTINGS,
    )
    with box:
        yield box
    assert box.slack.errors == [], box.slack.errors


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    yield from start_sandbox(tmp_path / "sandbox")

"""A started Slack stand-in with default (lenient) settings, for the stand-in's own tests."""

from __future__ import annotations

import pytest

from sandbox.slack import FakeSlackAPI


@pytest.fixture
def fake(fake_slack: FakeSlackAPI) -> FakeSlackAPI:
    return fake_slack

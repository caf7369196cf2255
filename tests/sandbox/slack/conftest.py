"""A started Slack stand-in with default (lenient) settings, for the stand-in's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.slack import FakeSlackAPI


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as api:
        yield api
    assert not api.errors, api.errors

"""The reminder settings: defaults, parsing, and one clear line for a bad value."""

from __future__ import annotations

from datetime import time

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DEALBOT_REMINDER_TIME",
        "DEALBOT_STALE_DAYS_BY_STAGE",
        "DEALBOT_HOLIDAYS_COUNTRY",
        "DEALBOT_TIMEZONE",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert (settings.reminder_at, settings.stale_overrides, settings.holiday_country) == (
        time(9, 0),
        {},
        None,
    )


def test_values_are_read_and_the_country_follows_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALBOT_REMINDER_TIME", "8:30")
    monkeypatch.setenv("DEALBOT_STALE_DAYS_BY_STAGE", "negotiation:3, lead:14")
    monkeypatch.setenv("DEALBOT_TIMEZONE", "Asia/Tokyo")
    settings = load_settings(_env_file=None)
    assert settings.reminder_at == time(8, 30)
    assert settings.stale_overrides == {"negotiation": 3, "lead": 14}
    assert settings.holiday_country == "JP"
    assert load_settings(_env_file=None, holidays_country="us").holiday_country == "US"
    assert load_settings(_env_file=None, holidays_country="none").holiday_country is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DEALBOT_REMINDER_TIME", "9am", "DEALBOT_REMINDER_TIME='9am': is not a time of day; write HH:MM"),
        ("DEALBOT_REMINDER_TIME", "24:00", "between 00:00 and 23:59"),
        ("DEALBOT_STALE_DAYS_BY_STAGE", "negotiation", "should be stage:days"),
        ("DEALBOT_STALE_DAYS_BY_STAGE", "demo:3", "demo is not an open stage"),
        ("DEALBOT_STALE_DAYS_BY_STAGE", "won:3", "won is not an open stage"),
        ("DEALBOT_STALE_DAYS_BY_STAGE", "lead:0", "between 1 and 365"),
        ("DEALBOT_HOLIDAYS_COUNTRY", "Narnia", "is not a country the holidays library knows"),
    ],
)
def test_a_bad_value_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_custom_stages_may_have_their_own_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALBOT_STAGES", "lead:10,demo:40,won:100,lost:0")
    monkeypatch.setenv("DEALBOT_STALE_DAYS_BY_STAGE", "demo:5")
    assert load_settings(_env_file=None).stale_overrides == {"demo": 5}

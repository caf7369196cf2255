"""Settings: every knob validated, one clear line when something is wrong."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError, load_settings


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(_env_file=None)


def test_defaults_match_the_documented_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SLACK_API_URL", "DEALBOT_TIMEZONE", "DEALBOT_LOCALE", "DEALBOT_STALE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    settings = load(monkeypatch)
    assert settings.database_url == "sqlite:///dealbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.timezone_name, settings.locale, settings.stale_days) == ("UTC", "en", 7)
    assert settings.digest_cron == "0 9 * * mon"
    assert settings.pipeline.keys == ("lead", "qualified", "proposal", "negotiation", "won", "lost")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        DEALBOT_TIMEZONE="Asia/Tokyo",
        DEALBOT_LOCALE="ja",
        DEALBOT_MANAGERS="U01AAA, U02BBB",
        SLACK_API_URL="http://127.0.0.1:9999/api",
        SLACK_BOT_TOKEN="xoxb-1",
    )
    assert settings.tz.key == "Asia/Tokyo"  # type: ignore[attr-defined]
    assert settings.managers == ("U01AAA", "U02BBB")
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.default_currency == "JPY"
    assert settings.secret("slack_bot_token") == "xoxb-1"
    assert "xoxb-1" not in repr(settings)


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("DEALBOT_STALE_DAYS=14\nDEALBOT_LOCALE=ja\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEALBOT_STALE_DAYS", raising=False)
    monkeypatch.delenv("DEALBOT_LOCALE", raising=False)
    settings = load_settings()
    assert (settings.stale_days, settings.locale) == (14, "ja")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DEALBOT_TIMEZONE", "Mars/Olympus", "DEALBOT_TIMEZONE='Mars/Olympus': is not an IANA time zone"),
        ("DEALBOT_LOCALE", "fr", "DEALBOT_LOCALE='fr'"),
        ("DEALBOT_STALE_DAYS", "soon", "DEALBOT_STALE_DAYS='soon'"),
        ("DEALBOT_MANAGERS", "alice", "is not a Slack user id"),
        ("DEALBOT_DIGEST_CRON", "every monday", "is not a crontab expression"),
        ("DEALBOT_CURRENCY", "DOGE", "is not an ISO 4217 currency code"),
        ("DEALBOT_STAGES", "lead:ten", "needs a whole-number probability"),
        ("SLACK_API_URL", "slack.com/api", "must be an http(s) URL"),
        (
            "SLACK_BOT_TOKEN",
            "xapp-wrong-kind",
            "SLACK_BOT_TOKEN: does not look right (it should start with xoxb-)",
        ),
    ],
)
def test_a_malformed_setting_names_the_variable_and_the_problem(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load(monkeypatch, **{variable: value})
    message = str(error.value)
    assert expected in message and "\n" not in message


def test_a_malformed_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as error:
        load(monkeypatch, SLACK_APP_TOKEN="xoxb-secret-value")
    assert "secret-value" not in str(error.value)
    assert "Basic Information" in str(error.value)


def test_a_missing_token_says_where_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    settings = load(monkeypatch)
    with pytest.raises(SettingsError) as error:
        settings.require("SLACK_APP_TOKEN", purpose="dealbot run (Socket Mode)")
    assert str(error.value).startswith("SLACK_APP_TOKEN is not set: dealbot run (Socket Mode) needs it")
    assert "App-Level Tokens" in str(error.value)


def test_custom_stages_keep_won_and_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch, DEALBOT_STAGES="lead:5,demo:40,proposal:60")
    assert settings.pipeline.keys == ("lead", "demo", "proposal", "won", "lost")
    assert settings.pipeline.get("demo").probability == 40  # type: ignore[union-attr]

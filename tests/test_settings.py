"""Settings: every knob validated, one clear line when something is wrong."""

from __future__ import annotations

from collections.abc import Callable

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


@pytest.mark.parametrize(
    ("variable", "value", "read"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-1", lambda s: s.secret("slack_bot_token") == "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "shh", lambda s: s.secret("slack_signing_secret") == "shh"),
        ("SLACK_APP_TOKEN", "xapp-1", lambda s: s.secret("slack_app_token") == "xapp-1"),
        ("SLACK_API_URL", "http://127.0.0.1:1/api/", lambda s: s.slack_api_url == "http://127.0.0.1:1/api/"),
        ("DATABASE_URL", "sqlite:///other.db", lambda s: s.database_url == "sqlite:///other.db"),
        ("DEALBOT_TIMEZONE", "Asia/Tokyo", lambda s: s.timezone_name == "Asia/Tokyo"),
        ("DEALBOT_LOCALE", "ja", lambda s: s.locale == "ja"),
        ("DEALBOT_CURRENCY", "eur", lambda s: s.default_currency == "EUR"),
        ("DEALBOT_STALE_DAYS", "14", lambda s: s.stale_days == 14),
        ("DEALBOT_STALE_DAYS_BY_STAGE", "lead:3", lambda s: s.stale_overrides == {"lead": 3}),
        ("DEALBOT_REMINDER_TIME", "08:15", lambda s: (s.reminder_at.hour, s.reminder_at.minute) == (8, 15)),
        ("DEALBOT_HOLIDAYS_COUNTRY", "jp", lambda s: s.holiday_country == "JP"),
        ("DEALBOT_DIGEST_CRON", "0 8 * * fri", lambda s: s.digest_cron == "0 8 * * fri"),
        ("DEALBOT_MANAGERS", "U0BOSS", lambda s: s.is_manager("U0BOSS")),
        ("DEALBOT_DIGEST_CHANNEL", "C0DIGEST", lambda s: s.digest_channel == "C0DIGEST"),
        ("DEALBOT_STAGES", "lead:10,demo:40", lambda s: s.pipeline.keys == ("lead", "demo", "won", "lost")),
        ("DEALBOT_HTTP_THREADS", "4", lambda s: s.http_threads == 4),
        ("DEALBOT_LOG_LEVEL", "DEBUG", lambda s: s.log_level == "DEBUG"),
        ("DEALBOT_LOG_FORMAT", "json", lambda s: s.log_format == "json"),
        ("DEALBOT_DB_POOL_SIZE", "7", lambda s: s.pool_size(serves_slack=True) == 7),
        ("DEALBOT_SHUTDOWN_GRACE_SECONDS", "3", lambda s: s.shutdown_grace_seconds == 3),
        ("WHISPER_ENGINE", "openai-whisper", lambda s: s.whisper_engine == "openai-whisper"),
        ("WHISPER_MODEL", "tiny.en", lambda s: s.whisper_model == "tiny.en"),
        ("WHISPER_THREADS", "3", lambda s: s.whisper_threads == 3),
        ("DEALBOT_MODEL_CACHE", "/tmp/models", lambda s: str(s.model_cache_dir) == "/tmp/models"),
        ("DEALBOT_MEMO_WORKERS", "2", lambda s: s.memo_workers == 2),
        ("DEALBOT_MEMO_LEASE_SECONDS", "60", lambda s: s.memo_lease_seconds == 60),
        ("DEALBOT_MAX_AUDIO_MB", "5", lambda s: s.max_audio_mb == 5),
        ("DEALBOT_MAX_AUDIO_MINUTES", "2", lambda s: s.max_audio_minutes == 2),
    ],
    ids=lambda item: item if isinstance(item, str) and item.isupper() else "",
)
def test_every_documented_variable_is_read(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, read: Callable[[Settings], bool]
) -> None:
    assert read(load(monkeypatch, **{variable: value}))


def test_a_dealbot_setting_is_read_only_under_its_prefixed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEALBOT_LOCALE", "DEALBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load(monkeypatch, LOCALE="ja", TIMEZONE="Asia/Tokyo")  # other programs' variables
    assert (settings.locale, settings.timezone_name) == ("en", "UTC")

"""Every knob dealbot has, read once from the environment (and `.env`), validated.

A bad or missing value stops start-up with one line naming the variable, what is wrong
with it and where to get a good one (`SettingsError`).
"""

from __future__ import annotations

import os
from datetime import time, tzinfo
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.pipeline import Pipeline, parse_stage_spec
from bot.services.business_days import NO_HOLIDAYS, country_of_zone

# Where a person finds each secret: shown when one is missing or malformed.
_WHERE = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-…) on your Slack app's OAuth & Permissions page, "
        "after installing the app to the workspace"
    ),
    "SLACK_SIGNING_SECRET": "the Signing Secret on your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": (
        "an app-level token (xapp-…) with the connections:write scope, made under "
        "App-Level Tokens on your Slack app's Basic Information page"
    ),
}


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message is one line for a person."""


def _env(name: str) -> AliasChoices:
    # Accept the documented variable name and the Python field name (for tests/kwargs).
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    database_url: str = Field("sqlite:///dealbot.db", validation_alias=_env("DATABASE_URL"))
    timezone_name: str = Field(
        "UTC", validation_alias=AliasChoices("DEALBOT_TIMEZONE", "timezone_name", "timezone")
    )
    locale: Literal["en", "ja"] = Field("en", validation_alias=AliasChoices("DEALBOT_LOCALE", "locale"))
    currency: str | None = Field(None, validation_alias=AliasChoices("DEALBOT_CURRENCY", "currency"))
    stale_days: int = Field(
        7, ge=1, le=365, validation_alias=AliasChoices("DEALBOT_STALE_DAYS", "stale_days")
    )
    digest_cron: str = Field(
        "0 9 * * mon", validation_alias=AliasChoices("DEALBOT_DIGEST_CRON", "digest_cron")
    )
    managers: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=AliasChoices("DEALBOT_MANAGERS", "managers")
    )
    digest_channel: str | None = Field(
        None, validation_alias=AliasChoices("DEALBOT_DIGEST_CHANNEL", "digest_channel")
    )
    stages: Annotated[str, NoDecode] = Field("", validation_alias=AliasChoices("DEALBOT_STAGES", "stages"))
    # --- reminders (bot/scheduler) ---
    reminder_time: str = Field(
        "09:00", validation_alias=AliasChoices("DEALBOT_REMINDER_TIME", "reminder_time")
    )
    stale_days_by_stage: Annotated[str, NoDecode] = Field(
        "", validation_alias=AliasChoices("DEALBOT_STALE_DAYS_BY_STAGE", "stale_days_by_stage")
    )
    holidays_country: str | None = Field(
        None, validation_alias=AliasChoices("DEALBOT_HOLIDAYS_COUNTRY", "holidays_country")
    )
    http_threads: int = Field(
        8, ge=1, le=64, validation_alias=AliasChoices("DEALBOT_HTTP_THREADS", "http_threads")
    )
    log_level: str = Field("INFO", validation_alias=AliasChoices("DEALBOT_LOG_LEVEL", "log_level"))
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=AliasChoices("DEALBOT_LOG_FORMAT", "log_format")
    )
    # --- running several processes (README "Scaling out") ---------------------------------
    db_pool_size: int | None = Field(
        None, ge=1, le=200, validation_alias=AliasChoices("DEALBOT_DB_POOL_SIZE", "db_pool_size")
    )
    shutdown_grace_seconds: float = Field(
        25.0,
        ge=0,
        le=3600,
        validation_alias=AliasChoices("DEALBOT_SHUTDOWN_GRACE_SECONDS", "shutdown_grace_seconds"),
    )
    # --- voice memos -------------------------------------------------------------------
    whisper_engine: Literal["faster-whisper", "openai-whisper"] = Field(
        "faster-whisper", validation_alias=AliasChoices("WHISPER_ENGINE", "whisper_engine")
    )
    whisper_model: str | None = Field(None, validation_alias=AliasChoices("WHISPER_MODEL", "whisper_model"))
    whisper_threads: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        le=64,
        validation_alias=AliasChoices("WHISPER_THREADS", "whisper_threads"),
    )
    model_cache: str | None = Field(None, validation_alias=AliasChoices("DEALBOT_MODEL_CACHE", "model_cache"))
    max_audio_mb: int = Field(
        100, ge=1, le=1000, validation_alias=AliasChoices("DEALBOT_MAX_AUDIO_MB", "max_audio_mb")
    )
    max_audio_minutes: int = Field(
        30, ge=1, le=240, validation_alias=AliasChoices("DEALBOT_MAX_AUDIO_MINUTES", "max_audio_minutes")
    )
    memo_workers: int = Field(
        1, ge=0, le=16, validation_alias=AliasChoices("DEALBOT_MEMO_WORKERS", "memo_workers")
    )
    memo_lease_seconds: int = Field(
        900, ge=2, le=86400, validation_alias=AliasChoices("DEALBOT_MEMO_LEASE_SECONDS", "memo_lease_seconds")
    )

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("timezone_name")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not an IANA time zone name; use e.g. Asia/Tokyo or UTC") from None
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        from bot.money import is_known_currency

        code = value.strip().upper()
        if not is_known_currency(code):
            raise ValueError("is not an ISO 4217 currency code; use e.g. USD, JPY or EUR")
        return code

    @field_validator("managers", mode="before")
    @classmethod
    def _managers(cls, value: object) -> tuple[str, ...]:
        if value in (None, ""):
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        ids = tuple(str(item).strip() for item in items if str(item).strip())
        for user_id in ids:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                raise ValueError(
                    f"{user_id!r} is not a Slack user id; use ids like U012ABCDEF, comma-separated"
                )
        return ids

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: str) -> str:
        if value.strip():
            parse_stage_spec(value)  # raises ValueError with a readable message
        return value

    @field_validator("reminder_time")
    @classmethod
    def _reminder_time(cls, value: str) -> str:
        parse_clock_time(value)  # raises ValueError with a readable message
        return value.strip()

    @field_validator("stale_days_by_stage")
    @classmethod
    def _stale_by_stage(cls, value: str, info: ValidationInfo) -> str:
        overrides = parse_stage_days(value)
        stages = info.data.get("stages")
        if overrides and isinstance(stages, str):
            known = parse_stage_spec(stages).open_keys if stages.strip() else Pipeline.default().open_keys
            unknown = sorted(set(overrides) - set(known))
            if unknown:
                raise ValueError(f"{', '.join(unknown)} is not an open stage; stages: {', '.join(known)}")
        return value

    @field_validator("holidays_country")
    @classmethod
    def _holidays_country(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        code = value.strip().upper()
        if code == NO_HOLIDAYS.upper():
            return NO_HOLIDAYS
        import holidays

        if code not in holidays.list_supported_countries():
            raise ValueError(
                "is not a country the holidays library knows; use an ISO 3166 code such as JP or US, "
                "or 'none' for weekends only"
            )
        return code

    @field_validator("digest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"is not a crontab expression such as '0 9 * * mon' ({exc})") from None
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _check_prefix(value, ("xoxb-",), "SLACK_BOT_TOKEN")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _check_prefix(value, ("xapp-",), "SLACK_APP_TOKEN")

    @cached_property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone_name)

    @cached_property
    def pipeline(self) -> Pipeline:
        return parse_stage_spec(self.stages) if self.stages.strip() else Pipeline.default()

    @cached_property
    def reminder_at(self) -> time:
        """The local time of day the stale-deal reminders go out (business days only)."""
        return parse_clock_time(self.reminder_time)

    @cached_property
    def stale_overrides(self) -> dict[str, int]:
        """Per-stage stale windows in days, e.g. {"negotiation": 3, "lead": 14}."""
        return parse_stage_days(self.stale_days_by_stage)

    @property
    def holiday_country(self) -> str | None:
        """Whose public holidays pause reminders: the setting, else derived from the time zone."""
        if self.holidays_country == NO_HOLIDAYS:
            return None
        return self.holidays_country or country_of_zone(self.timezone_name)

    @property
    def default_currency(self) -> str:
        return self.currency or ("JPY" if self.locale == "ja" else "USD")

    def pool_size(self, *, serves_slack: bool) -> int:
        """Database connections this process keeps: one per thread that can hold one at a time
        (HTTP threads, memo workers, the scheduler and its run), unless DEALBOT_DB_POOL_SIZE says."""
        if self.db_pool_size is not None:
            return self.db_pool_size
        return self.memo_workers + 1 + (self.http_threads + 2 if serves_slack else 0)

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.managers

    def require(self, *names: str, purpose: str) -> None:
        """Stop with a clear line when a secret that `purpose` needs is not set."""
        for name in names:
            if getattr(self, name.lower()) is None:
                raise SettingsError(
                    f"{name} is not set: {purpose} needs it. Get {_WHERE[name]}, "
                    f"then put {name}=… in .env or the environment."
                )

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else ""


def _check_prefix(value: SecretStr | None, prefixes: tuple[str, ...], name: str) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return None
    if not value.get_secret_value().startswith(prefixes):
        raise ValueError(f"does not look right (it should start with {prefixes[0]}); use {_WHERE[name]}")
    return value


def parse_clock_time(value: str) -> time:
    """`09:00` or `9:30` → a time of day; anything else raises ValueError with an example."""
    hours, sep, minutes = value.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError("is not a time of day; write HH:MM, e.g. 09:00")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise ValueError("is not a time of day between 00:00 and 23:59")
    return time(int(hours), int(minutes))


def parse_stage_days(spec: str) -> dict[str, int]:
    """`negotiation:3,lead:14` → {"negotiation": 3, "lead": 14}; ValueError says what is wrong."""
    days: dict[str, int] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        stage, sep, number = item.strip().partition(":")
        stage = stage.strip().lower()
        if not sep or not number.strip().isdigit():
            raise ValueError(f"{item.strip()!r} should be stage:days, e.g. 'negotiation:3,lead:14'")
        if not 1 <= int(number) <= 365:
            raise ValueError(f"{stage}: days must be between 1 and 365")
        if stage in days:
            raise ValueError(f"stage {stage!r} is listed twice")
        days[stage] = int(number)
    return days


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; turn pydantic's report into one line for a person."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        variable = _VARIABLE_OF.get(field, field.upper())
        message = str(error["msg"]).removeprefix("Value error, ")
        given = error.get("input")
        shown = "" if "TOKEN" in variable or "SECRET" in variable else f"={given!r}"
        lines.append(f"{variable}{shown}: {message}")
    return "Configuration error: " + "; ".join(lines)


_VARIABLE_OF: dict[str, str] = {}
for _name, _field in Settings.model_fields.items():
    _alias = _field.validation_alias
    _variable = str(_alias.choices[0]) if isinstance(_alias, AliasChoices) else _name.upper()
    _VARIABLE_OF[_name] = _VARIABLE_OF[_variable] = _variable

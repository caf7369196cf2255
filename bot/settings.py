"""Every knob dealbot has, read once from the environment (and `.env`), validated.

A bad or missing value stops start-up with one line naming the variable, what is wrong
with it and where to get a good one (`SettingsError`).
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.pipeline import Pipeline, parse_stage_spec
from bot.services.business_days import NO_HOLIDAYS, country_of_zone

ENV_PREFIX = "DEALBOT_"

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


class Settings(BaseSettings):
    """The settings: `DEALBOT_<FIELD>` from the environment or `.env`, and the few variables
    without the prefix (Slack's, the database's, Whisper's) under their own names.

    Fields hold parsed values (a `ZoneInfo`, a `Pipeline`, a `time`…), validated once; tests
    and the sandbox may pass them, or their text, as keyword arguments by field name.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    # --- Slack and the database: the variables keep their names, without the prefix ---------
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    database_url: str = Field("sqlite:///dealbot.db", validation_alias="DATABASE_URL")
    # --- the team ----------------------------------------------------------------------------
    timezone: ZoneInfo = ZoneInfo("UTC")
    locale: Literal["en", "ja"] = "en"
    currency: str | None = None
    stale_days: int = Field(7, ge=1, le=365)
    digest_cron: str = "0 9 * * mon"
    managers: Annotated[tuple[str, ...], NoDecode] = ()
    digest_channel: str | None = None
    stages: Annotated[Pipeline, NoDecode] = Pipeline.default()
    # --- reminders (bot/scheduler) -----------------------------------------------------------
    reminder_time: time = time(9, 0)
    stale_days_by_stage: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    holidays_country: str | None = None
    # --- the process -------------------------------------------------------------------------
    http_threads: int = Field(8, ge=1, le=64)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # --- running several processes (README "Scaling out") ------------------------------------
    db_pool_size: int | None = Field(None, ge=1, le=200)
    shutdown_grace_seconds: float = Field(25.0, ge=0, le=3600)
    # --- voice memos -------------------------------------------------------------------------
    whisper_engine: Literal["faster-whisper", "openai-whisper"] = Field(
        "faster-whisper", validation_alias="WHISPER_ENGINE"
    )
    whisper_model: str | None = Field(None, validation_alias="WHISPER_MODEL")
    whisper_threads: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64, validation_alias="WHISPER_THREADS"
    )
    model_cache: str | None = None
    max_audio_mb: int = Field(100, ge=1, le=1000)
    max_audio_minutes: int = Field(30, ge=1, le=240)
    memo_workers: int = Field(1, ge=0, le=16)
    memo_lease_seconds: int = Field(900, ge=2, le=86400)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("timezone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not an IANA time zone name; use e.g. Asia/Tokyo or UTC") from None

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

    @field_validator("stages", mode="before")
    @classmethod
    def _stages(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        # an empty value means the default pipeline; parse_stage_spec's ValueError reads well
        return parse_stage_spec(value) if value.strip() else Pipeline.default()

    @field_validator("reminder_time", mode="before")
    @classmethod
    def _reminder_time(cls, value: object) -> object:
        return parse_clock_time(value) if isinstance(value, str) else value

    @field_validator("stale_days_by_stage", mode="before")
    @classmethod
    def _stale_by_stage(cls, value: object, info: ValidationInfo) -> object:
        overrides = parse_stage_days(value) if isinstance(value, str) else value
        stages = info.data.get("stages")  # absent when the stages themselves were invalid
        if overrides and isinstance(overrides, dict) and isinstance(stages, Pipeline):
            unknown = sorted(set(overrides) - set(stages.open_keys))
            if unknown:
                raise ValueError(
                    f"{', '.join(unknown)} is not an open stage; stages: {', '.join(stages.open_keys)}"
                )
        return overrides

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
        # Kept as text: the scheduler builds the trigger in the team's time zone.
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

    # --- the names the rest of the code reads ---------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self.timezone

    @property
    def timezone_name(self) -> str:
        """The IANA name of the team's time zone, e.g. `Asia/Tokyo`."""
        return self.timezone.key

    @property
    def pipeline(self) -> Pipeline:
        return self.stages

    @property
    def reminder_at(self) -> time:
        """The local time of day the stale-deal reminders go out (business days only)."""
        return self.reminder_time

    @property
    def stale_overrides(self) -> dict[str, int]:
        """Per-stage stale windows in days, e.g. {"negotiation": 3, "lead": 14}."""
        return self.stale_days_by_stage

    @property
    def holiday_country(self) -> str | None:
        """Whose public holidays pause reminders: the setting, else derived from the time zone."""
        if self.holidays_country == NO_HOLIDAYS:
            return None
        return self.holidays_country or country_of_zone(self.timezone_name)

    @property
    def model_cache_dir(self) -> Path | None:
        """Where the bundled Whisper model is assembled (None: the models module's default)."""
        return Path(self.model_cache) if self.model_cache else None

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


def variable_of(field: str) -> str:
    """The environment variable that sets `field` (e.g. `timezone` → `DEALBOT_TIMEZONE`)."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


# pydantic reports an error at the field name, or at the alias the value came in under.
_VARIABLE_OF = {
    key: variable_of(field)
    for field in Settings.model_fields
    for key in (field, variable_of(field), variable_of(field).lower())
}

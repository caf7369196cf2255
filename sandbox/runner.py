"""One sandbox process: the Slack stand-in, the real bot served over HTTP, its memo workers and
scheduler, the page server, all on loopback, with settings made up for the session.

    with Sandbox(port=0, run_scheduler=False) as sandbox:
        print(sandbox.url)

The bot is the one `dealbot serve` runs: `create_app` behind `SlackWSGIApp` in `HTTPServer`,
memo workers from `bot.runtime.start_workers`, the elected scheduler, and reminders and the
digest from `Jobs` with the `Notifier` for the page's clock. Its token and signing secret are
generated per session; SLACK_API_URL points at the stand-in; the database is a SQLite file in the
sandbox directory unless another URL is given. Switching the language starts a bot with the new
DEALBOT_LOCALE, then stops the old one (its requests drained, its memo jobs finished or handed on).

The page server (`sandbox.server`) is handed the `Sandbox` as its `PageBackend`: each of the
page's routes is one method here, played to the bot through `sandbox.workspace`.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, cast

from bot.clock import today
from bot.runtime import BotProcess, open_database
from bot.scheduler.jobs import Jobs
from bot.server import HTTPServer, SlackWSGIApp
from bot.services.teams import known_teams
from bot.settings import Settings, load_settings
from bot.slack.notifier import Notifier
from sandbox import people
from sandbox.server import PageServer
from sandbox.slack.client import SlackClient
from sandbox.slack.http import Payload
from sandbox.slack.stand_in import SlackStandIn
from sandbox.snapshot import snapshot
from sandbox.workspace import SandboxError, Submission, Workspace
from storage.db import Database

log = logging.getLogger(__name__)

Locale = Literal["en", "ja"]
LOCALES: tuple[Locale, ...] = ("en", "ja")
JOBS = ("remind", "digest")


def default_directory() -> Path:
    """Where the sandbox keeps its database unless told otherwise (never the real dealbot.db)."""
    return Path(tempfile.gettempdir()) / "dealbot-sandbox"


class _Bot:
    """One running bot, as `dealbot serve` runs it, for one language: memo workers, the bolt App
    served over HTTP on a loopback port, the jobs, and (optionally) the elected scheduler."""

    def __init__(self, settings: Settings, db: Database, *, run_scheduler: bool) -> None:
        self.settings = settings
        self.process = BotProcess.start(settings, with_scheduler=run_scheduler, db=db)
        assert self.process.app is not None
        self.http = HTTPServer(SlackWSGIApp(self.process.app), "127.0.0.1", 0, threads=4)
        self.http.start()
        self.jobs = Jobs(settings, db, Notifier(self.process.app.client))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"

    def stop(self) -> None:
        """Drain requests, let memo jobs finish or give them back, stop the scheduler."""
        grace = self.settings.shutdown_grace_seconds
        self.http.shutdown(grace)
        self.process.stop(grace)


class Sandbox:
    """Starts and stops everything `dealbot sandbox` runs; the page server calls its methods
    (it is the server's `PageBackend`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8800,
        locale: Locale = "en",
        database_url: str | None = None,
        directory: Path | None = None,
        run_scheduler: bool = True,
        demo: bool = False,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """`demo` seeds the demo pipeline on start when the database has no deals yet. `settings`
        are extra Settings fields (e.g. `{"whisper_model": "tiny.en"}`); the rest come from the
        environment and `.env`, except what the sandbox must own (Slack, database, managers)."""
        if locale not in LOCALES:
            raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
        self.host, self.port = host, port
        self.locale: Locale = locale
        self.directory = directory or default_directory()
        self.database_url = database_url or f"sqlite:///{self.directory / 'sandbox.db'}"
        self.run_scheduler = run_scheduler
        self.demo = demo
        self.seeded: int | None = None  # demo deals seeded on start (None: not asked, or not empty)
        self.extra_settings = dict(settings or {})
        self.signing_secret = secrets.token_hex(16)
        self.token = f"xoxb-sandbox-{secrets.token_hex(12)}"
        self.slack = SlackStandIn(
            valid_tokens={self.token},
            strict=True,
            dm_channels=people.dm_channels(),
            real_time=True,
        )
        self.settings: Settings  # made on start, once the stand-in has its URL
        self._db: Database | None = None  # opened on start
        self._bot: _Bot | None = None
        self._page: PageServer | None = None
        self._boot_lock = threading.Lock()
        self.workspace: Workspace | None = None

    # -- lifecycle

    def start(self) -> Self:
        if self.database_url.startswith("sqlite:///"):
            Path(self.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.slack.start()
        for person in people.PEOPLE:
            self.slack.add_user(person.id, person.name, person.locale, person.tz, real_name=person.real_name)
        self.settings = self._settings(self.locale)
        self._db = open_database(self.settings, serves_slack=True)
        if self.demo:  # before the bot and its scheduler start, so no job sees half a pipeline
            self.seeded = self.seed_demo()
        self._boot(self.settings)
        self._page = PageServer(self, self.host, self.port).start()
        return self

    def stop(self) -> None:
        """Stop the page, then the bot (draining it), then the stand-in; idempotent."""
        if self._page is not None:
            self._page.stop()
            self._page = None
        if self._bot is not None:
            self._bot.stop()
            self._bot = None
        self.slack.stop()
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the sandbox is not started")
        return self._db

    @property
    def url(self) -> str:
        """The page: `http://HOST:PORT/`."""
        if self._page is None:
            raise RuntimeError("the sandbox is not started")
        return self._page.url

    # -- the bot

    def _settings(self, locale: Locale) -> Settings:
        return load_settings(
            **{
                **self.extra_settings,
                "slack_bot_token": self.token,
                "slack_signing_secret": self.signing_secret,
                "slack_app_token": None,
                "slack_api_url": self.slack.url,
                "database_url": self.database_url,
                "managers": tuple(p.id for p in people.MANAGERS),
                "digest_channel": None,
                "locale": locale,
            }
        )

    def _boot(self, settings: Settings) -> None:
        """Start a bot for these settings and aim the workspace's signed requests at it."""
        bot = _Bot(settings, self.db, run_scheduler=self.run_scheduler)
        signed = SlackClient(
            bot.url,
            self.signing_secret,
            people.TEAM_ID,
            api_url=self.slack.url,
            team_domain=people.TEAM_DOMAIN,
        )
        self._bot, self.settings = bot, settings
        self.workspace = Workspace(self.slack, signed)

    def set_locale(self, locale: str) -> None:
        """Rebuild the bot speaking `locale` (its messages, modals, digest and default currency)."""
        if locale not in LOCALES:
            raise SandboxError(f"Unknown language {locale!r}; choose one of {', '.join(LOCALES)}.")
        with self._boot_lock:
            if locale == self.locale:
                return
            settings = self._settings(cast(Locale, locale))
            previous = self._bot
            self._boot(settings)
            self.locale = cast(Locale, locale)
            if previous is not None:
                previous.stop()

    # -- demo data and the clock

    def seed_demo(self, day: date | None = None) -> int | None:
        """Seed the demo pipeline into an empty database; None when it already holds deals."""
        from sandbox.demo import seed_demo

        if known_teams(self.db):
            return None
        return seed_demo(self.db, self.settings, locale=self.locale, today=day or today(self.settings.tz))

    def run_job(self, job: str, as_of: str | None) -> str:
        """Run the reminders or the digest now, or as of a moment (ISO; team time zone if naive)."""
        if job not in JOBS:
            raise SandboxError(f"Unknown job {job!r}; choose one of {', '.join(JOBS)}.")
        moment: datetime | None = None
        if as_of:
            try:
                moment = datetime.fromisoformat(as_of)
            except ValueError:
                raise SandboxError(f"{as_of!r} is not a date and time such as 2026-12-01T09:00.") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.settings.tz)
        if self._bot is None:
            raise SandboxError("The sandbox is not running.", 503)
        jobs = self._bot.jobs
        report = jobs.remind(moment) if job == "remind" else jobs.digest(moment)
        if report.count("skipped") and not report.count("sent"):
            # Each message goes out once per period (`deliveries`), the scheduler's runs included.
            return f"{report.summary()}: already sent for this period; pick another date to see it again"
        return report.summary()

    def state(self) -> Payload:
        """Who and what is in the workspace, for the page (GET /sandbox/api/state)."""
        return {
            "ok": True,
            "team": {"id": people.TEAM_ID, "name": people.TEAM_NAME},
            "bot": {"user_id": people.BOT_USER_ID, "name": people.BOT_NAME},
            "users": [
                {"id": p.id, "name": p.name, "real_name": p.real_name, "role": p.role, "locale": p.locale}
                for p in people.PEOPLE
            ],
            "channels": [
                {"id": c.id, "name": c.name, "kind": c.kind, **({"user": c.user} if c.user else {})}
                for c in people.CHANNELS
            ],
            "locale": self.locale,
            "timezone": self.settings.timezone_name,
        }

    # -- what people do on the page (the page server's routes)

    def snapshot(self, user_id: str, since: int, wait: float) -> Payload:
        """What `user_id` sees, once the workspace has changed past version `since` (or `wait` s)."""
        if people.person(user_id) is None:
            raise SandboxError(f"Unknown user {user_id!r}.", 404)
        version = self.slack.wait_for_change(since, wait)
        return snapshot(self.slack, user_id, version)

    def command(self, user_id: str, channel: str, text: str) -> None:
        self._workspace().send(user_id, channel, text)

    def action(
        self,
        user_id: str,
        action: Mapping[str, Any],
        *,
        channel: str | None,
        message_ts: str | None,
        view_id: str | None,
        values: Mapping[str, Any] | None,
    ) -> None:
        self._workspace().click(
            user_id, action, channel=channel, message_ts=message_ts, view_id=view_id, values=values
        )

    def submit(self, user_id: str, view_id: str, values: Mapping[str, Any]) -> Submission:
        return self._workspace().submit(user_id, view_id, values)

    def close(self, user_id: str, view_id: str) -> None:
        self._workspace().close(user_id, view_id)

    def home(self, user_id: str) -> None:
        self._workspace().open_home(user_id)

    def upload(
        self, user_id: str, channel: str, filename: str, content: bytes, mimetype: str | None, text: str
    ) -> str:
        return self._workspace().upload(user_id, channel, filename, content, mimetype, text)

    def shared_file(self, file_id: str) -> tuple[str, bytes] | None:
        meta = self.slack.file(file_id)
        if meta is None:
            return None
        return str(meta.get("mimetype") or "application/octet-stream"), self.slack.file_content(file_id)

    def _workspace(self) -> Workspace:
        if self.workspace is None:
            raise SandboxError("The sandbox is not running.", 503)
        return self.workspace

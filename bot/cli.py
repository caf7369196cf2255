"""`dealbot …`: a thin layer that reads settings, opens the database and calls the services.

Each command imports what it uses when it runs, so `dealbot --help` loads typer alone and
`dealbot transcribe` loads the settings and the engine, not the database, Slack or the charts.
Help renders with typer 0.26 (pinned in pyproject.toml): from 0.27 on, typer prints every flag
as `--dry-run <bool>` and a required argument as `{file}`.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from bot.scheduler.jobs import Jobs, RunReport
    from bot.settings import Settings
    from storage.db import Database

log = logging.getLogger("bot.cli")
cli = typer.Typer(
    name="dealbot",
    help="Slack-native deal management: /deal, reminders, weekly pipeline digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
models_cli = typer.Typer(help="Offline Whisper models.", no_args_is_help=True)
cli.add_typer(models_cli, name="models")


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


class SandboxLocale(StrEnum):
    en = "en"
    ja = "ja"


def _settings() -> Settings:
    from bot.logs import configure_logging
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
    names = ("slack_bot_token", "slack_app_token", "slack_signing_secret")
    secrets = tuple(settings.secret(name) for name in names)
    configure_logging(settings.log_level, settings.log_format, secrets)
    return settings


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=2)


def _require(settings: Settings, *names: str, purpose: str) -> None:
    from bot.settings import SettingsError

    try:
        settings.require(*names, purpose=purpose)
    except SettingsError as exc:
        _fail(str(exc))


def _cannot_listen(host: str, port: int, exc: OSError) -> NoReturn:
    _fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port")


def _database(settings: Settings) -> Database:
    from bot.runtime import open_database

    return open_database(settings, serves_slack=False)


HostOption = Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")]


@cli.command()
def run() -> None:
    """Socket Mode: the bot in one process (no public URL needed)."""
    from bot.runtime import SocketModeDoor, run_until_stopped

    settings = _settings()
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", purpose="dealbot run (Socket Mode)")
    run_until_stopped(settings, SocketModeDoor(settings.secret("slack_app_token")))


@cli.command()
def serve(host: HostOption = "0.0.0.0", port: PortOption = 3000) -> None:
    """HTTP mode: Slack requests at POST /slack/events; GET /healthz and /readyz for probes."""
    from bot.runtime import run_until_stopped
    from bot.server import HTTPDoor, listen

    settings = _settings()
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", purpose="dealbot serve (HTTP mode)")
    try:
        listener = listen(host, port)  # first: a busy port stops here, before anything has run
    except OSError as exc:
        _cannot_listen(host, port, exc)
    door = HTTPDoor(listener, settings.http_threads)
    run_until_stopped(settings, door, banner=f"dealbot listening on http://{host}:{door.port}/slack/events")


@cli.command()
def worker() -> None:
    """Transcription workers only: scale out beside `dealbot serve` on a shared PostgreSQL."""
    from bot.runtime import run_until_stopped

    settings = _settings()
    _require(settings, "SLACK_BOT_TOKEN", purpose="dealbot worker")
    if settings.memo_workers < 1:
        _fail("DEALBOT_MEMO_WORKERS is 0: a worker process needs at least one worker thread.")
    banner = f"dealbot worker: {settings.memo_workers} thread(s), engine {settings.whisper_engine}"
    run_until_stopped(settings, banner=banner)


@cli.command()
def sandbox(
    demo: Annotated[bool, typer.Option("--demo", help="Seed demo deals into an empty database.")] = False,
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface for the page.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port for the page.")] = 8800,
    locale: Annotated[SandboxLocale, typer.Option(help="The bot's language.")] = SandboxLocale.en,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", metavar="URL", help="Default: sandbox.db in a temporary directory."),
    ] = None,
) -> None:
    """Try dealbot without Slack: the real bot, a local Slack stand-in and a page that looks like Slack."""
    from bot.runtime import StopSignal
    from bot.settings import SettingsError
    from sandbox.runner import Sandbox

    _settings()  # the environment is valid, and logging is set up as for the bot
    stop = StopSignal()  # Ctrl-C while it is still starting stops it once it has started
    box = Sandbox(host=host, port=port, locale=locale.value, database_url=database_url, demo=demo)
    try:
        box.start()
    except SettingsError as exc:
        box.stop()
        _fail(str(exc))
    except OSError as exc:
        box.stop()
        _cannot_listen(host, port, exc)
    if demo:
        seeded = f"seeded {box.seeded} demo deals" if box.seeded else "the database already has deals"
        typer.echo(f"dealbot sandbox: {seeded} ({box.database_url})", err=True)
    typer.echo(f"Open {box.url}")
    typer.echo("Ctrl-C stops the sandbox.", err=True)
    log.info("%s: stopping the sandbox", stop.wait())
    box.stop()


@cli.command()
def transcribe(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", exists=True, help="An audio file (m4a, mp3, wav, ogg, webm, …)."),
    ],
    language: Annotated[
        str | None, typer.Option(metavar="LANG", help="Force a language (en, ja); default: detect.")
    ] = None,
) -> None:
    """Transcribe an audio file with the configured engine and print the text."""
    from bot.transcription import AudioError, configured_engine, decode_audio

    settings = _settings()
    try:
        audio = decode_audio(file, max_seconds=settings.max_audio_minutes * 60)
    except AudioError as exc:
        _fail(f"{file}: {exc}")
    engine = configured_engine(settings)
    result = engine.transcribe(audio.samples, language=language, hint_language=settings.locale, vocabulary=[])
    typer.echo(result.text)
    typer.echo(f"({result.language}, {audio.duration_seconds:.1f} s, {engine.name} {engine.model})", err=True)


def _as_of(value: str | None, settings: Settings) -> datetime | None:
    """`--as-of`: an ISO date-time; without an offset it is read in the team's time zone."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--as-of={value!r} is not an ISO date-time such as 2026-11-23T09:00 or 2026-11-23T09:00+09:00")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=settings.tz)


def _jobs(settings: Settings, *, dry_run: bool) -> Jobs:
    from bot.scheduler.jobs import Jobs

    db = _database(settings)
    if dry_run:
        return Jobs(settings, db, None)
    from bot.slack.client import web_client
    from bot.slack.notifier import Notifier

    _require(settings, "SLACK_BOT_TOKEN", purpose="sending reminders and digests")
    return Jobs(settings, db, Notifier(web_client(settings)))


def _finish_run(report: RunReport) -> None:
    for preview in report.previews:
        typer.echo(preview.rstrip("\n") + "\n")
    for outcome in report.outcomes:
        if outcome.status == "failed":
            typer.echo(f"could not send to {outcome.recipient}: {outcome.error}", err=True)
    typer.echo(report.summary(), err=True)
    if report.count("failed"):
        raise typer.Exit(code=1)


AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATETIME",
        help="Evaluate as if it were this moment (ISO date-time; team time zone if no offset).",
    ),
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the messages; send and record nothing.")]


@cli.command()
def remind(dry_run: DryRunOption = False, as_of: AsOfOption = None) -> None:
    """Send today's stale-deal reminders now (business days only; each owner once a day)."""
    settings = _settings()
    jobs = _jobs(settings, dry_run=dry_run)
    _finish_run(jobs.remind(_as_of(as_of, settings), dry_run=dry_run))


@cli.command()
def digest(
    dry_run: DryRunOption = False,
    as_of: AsOfOption = None,
    chart_out: Annotated[
        Path | None,
        typer.Option("--chart-out", metavar="PNG", help="Also write the digest's chart to this PNG file."),
    ] = None,
) -> None:
    """Send this week's pipeline digest now (each manager and the channel once a week)."""
    settings = _settings()
    jobs = _jobs(settings, dry_run=dry_run)
    _finish_run(jobs.digest(_as_of(as_of, settings), dry_run=dry_run, chart_out=chart_out))


@models_cli.command("convert")
def models_convert(
    model: Annotated[
        str | None, typer.Option(metavar="MODEL", help="Model name or CTranslate2 directory (default: base).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Checkpoint to write (default: in the model cache).")
    ] = None,
) -> None:
    """Turn the bundled CTranslate2 weights into an openai-whisper checkpoint (offline)."""
    from bot.errors import ModelError
    from bot.transcription.convert import convert_ct2_to_openai
    from bot.transcription.models import resolve_model

    settings = _settings()
    try:
        source = resolve_model(model or settings.whisper_model, settings.model_cache_dir)
    except ModelError as exc:
        _fail(str(exc))
    target = out or source.parent / "openai" / f"{source.name}.pt"
    convert_ct2_to_openai(source, target)
    typer.echo(str(target))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (dealbot also does this on start)."""
    settings = _settings()
    _database(settings)
    typer.echo("database is up to date", err=True)


@cli.command("export")
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv or json.")] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout).")
    ] = None,
    team: Annotated[str | None, typer.Option(metavar="TEAM_ID", help="Only this Slack team id.")] = None,
) -> None:
    """Write every deal (JSON includes notes) to stdout or a file."""
    from bot.services.exports import export_deals

    settings = _settings()
    db = _database(settings)
    if output is None:
        count = export_deals(db, sys.stdout, format.value, team_id=team)
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = export_deals(db, handle, format.value, team_id=team)
    typer.echo(f"exported {count} deals", err=True)


@cli.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, help="CSV with a header row.")
    ],
    team: Annotated[
        str | None, typer.Option(metavar="TEAM_ID", help="Slack team id the deals belong to.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(metavar="USER_ID", help="Owner for rows without one (Slack user id).")
    ] = None,
) -> None:
    """Import deals from CSV, all or nothing: a bad row aborts with its row number."""
    from bot.errors import AmbiguousTeam, ImportRejected
    from bot.services.imports import import_deals
    from bot.services.teams import UNASSIGNED, resolve_team

    settings = _settings()
    db = _database(settings)
    try:
        team_id = resolve_team(db, team) or _workspace_of_token(settings)
    except AmbiguousTeam as exc:
        _fail(str(exc))
    with _progress() as progress, file.open(encoding="utf-8-sig", newline="") as handle:
        try:
            result = import_deals(
                db,
                handle,
                team_id=team_id,
                actor=owner or "cli",
                pipeline=settings.pipeline,
                default_currency=settings.default_currency,
                progress=progress,
            )
        except ImportRejected as exc:
            _fail(f"Nothing imported: {exc}")
    where = team_id if team_id != UNASSIGNED else "the first Slack workspace that uses the bot"
    typer.echo(f"imported {result.created} deals for {where}", err=True)


def _workspace_of_token(settings: Settings) -> str:
    """The bot token's workspace (auth.test), or UNASSIGNED when there is no token or no Slack."""
    from bot.services.teams import UNASSIGNED

    if settings.slack_bot_token is None:
        return UNASSIGNED
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import web_client

    try:
        return str(web_client(settings).auth_test().get("team_id") or UNASSIGNED)
    except (SlackApiError, OSError):
        return UNASSIGNED


class _progress:
    """A progress bar on a terminal; silent when output is piped (CI, scripts)."""

    def __enter__(self) -> _progress:
        from rich.progress import Progress

        self._bar = Progress(transient=True, disable=not sys.stderr.isatty())
        self._bar.start()
        self._task = self._bar.add_task("importing", total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

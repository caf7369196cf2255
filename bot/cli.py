"""`dealbot …`: a thin layer that reads settings, opens the database and calls the services."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.settings import Settings, SettingsError, load_settings
from storage.db import Database

cli = typer.Typer(
    name="dealbot",
    help="Slack-native deal management: /deal, reminders, weekly pipeline digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return settings


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    raise typer.Exit(code=2)


def _require(settings: Settings, *names: str, purpose: str) -> None:
    try:
        settings.require(*names, purpose=purpose)
    except SettingsError as exc:
        _fail(str(exc))


def _database(settings: Settings) -> Database:
    db = Database.from_url(settings.database_url)
    db.upgrade()
    return db


@cli.command()
def run() -> None:
    """Socket Mode: the bot in one process (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app

    settings = _settings()
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", purpose="dealbot run (Socket Mode)")
    app = create_app(settings, _database(settings))
    SocketModeHandler(app, settings.secret("slack_app_token")).start()


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
) -> None:
    """HTTP mode: Slack requests at POST /slack/events, GET /healthz for probes."""
    from bot.app import create_app
    from bot.server import serve as serve_http

    settings = _settings()
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", purpose="dealbot serve (HTTP mode)")
    app = create_app(settings, _database(settings))
    typer.echo(f"dealbot listening on http://{host}:{port}/slack/events", err=True)
    serve_http(app, host, port, settings.http_threads)


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
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only this Slack team id.")] = None,
) -> None:
    """Write every deal (JSON includes notes) to stdout or a file."""
    from bot.services.csvio import export_deals

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
    file: Annotated[Path, typer.Argument(help="CSV with a header row.", exists=True, dir_okay=False)],
    team: Annotated[str | None, typer.Option(help="Slack team id the deals belong to.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner for rows without one (Slack user id).")] = None,
) -> None:
    """Import deals from CSV, all or nothing: a bad row aborts with its row number."""
    from bot.services.csvio import ImportRejected, import_deals
    from bot.services.teams import UNASSIGNED, AmbiguousTeam, resolve_team

    settings = _settings()
    db = _database(settings)
    try:
        team_id = resolve_team(db, team)
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

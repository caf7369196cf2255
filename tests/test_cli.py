"""The `dealbot` command as a person (or a deployment) runs it: real processes, real ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SlackClient
from tests.transcription.audiogen import EN_MEMO, espeak_available, espeak_wav

DEALBOT = str(Path(sys.executable).parent / "dealbot")
SECRET = "cli-signing-secret"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DEALBOT_", "DATABASE_URL"))
    }
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", **extra})
    return env


def dealbot(
    tmp_path: Path, *args: str, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DEALBOT, *args],
        cwd=tmp_path,
        env=env_for(tmp_path, **env),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("dealbot serve did not become healthy")


@pytest.fixture
def fake(fake_slack: FakeSlackAPI) -> FakeSlackAPI:
    return fake_slack


@pytest.fixture
def served(tmp_path: Path, fake: FakeSlackAPI) -> Iterator[str]:
    port = free_port()
    env = env_for(tmp_path, SLACK_BOT_TOKEN="xoxb-cli", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url)
    process = subprocess.Popen(
        [DEALBOT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_healthz_and_signed_slash_commands(
    served: str, tmp_path: Path, fake: FakeSlackAPI
) -> None:
    slack = SlackClient(served, SECRET, api_url=fake.url)
    reply = slack.command("new Acme renewal amount:50k")
    assert reply.status == 200 and "Acme renewal" in reply.body
    assert SlackClient(served, "forged", api_url=fake.url).command("new Forged").status == 401
    exported = json.loads(dealbot(tmp_path, "export", "--format", "json").stdout)
    assert [(deal["name"], deal["amount"]) for deal in exported] == [("Acme renewal", 50000)]


def test_serve_without_signing_secret_says_which_variable_and_where_to_get_it(tmp_path: Path) -> None:
    result = dealbot(tmp_path, "serve", SLACK_BOT_TOKEN="xoxb-1")
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr and "Basic Information" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_without_app_token_says_where_to_get_it(tmp_path: Path) -> None:
    result = dealbot(tmp_path, "run", SLACK_BOT_TOKEN="xoxb-1")
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr and "App-Level Tokens" in result.stderr


def test_a_malformed_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = dealbot(tmp_path, "db", "upgrade", DEALBOT_STALE_DAYS="often")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: DEALBOT_STALE_DAYS='often'")


def test_run_opens_a_socket_mode_connection_through_slack_api_url(tmp_path: Path, fake: FakeSlackAPI) -> None:
    env = env_for(tmp_path, SLACK_BOT_TOKEN="xoxb-cli", SLACK_APP_TOKEN="xapp-cli", SLACK_API_URL=fake.url)
    process = subprocess.Popen(
        [DEALBOT, "run"], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        [call] = fake.wait_for("apps.connections.open", timeout=30)[:1]
        assert call.headers["Authorization"] == "Bearer xapp-cli"
    finally:
        process.terminate()
    assert process.wait(timeout=30) == 0  # SIGTERM: the socket closes and the bot stops cleanly


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = dealbot(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    import sqlite3

    tables = {
        row[0] for row in sqlite3.connect(tmp_path / "cli.db").execute("select name from sqlite_master")
    }
    assert {"deals", "deal_events", "notes", "alembic_version"} <= tables


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_text(
        "name,company,owner,stage,amount,currency,probability,close_date,next_step,status\n"
        "Acme renewal,Acme,U0REP,proposal,60000,USD,,2026-12-15,send quote,\n"
        "山田商事 更新,山田商事,U0REP,negotiation,5000000,JPY,80,,,\n",
        encoding="utf-8",
    )
    imported = dealbot(tmp_path, "import", "deals.csv")
    assert imported.returncode == 0, imported.stderr
    deals = json.loads(dealbot(tmp_path, "export", "--format", "json").stdout)
    assert [(d["name"], d["amount"], d["currency"], d["probability"], d["status"]) for d in deals] == [
        ("Acme renewal", 60000, "USD", 50, "open"),
        ("山田商事 更新", 5000000, "JPY", 80, "open"),
    ]
    assert deals[0]["close_date"] == "2026-12-15" and deals[0]["notes"] == []


def test_import_of_a_bad_row_names_it_and_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("name,amount\nGood,100\nBad,lots\n", encoding="utf-8")
    result = dealbot(tmp_path, "import", "bad.csv")
    assert result.returncode == 2 and "row 3" in result.stderr
    assert json.loads(dealbot(tmp_path, "export", "--format", "json").stdout) == []


def test_import_files_deals_under_the_bot_tokens_workspace(tmp_path: Path, fake: FakeSlackAPI) -> None:
    (tmp_path / "deals.csv").write_text("name,owner\nAcme,U0REP\n", encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_API_URL": fake.url}
    imported = dealbot(tmp_path, "import", "deals.csv", **env)
    assert imported.returncode == 0, imported.stderr
    assert "for T0TEAM" in imported.stderr  # auth.test told us which workspace the bot is in
    digest = dealbot(tmp_path, "digest", "--dry-run", DEALBOT_MANAGERS="U0BOSS", **env)
    assert "Acme" in digest.stdout


def every_command() -> list[list[str]]:
    """`["serve"]`, `["db", "upgrade"]`, …: each command of the CLI, as its words."""
    import typer

    from bot.cli import cli

    def walk(group: Any, words: list[str]) -> list[list[str]]:
        found = []
        for name, command in group.commands.items():
            if hasattr(command, "commands"):  # a group such as `db`
                found += walk(command, [*words, name])
            else:
                found.append([*words, name])
        return found

    return walk(typer.main.get_command(cli), [])


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_help_shows_flags_as_flags_and_arguments_by_name(tmp_path: Path, command: list[str]) -> None:
    result = dealbot(tmp_path, *command, "--help", COLUMNS="100")
    assert result.returncode == 0, result.stderr
    assert f"Usage: dealbot {' '.join(command)} [OPTIONS]" in result.stdout
    assert "<" not in result.stdout and "{" not in result.stdout, result.stdout
    if command in (["import"], ["transcribe"]):
        assert "[OPTIONS] FILE" in result.stdout
    if command in (["remind"], ["digest"]):
        [dry_run] = [line for line in result.stdout.splitlines() if "--dry-run" in line]
        assert dry_run.split("--dry-run")[1].split()[0] == "Print"  # no type between flag and help
        assert "--as-of" in result.stdout and "DATETIME" in result.stdout


def test_serve_on_a_busy_port_says_so_in_one_line_before_starting_anything(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = dealbot(
            tmp_path,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            SLACK_BOT_TOKEN="xoxb-cli",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.url,
            DEALBOT_MANAGERS="U0BOSS",
        )
    assert result.returncode == 2
    expected = f"cannot listen on 127.0.0.1:{port} (Address already in use); try another --port"
    assert result.stderr.strip() == expected
    assert not (tmp_path / "cli.db").exists()  # no migration, so no scheduler, catch-up or worker either
    assert fake.calls() == []


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the test audio")
def test_transcribe_prints_the_text_without_loading_the_database_slack_or_charts(tmp_path: Path) -> None:
    audio = espeak_wav(EN_MEMO, tmp_path / "memo.wav")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", DEALBOT, "transcribe", str(audio)],
        cwd=tmp_path,
        env=env_for(tmp_path, WHISPER_MODEL="tiny.en", WHISPER_THREADS="2"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Maria" in done.stdout and "Thursday" in done.stdout
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "faster_whisper" in imported
    assert imported.isdisjoint({"sqlalchemy", "alembic", "slack_bolt", "slack_sdk", "matplotlib", "storage"})

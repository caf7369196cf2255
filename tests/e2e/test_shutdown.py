"""Probes and graceful shutdown of real `dealbot serve` / `dealbot worker` processes.

Readiness answers for the database; SIGTERM drains HTTP requests in flight, gives unfinished
memo jobs back to the queue for the next worker, and the process exits 0. Logs carry a request
or job id.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.runtime import database_problem
from bot.server import HTTPServer, SlackWSGIApp
from storage.db import Database
from storage.memos import MemoJob
from storage.models import Note
from tests.e2e.conftest import SIGNING_SECRET, Bot
from tests.e2e.test_slash_and_modals import command
from tests.e2e.test_voice_memos import memo_m4a, share, thread_replies
from tests.fakes.slack_client import Response, SlackClient
from tests.test_cli import env_for, free_port, wait_until_healthy
from tests.transcription.audiogen import espeak_available

__all__ = ["memo_m4a"]  # a fixture, shared with the voice-memo tests

DEALBOT = str(Path(sys.executable).parent / "dealbot")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def process_env(bot: Bot, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A real process's environment, on the test's database and fake Slack."""
    return env_for(
        tmp_path,
        DATABASE_URL=bot.settings.database_url,
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=bot.api.url,
        DEALBOT_TIMEZONE="Asia/Tokyo",
        **extra,
    )


def memo_jobs(db: Database) -> list[MemoJob]:
    with db.read() as session:
        return list(session.scalars(select(MemoJob)))


def json_lines(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """The process's JSON log lines (DEALBOT_LOG_FORMAT=json); other stderr lines are skipped."""
    text = process.stderr.read() if process.stderr else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def wait_for(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_readyz_is_200_while_the_database_answers_and_503_when_it_does_not(bot: Bot) -> None:
    unreachable = Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    for db, expected in ((bot.db, 200), (unreachable, 503)):
        app = SlackWSGIApp(create_app(bot.settings, bot.db), lambda db=db: database_problem(db))
        server = HTTPServer(app, "127.0.0.1", 0, threads=2)
        server.start()
        try:
            status, body = get(f"http://127.0.0.1:{server.port}/readyz")
            assert status == expected
            assert body == ("ready\n" if expected == 200 else "not ready: database: OperationalError\n")
            assert get(f"http://127.0.0.1:{server.port}/healthz") == (200, "ok\n")  # alive either way
        finally:
            server.shutdown(grace=1)


@pytest.fixture
def serve_process(bot: Bot, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = subprocess.Popen(
        [DEALBOT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=process_env(bot, tmp_path, DEALBOT_MEMO_WORKERS="0", DEALBOT_LOG_FORMAT="json"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_0(
    bot: Bot, serve_process: tuple[subprocess.Popen[str], str]
) -> None:
    process, url = serve_process
    assert get(f"{url}/readyz") == (200, "ready\n")

    def slow_views_open(args: dict[str, Any]) -> dict[str, Any]:
        time.sleep(2)  # Slack is slow today: the modal request is still in flight at SIGTERM
        return {"ok": True, "view": {"id": "V0SLOW", **json.loads(json.dumps(args.get("view") or {}))}}

    bot.api.set_response("views.open", slow_views_open)
    answers: list[Response] = []
    slack = SlackClient(url, SIGNING_SECRET, api_url=bot.api.url)
    request = threading.Thread(target=lambda: answers.append(slack.command("")))
    request.start()
    bot.api.wait_for("views.open", timeout=30)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(urllib.error.URLError):  # no longer accepting: the balancer goes elsewhere
        urllib.request.urlopen(f"{url}/healthz", timeout=2)
    request.join(timeout=30)
    assert [answer.status for answer in answers] == [200]
    assert process.wait(timeout=30) == 0
    log = json_lines(process)
    assert any("draining" in entry["message"] for entry in log)
    tagged = [entry for entry in log if entry.get("request_id")]
    assert all(entry["team_id"] == "T0TEAM" for entry in tagged)


def test_every_log_line_of_a_request_carries_its_request_id(
    bot: Bot, serve_process: tuple[subprocess.Popen[str], str]
) -> None:
    process, url = serve_process
    bot.api.fail_next("views.open", error="internal_error", status=200)  # the app logs an error
    slack = SlackClient(url, SIGNING_SECRET, api_url=bot.api.url)
    assert slack.command("").status == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    log = json_lines(process)
    [failure] = [entry for entry in log if entry["level"] == "ERROR"]
    assert failure["message"].startswith("unexpected error (ref ")
    assert len(failure["request_id"]) == 12 and failure["team_id"] == "T0TEAM"
    assert "SlackApiError" in failure["exception"]


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the test audio")
def test_sigterm_gives_an_unfinished_memo_back_and_the_next_worker_saves_it_once(
    bot: Bot, memo_m4a: bytes, tmp_path: Path
) -> None:
    command(bot, "new Globex renewal company:Globex")
    share(bot, "F0TERM", memo_m4a, text="#1")
    env = process_env(bot, tmp_path, DEALBOT_SHUTDOWN_GRACE_SECONDS="0.2", DEALBOT_LOG_FORMAT="json")
    first = subprocess.Popen([DEALBOT, "worker"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        bot.api.wait_for("files.info", timeout=60)  # claimed, downloading, about to transcribe
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    finally:
        if first.poll() is None:
            first.kill()
    [job] = memo_jobs(bot.db)
    assert (job.status, job.attempts, job.worker, job.note_id) == ("queued", 0, None, None)
    log = json_lines(first)
    assert any(entry.get("job_id") == f"memo-{job.id}" for entry in log)

    second = subprocess.Popen([DEALBOT, "worker"], cwd=tmp_path, env=process_env(bot, tmp_path))
    try:
        wait_for(lambda: memo_jobs(bot.db)[0].status == "done")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0
    [job] = memo_jobs(bot.db)
    assert job.attempts == 1
    with bot.db.read() as session:
        assert len(session.scalars(select(Note).where(Note.kind == "voice")).all()) == 1
    assert len(thread_replies(bot)) == 1


def test_sigterm_frees_the_scheduler_lock_for_the_next_instance(
    bot: Bot, serve_process: tuple[subprocess.Popen[str], str]
) -> None:
    from bot.scheduler.leader import leader_lock

    process, _url = serve_process
    lock = leader_lock(bot.db)
    try:
        time.sleep(1)  # the election's first poll runs before the HTTP port opens; this is slack
        assert not lock.acquire()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert lock.acquire()  # at once: not after a lease or a session timeout
    finally:
        lock.release()


"""`dealbot remind` and `dealbot digest` as real processes against one database and a fake Slack."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import MANAGER, REP
from tests.fakes.slack_api import FakeSlackAPI
from tests.scheduler.conftest import DIGEST_CHANNEL, SECOND_MANAGER
from tests.test_cli import DEALBOT, dealbot, env_for

AS_OF = "2026-11-16T09:00:00+09:00"  # Monday 09:00 in Tokyo


def team_env(fake: FakeSlackAPI, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": fake.url,
        "SLACK_BOT_TOKEN": "xoxb-cli",
        "DEALBOT_MANAGERS": f"{MANAGER},{SECOND_MANAGER}",
        "DEALBOT_DIGEST_CHANNEL": DIGEST_CHANNEL,
        "DEALBOT_TIMEZONE": "Asia/Tokyo",
    }


def test_two_digest_processes_at_once_send_one_message_per_recipient(
    tmp_path: Path, fake: FakeSlackAPI, database_url: str, pipeline: object
) -> None:
    env = env_for(tmp_path, **team_env(fake, database_url))
    processes = [
        subprocess.Popen(
            [DEALBOT, "digest", "--as-of", AS_OF],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    posts = [m["channel"] for m in fake.messages() if not m.get("upload")]
    assert sorted(posts) == sorted([f"D{MANAGER}", f"D{SECOND_MANAGER}", DIGEST_CHANNEL])
    assert len(fake.calls("files.completeUploadExternal")) == 3
    # Each process saw each recipient once: together they sent three and skipped three.
    counts = [re.search(r"digest for 2026-W47: (\d+) sent, (\d+) skipped", stderr) for _, stderr in results]
    assert all(counts), results
    assert [sum(int(match[i]) for match in counts if match) for i in (1, 2)] == [3, 3]


def test_remind_dry_run_prints_the_reminders_and_posts_nothing(
    tmp_path: Path, fake: FakeSlackAPI, database_url: str, pipeline: object
) -> None:
    result = dealbot(
        tmp_path, "remind", "--dry-run", "--as-of", "2026-11-16T09:00", **team_env(fake, database_url)
    )
    assert result.returncode == 0, result.stderr
    assert f"@{REP}: 2 of your deals need an update" in result.stdout and "Acme" in result.stdout
    assert fake.calls() == []
    again = dealbot(tmp_path, "remind", "--as-of", "2026-11-16T09:00", **team_env(fake, database_url))
    assert again.returncode == 0 and "2 sent" in again.stderr  # the dry run claimed nothing


def test_remind_on_a_holiday_says_so(
    tmp_path: Path, fake: FakeSlackAPI, database_url: str, pipeline: object
) -> None:
    result = dealbot(tmp_path, "remind", "--as-of", "2026-11-23T09:00", **team_env(fake, database_url))
    assert result.returncode == 0 and "not a business day" in result.stderr
    assert fake.calls() == []


def test_digest_dry_run_writes_the_chart(
    tmp_path: Path, fake: FakeSlackAPI, database_url: str, pipeline: object
) -> None:
    chart = tmp_path / "pipeline.png"
    result = dealbot(
        tmp_path,
        "digest",
        "--dry-run",
        "--as-of",
        AS_OF,
        "--chart-out",
        str(chart),
        **team_env(fake, database_url),
    )
    assert result.returncode == 0, result.stderr
    assert "Weekly pipeline digest" in result.stdout and chart.read_bytes().startswith(b"\x89PNG")
    assert fake.calls() == []


def test_a_bad_as_of_is_one_clear_line(tmp_path: Path, fake: FakeSlackAPI, database_url: str) -> None:
    result = dealbot(tmp_path, "digest", "--as-of", "next monday", **team_env(fake, database_url))
    assert result.returncode == 2 and "--as-of='next monday' is not an ISO date-time" in result.stderr

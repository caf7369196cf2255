"""`dealbot sandbox` as a newcomer runs it: a real process that prints the page's URL and stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.test_cli import DEALBOT, env_for

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def sandbox_process(tmp_path: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`dealbot sandbox --port 0 …` started; yields the printed URL and the process (still running)."""
    process = subprocess.Popen(
        [DEALBOT, "sandbox", "--port", "0", "--database-url", f"sqlite:///{tmp_path / 'box.db'}", *args],
        cwd=tmp_path,
        env=env_for(tmp_path, DEALBOT_LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the sandbox is up (or it exited)
        problem = "" if line else (process.stderr.read() if process.stderr else "")
        assert line.startswith("Open http://127.0.0.1:"), line + problem
        yield line.removeprefix("Open ").strip(), process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def get_json(url: str) -> Any:
    with NO_PROXY.open(url, timeout=30) as response:
        return json.loads(response.read())


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def test_sandbox_prints_the_page_url_serves_it_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with sandbox_process(tmp_path) as (url, process):
        state = get_json(url + "sandbox/api/state")
        assert state["ok"] is True and state["locale"] == "en"
        code, stderr = stop(process)
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_demo_seeds_an_empty_database_once(tmp_path: Path) -> None:
    with sandbox_process(tmp_path, "--demo") as (_, process):
        code, first = stop(process)
    assert code == 0 and "seeded" in first, first
    with sandbox_process(tmp_path, "--demo", "--locale", "ja") as (url, process):
        assert get_json(url + "sandbox/api/state")["locale"] == "ja"
        code, second = stop(process)
    assert code == 0 and "already has deals" in second, second

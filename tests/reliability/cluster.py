"""Real dealbot processes on loopback: N × `dealbot serve` and M × `dealbot worker` on one PostgreSQL schema.

Used by the multi-process tests (`tests/reliability/test_scale_out.py`) and the soak benchmark
(`benchmarks/soak.py`). Every process is a real `python -m bot.cli …` with its stdout and stderr in
a log file of its own, talks to one `FakeSlackAPI` and to a fresh schema (`PostgresSchema`), and
tags its database sessions with `application_name` so that `pg_stat_activity`/`pg_locks` say which
process holds what (the scheduler's advisory lock, for one). `Cluster` is a context manager: on
the way out it stops every process it started (SIGTERM, then SIGKILL), whatever went wrong.

    with PostgresSchema(base_url) as schema, FakeSlackAPI() as fake, Cluster(schema, fake, tmp) as cluster:
        cluster.migrate()
        a, b = cluster.serve(2)
        cluster.worker()
        a.slack(fake.url).command("list")
"""

from __future__ import annotations

import atexit
import io
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

from sqlalchemy import create_engine, text

from bot.pipeline import Pipeline
from bot.services.imports import import_deals
from storage.db import Database
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SlackClient
from tests.test_cli import env_for, free_port

SIGNING_SECRET = "reliability-signing-secret"
BOT_TOKEN = "xoxb-reliability"
START_TIMEOUT = 90.0  # seconds: imports, migrations and the first connection, on a busy machine
# Small and quiet: the tiny English model on one thread each, so several processes fit on 2 cores.
DEFAULT_ENV = {
    "WHISPER_MODEL": "tiny.en",
    "WHISPER_THREADS": "1",
    "DEALBOT_MEMO_WORKERS": "1",
    "DEALBOT_TIMEZONE": "Asia/Tokyo",
    "DEALBOT_LOG_LEVEL": "INFO",
    "PYTHONUNBUFFERED": "1",
}


class ClusterError(AssertionError):
    """A process did not start, died, or did not do what was awaited; the message has its log tail."""


class PostgresSchema:
    """A throwaway schema in the database at `base_url`, dropped (with everything in it) on exit."""

    def __init__(self, base_url: str, prefix: str = "rel") -> None:
        self.base_url = base_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(base_url, isolation_level="AUTOCOMMIT")

    @property
    def url(self) -> str:
        """The database URL whose sessions see only this schema."""
        return self.url_for(None)

    def url_for(self, application_name: str | None) -> str:
        """`url`, with the sessions named `application_name` in pg_stat_activity."""
        separator = "&" if "?" in self.base_url else "?"
        url = f"{self.base_url}{separator}options=-csearch_path%3D{self.name}"
        return url + (f"&application_name={quote(application_name)}" if application_name else "")

    def __enter__(self) -> Self:
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        return self

    def __exit__(self, *exc: object) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


def rss_kib(pid: int) -> int | None:
    """Resident memory of `pid` in KiB (VmRSS in /proc/<pid>/status); None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) if match else None


@dataclass
class DealbotProcess:
    """One running `dealbot serve` or `dealbot worker`, its log file and its database name."""

    name: str  # serve-0, worker-1, …
    command: str  # serve | worker
    application_name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        if self.port is None:
            raise ValueError(f"{self.name} serves no HTTP")
        return f"http://127.0.0.1:{self.port}"

    def slack(self, api_url: str, **kwargs: object) -> SlackClient:
        """Plays Slack towards this replica (signed requests, response_urls on the fake)."""
        return SlackClient(self.url, SIGNING_SECRET, api_url=api_url, **kwargs)  # type: ignore[arg-type]

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, signum: int = signal.SIGKILL, timeout: float = 60.0) -> int:
        """Send `signum` (kill -9 by default) and wait for the process to end; its exit status."""
        if self.alive():
            self.popen.send_signal(signum)
        return self.popen.wait(timeout=timeout)

    def rss_kib(self) -> int | None:
        return rss_kib(self.pid)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """The first match of the regular expression `pattern` in this process's log."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.log(), re.MULTILINE)
            if match:
                return match
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{self.name}: no {pattern!r} in its log after {timeout:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.2)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    """Poll `condition` until it holds; ClusterError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


@dataclass
class RssSample:
    at: float  # seconds since sampling started
    kib: dict[str, int | None] = field(default_factory=dict)  # process name → RSS (None: gone)


class RssSampler:
    """Samples every process's RSS every `interval` seconds in a background thread."""

    def __init__(self, processes: list[DealbotProcess], interval: float = 10.0) -> None:
        self.processes = processes
        self.interval = interval
        self.samples: list[RssSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        self.sample()  # the last word

    def sample(self) -> None:
        at = time.monotonic() - self._started
        self.samples.append(RssSample(at, {p.name: p.rss_kib() for p in self.processes}))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


_live: set[Cluster] = set()


@atexit.register
def _stop_leftovers() -> None:
    """A last net for a test run that dies between start and stop: no orphan processes."""
    for cluster in list(_live):
        cluster.stop(grace=0)


class Cluster:
    """dealbot processes on one schema and one fake Slack; stops them all on exit."""

    def __init__(
        self,
        schema: PostgresSchema,
        fake: FakeSlackAPI,
        workdir: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.schema = schema
        self.fake = fake
        self.workdir = workdir
        self.env = {**DEFAULT_ENV, **(env or {})}
        self.processes: list[DealbotProcess] = []
        self._db: Database | None = None
        self._counts = {"serve": 0, "worker": 0}

    # -- lifecycle

    def __enter__(self) -> Self:
        _live.add(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM every process still running, SIGKILL those that outlive `grace` seconds."""
        running = [p for p in self.processes if p.alive()]
        for process in running:
            process.popen.send_signal(signal.SIGTERM if grace else signal.SIGKILL)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait(timeout=30)
        if self._db is not None:
            self._db.dispose()
            self._db = None
        _live.discard(self)

    # -- the database

    @property
    def db(self) -> Database:
        """The cluster's database, for the test's own queries (named `<schema>-test`)."""
        if self._db is None:
            self._db = Database.from_url(self.schema.url_for(f"{self.schema.name}-test"), pool_size=2)
        return self._db

    def migrate(self) -> None:
        """Create the tables before the replicas start (as a deployment runs `dealbot db upgrade`)."""
        self.db.upgrade()

    def import_deals(self, csv_text: str, team_id: str, actor: str = "U0REP") -> int:
        """Seed deals through the import service (all or nothing); how many were created."""
        result = import_deals(
            self.db,
            io.StringIO(csv_text),
            team_id=team_id,
            actor=actor,
            pipeline=Pipeline.default(),
            default_currency="USD",
        )
        return result.created

    def connected(self, process: DealbotProcess) -> bool:
        """Whether `process` has a session open on the database (pg_stat_activity)."""
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        with self.db.read() as session:
            return bool(session.scalar(query, {"name": process.application_name}))

    def scheduler_leader(self) -> DealbotProcess | None:
        """The process holding the scheduler's advisory lock (bot/scheduler/leader.py), if any."""
        query = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE :prefix"
        )
        with self.db.read() as session:
            names = set(session.scalars(query, {"prefix": f"{self.schema.name}-%"}))
        holders = [p for p in self.processes if p.application_name in names]
        if len(holders) > 1:
            raise ClusterError(f"several processes hold the scheduler lock: {[p.name for p in holders]}")
        return holders[0] if holders else None

    def process_of_worker(self, worker: str | None) -> DealbotProcess:
        """The process behind a memo job's `worker` field (`host:pid/thread`)."""
        match = re.search(r":(\d+)/", worker or "")
        owner = next((p for p in self.processes if match and p.pid == int(match[1])), None)
        if owner is None:
            raise ClusterError(f"no process of this cluster is worker {worker!r}")
        return owner

    # -- processes

    def serve(
        self, count: int = 1, env: Mapping[str, str] | None = None, wait: bool = True
    ) -> list[DealbotProcess]:
        """Start `count` × `dealbot serve` on free loopback ports (ready when `wait`)."""
        started = []
        for _ in range(count):
            port = free_port()
            started.append(
                self._start("serve", ["serve", "--host", "127.0.0.1", "--port", str(port)], env, port)
            )
        if wait:
            for process in started:
                self.wait_ready(process)
        return started

    def worker(
        self, count: int = 1, env: Mapping[str, str] | None = None, wait: bool = True
    ) -> list[DealbotProcess]:
        """Start `count` × `dealbot worker` (ready once connected to the database, when `wait`)."""
        started = [self._start("worker", ["worker"], env, None) for _ in range(count)]
        if wait:
            for process in started:
                self.wait_ready(process)
        return started

    def wait_ready(self, process: DealbotProcess, timeout: float = START_TIMEOUT) -> None:
        """`serve`: /readyz answers 200 (/healthz where there is no /readyz); `worker`: connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.alive():
                status = process.popen.returncode
                raise ClusterError(f"{process.name} exited ({status}) while starting\n{process.log_tail()}")
            if process.port is not None and _http_ready(process.url):
                return
            if process.port is None and self.connected(process):
                return
            time.sleep(0.25)
        raise ClusterError(f"{process.name} was not ready after {timeout:.0f} s\n{process.log_tail()}")

    def _start(
        self, command: str, args: list[str], env: Mapping[str, str] | None, port: int | None
    ) -> DealbotProcess:
        name = f"{command}-{self._counts[command]}"
        self._counts[command] += 1
        application_name = f"{self.schema.name}-{name}"
        variables = env_for(
            self.workdir,
            **{
                "DATABASE_URL": self.schema.url_for(application_name),
                "SLACK_API_URL": self.fake.url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                **self.env,
                **(env or {}),
            },
        )
        log_path = self.workdir / f"{name}.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *args],
                cwd=self.workdir,
                env=variables,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = DealbotProcess(name, command, application_name, popen, log_path, port)
        self.processes.append(process)
        return process

    def serves(self) -> list[DealbotProcess]:
        return [p for p in self.processes if p.command == "serve" and p.alive()]

    def workers(self) -> list[DealbotProcess]:
        return [p for p in self.processes if p.command == "worker" and p.alive()]

    def logs(self) -> Iterator[tuple[str, str]]:
        """(name, log tail) of every process: for an assertion message."""
        for process in self.processes:
            yield process.name, process.log_tail()

    def describe(self) -> str:
        return "\n\n".join(f"--- {name} ---\n{tail}" for name, tail in self.logs())


def _http_ready(url: str) -> bool:
    """/readyz says 200 (the database answers); a build without /readyz is ready once /healthz is."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for path in ("/readyz", "/healthz"):
        try:
            with opener.open(f"{url}{path}", timeout=2) as response:
                return bool(response.status == 200)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                return False  # 503: up, but not ready yet
        except OSError:
            return False  # not listening yet
    return False

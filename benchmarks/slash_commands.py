"""Slash-command latency at 100,000 deals: SQLite, PostgreSQL with two replicas, and the floor.

    python benchmarks/slash_commands.py [--deals 100000] [--commands 1000] [--concurrency 16]
                                        [--rounds 3] [--only sqlite|postgres|floor]

Everything runs on this machine: the real `dealbot serve` process(es) (waitress, default
threads), a fake Slack Web API on 127.0.0.1, and a Python load generator sending signed slash
commands (a mix of list, find, show and note by 50 reps), `--concurrency` at a time.

- sqlite: one `serve` on a fresh SQLite file.
- postgres: two `serve` replicas on one PostgreSQL schema (DEALBOT_BENCH_POSTGRES_URL, default
  the local test database), the load generator alternating between them as a balancer would.
- floor: a bare bolt app (one `/deal` listener that acks, no database) behind the same waitress
  server: what the same client and machine give with nothing of dealbot in the way.

Each is measured `--rounds` times after a warm-up; every round's p50/p90/p99 and the server CPU
per command are printed.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.pipeline import Pipeline  # noqa: E402
from bot.services.imports import import_deals  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_client import SlackClient  # noqa: E402

TEAM = "T0TEAM"
SECRET = "bench-signing-secret"
OWNERS = [f"U0REP{n:03}" for n in range(50)]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Hooli"]
STAGES = ["lead", "qualified", "proposal", "negotiation"]
POSTGRES = os.environ.get("DEALBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# The floor: bolt with one listener behind the same HTTP server, nothing else.
FLOOR_APP = textwrap.dedent(
    """
    import sys, time
    from slack_bolt import App
    from slack_sdk import WebClient
    from bot.server import HTTPServer, SlackWSGIApp
    client = WebClient(token="xoxb-floor", base_url=sys.argv[3])  # auth.test once, on the fake
    app = App(signing_secret=sys.argv[2], client=client, token_verification_enabled=False,
              process_before_response=True)
    app.command("/deal")(lambda ack: ack(text="ok"))
    server = HTTPServer(SlackWSGIApp(app), "127.0.0.1", int(sys.argv[1]), threads=8)
    server.start()
    while True:
        time.sleep(3600)
    """
)


def deals_csv(count: int, rng: random.Random) -> str:
    rows = ["name,company,owner,stage,amount,currency,close_date,next_step"]
    for n in range(count):
        company = f"{rng.choice(WORDS)} {n % 997}"
        rows.append(
            f"{company} deal {n},{company},{rng.choice(OWNERS)},{rng.choice(STAGES)},"
            f"{rng.randrange(1_000, 500_000)},USD,2027-{rng.randrange(1, 13):02}-15,call back"
        )
    return "\n".join(rows) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str) -> None:
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start")


def commands(count: int, deals: int, rng: random.Random) -> list[tuple[str, str]]:
    """A realistic mix: list, find, show and note, each by a random rep."""
    mix = []
    for _ in range(count):
        user = rng.choice(OWNERS)
        kind = rng.choice(["list", "find", "show", "note"])
        deal_id = rng.randrange(1, deals + 1)
        text = {
            "list": rng.choice(["list", "list all stage:proposal", f"list owner:<@{rng.choice(OWNERS)}>"]),
            "find": f"find {rng.choice(WORDS)} {rng.randrange(997)}",
            "show": f"show #{deal_id}",
            "note": f"note #{deal_id} followed up by phone",
        }[kind]
        mix.append((text, user))
    return mix


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_into(url: str, count: int) -> float:
    db = Database.from_url(url)
    db.upgrade()
    started = time.perf_counter()
    import_deals(
        db,
        io.StringIO(deals_csv(count, random.Random(7))),
        team_id=TEAM,
        actor="U0REP000",
        pipeline=Pipeline.default(),
        default_currency="USD",
    )
    seconds = time.perf_counter() - started
    if not db.is_sqlite:
        # What autovacuum does within a minute of a bulk load: statistics, and the visibility map
        # that lets counts use index-only scans. Without it the first minutes measure the import.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    db.dispose()
    return seconds


@contextmanager
def serving(url: str, replicas: int, fake: FakeSlackAPI, workdir: Path) -> Iterator[list[tuple[str, int]]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DEALBOT_LOG_LEVEL": "WARNING",
        "DEALBOT_MEMO_WORKERS": "0",  # slash commands only: no transcription model in memory
    }
    started = []
    try:
        for _ in range(replicas):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=workdir,
                env=env,
                stderr=subprocess.DEVNULL,
            )
            started.append((process, port))
            wait_healthy(f"http://127.0.0.1:{port}")
        yield [(f"http://127.0.0.1:{port}", process.pid) for process, port in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def floor_server(fake: FakeSlackAPI) -> Iterator[list[tuple[str, int]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", FLOOR_APP, str(port), SECRET, fake.url], cwd=ROOT, stderr=subprocess.DEVNULL
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield [(f"http://127.0.0.1:{port}", process.pid)]
    finally:
        process.terminate()
        process.wait(timeout=30)


def drive(
    servers: list[tuple[str, int]], fake_url: str, args: argparse.Namespace, label: str, rng: random.Random
) -> None:
    clients = [SlackClient(base, SECRET, team_id=TEAM, api_url=fake_url) for base, _ in servers]
    turn: Callable[[], SlackClient] = cycle(clients).__next__

    def send(item: tuple[str, str]) -> tuple[float, int]:
        text, user = item
        began = time.perf_counter()
        response = turn().command(text, user_id=user)
        return time.perf_counter() - began, response.status

    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(send, commands(100, args.deals, rng)))  # warm-up: caches, pools, JIT of queries
    for number in range(1, args.rounds + 1):
        workload = commands(args.commands, args.deals, rng)
        cpu_before = sum(cpu_seconds(pid) for _, pid in servers)
        began = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(send, workload))
        wall = time.perf_counter() - began
        cpu = sum(cpu_seconds(pid) for _, pid in servers) - cpu_before
        latencies = sorted(seconds * 1000 for seconds, _ in results)
        errors = sum(1 for _, status in results if status != 200)
        print(
            f"{label:<22} round {number}: p50 {statistics.median(latencies):6.1f}  "
            f"p90 {percentile(latencies, 0.90):6.1f}  p99 {percentile(latencies, 0.99):6.1f}  "
            f"max {latencies[-1]:6.1f} ms | {len(results) / wall:5.0f}/s | "
            f"server CPU {1000 * cpu / len(results):4.2f} ms/command | errors {errors}",
            flush=True,
        )


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgres", "floor"))
    args = parser.parse_args()
    rng = random.Random(11)
    workdir = Path(tempfile.mkdtemp(prefix="dealbot-bench-"))
    print(f"{args.commands} signed commands a round, {args.concurrency} at a time, {args.deals:,} deals")
    with FakeSlackAPI() as fake:
        if args.only in (None, "floor"):
            with floor_server(fake) as servers:
                drive(servers, fake.url, args, "floor (bare bolt)", rng)
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{workdir / 'bench.db'}"
            print(f"sqlite: imported in {import_into(url, args.deals):.1f} s", flush=True)
            with serving(url, 1, fake, workdir) as servers:
                drive(servers, fake.url, args, "sqlite, 1 serve", rng)
        if args.only in (None, "postgres"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
            try:
                print(f"postgres: imported in {import_into(url, args.deals):.1f} s", flush=True)
                with serving(url, 2, fake, workdir) as servers:
                    drive(servers, fake.url, args, "postgres, 2 replicas", rng)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()

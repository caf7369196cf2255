"""Import 100,000 deals, then drive `dealbot serve` with signed slash commands; print latency.

    python benchmarks/slash_commands.py [--deals 100000] [--commands 1000] [--concurrency 16]

Everything runs on this machine: a fresh SQLite file, the real `dealbot serve` process
(waitress, its default threads), a fake Slack Web API on 127.0.0.1 and signed requests.
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
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("dealbot serve did not start")


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
        mix.append((kind, text, user))
    return [(text, user) for _, text, user in mix]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="dealbot-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"

    db = Database.from_url(url)
    db.upgrade()
    source = io.StringIO(deals_csv(args.deals, rng))
    started = time.perf_counter()
    result = import_deals(
        db, source, team_id=TEAM, actor="U0REP000", pipeline=Pipeline.default(), default_currency="USD"
    )
    import_seconds = time.perf_counter() - started
    db.dispose()
    rate = result.created / import_seconds
    print(f"import: {result.created} deals in {import_seconds:.1f} s ({rate:,.0f} rows/s)")

    with FakeSlackAPI() as fake:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "DEALBOT_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base)
            slack = SlackClient(base, SECRET, team_id=TEAM, api_url=fake.url)

            def send(item: tuple[str, str]) -> tuple[float, int]:
                text, user = item
                began = time.perf_counter()
                response = slack.command(text, user_id=user)
                return time.perf_counter() - began, response.status

            for warm in commands(20, args.deals, rng):
                send(warm)
            workload = commands(args.commands, args.deals, rng)
            began = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(send, workload))
            wall = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(timeout=10)

    latencies = sorted(seconds * 1000 for seconds, _ in results)
    errors = sum(1 for _, status in results if status != 200)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(
        f"commands: {len(results)} at concurrency {args.concurrency} in {wall:.1f} s "
        f"({len(results) / wall:,.0f}/s), errors: {errors}"
    )
    print(
        f"latency ms: p50 {statistics.median(latencies):.1f}  p90 {p(0.90):.1f}  "
        f"p99 {p(0.99):.1f}  max {latencies[-1]:.1f}"
    )


if __name__ == "__main__":
    main()

"""Soak: two `dealbot serve` replicas and `dealbot worker`s on PostgreSQL under signed slash commands.

    python benchmarks/soak.py [--minutes 5] [--concurrency 32] [--deals 3000] [--workers 1]
                              [--memo-every 5] [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

A fresh schema (dropped at the end) gets `--deals` deals through the import service; the
processes (tests/reliability/cluster.py) talk to a fake Slack Web API on 127.0.0.1. For
`--minutes`, `--concurrency` threads send a mix of `/deal list|find|show|note|new` to the
replicas in turn, while a voice memo (espeak-ng, m4a) is shared every `--memo-every` seconds
and transcribed by the workers (tiny English model, one thread). Printed: throughput, latency
percentiles, errors by kind, memos delivered and done, and each process's memory every ~10 s.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.slash_commands import OWNERS, STAGES, WORDS, deals_csv  # noqa: E402
from storage.memos import DONE, FAILED, MemoJob  # noqa: E402
from storage.models import Deal  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_client import SlackClient  # noqa: E402
from tests.reliability.cluster import Cluster, PostgresSchema, RssSample, RssSampler  # noqa: E402
from tests.transcription.audiogen import encode, espeak_available, espeak_wav, read_wav  # noqa: E402

TEAM = "T0TEAM"
MEMO_TEXT = "Called the client. Budget is fifty thousand dollars. Send the quote by Friday."
WARM_UP_FILE = "F0SOAK00000"  # the first memo waits for the model to load: not in memo latency
SLACK_ACK_LIMIT = 3.0  # seconds: Slack shows the user an error past this
KINDS = ["list", "find", "show", "note", "new"]
WEIGHTS = [25, 25, 25, 15, 10]


@dataclass(frozen=True)
class Result:
    kind: str
    seconds: float
    outcome: str  # ok | http <status> | bot error | refused | <exception type>


class CommandMix:
    """Realistic commands: notes come from the deal's owner, so they are allowed."""

    def __init__(self, owners_of: dict[int, str], seed: int) -> None:
        self.owners_of = owners_of
        self.ids = list(owners_of)
        self.rng = random.Random(seed)
        self.serial = itertools.count(1)

    def next(self) -> tuple[str, str, str]:
        """(kind, text, user)."""
        rng = self.rng
        kind = rng.choices(KINDS, WEIGHTS)[0]
        user = rng.choice(OWNERS)
        deal_id = rng.choice(self.ids)
        if kind == "list":
            text = rng.choice(
                ["list", f"list all stage:{rng.choice(STAGES)}", f"list owner:<@{rng.choice(OWNERS)}>"]
            )
        elif kind == "find":
            text = f"find {rng.choice(WORDS)} {rng.randrange(997)}"
        elif kind == "show":
            text = f"show #{deal_id}"
        elif kind == "note":
            text, user = f"note #{deal_id} followed up by phone", self.owners_of[deal_id]
        else:
            amount = rng.randrange(1, 900)
            text = f'new "{rng.choice(WORDS)} soak {next(self.serial)}" amount:{amount}k close:2027-03-31'
        return kind, text, user


def classify(status: int, body: str) -> str:
    if status != 200:
        return f"http {status}"
    if ":boom:" in body:
        return "bot error"  # the app's unexpected-error reply (a bug, with a reference id)
    if ":warning:" in body:
        return "refused"  # a domain answer (not found, not allowed…): not a crash, but counted
    return "ok"


class Load:
    """`concurrency` threads sending commands to the replicas in turn until the deadline."""

    def __init__(self, replicas: list[SlackClient], owners_of: dict[int, str], concurrency: int) -> None:
        self.replicas = replicas
        self.owners_of = owners_of
        self.concurrency = concurrency
        self.results: list[Result] = []
        self._turn = itertools.count()

    def run(self, seconds: float) -> float:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._loop, args=(deadline, number), daemon=True)
            for number in range(self.concurrency)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    def send(self, mix: CommandMix) -> Result:
        kind, text, user = mix.next()
        slack = self.replicas[next(self._turn) % len(self.replicas)]
        began = time.perf_counter()
        try:
            response = slack.command(text, user_id=user)
            outcome = classify(response.status, response.body)
        except OSError as exc:
            outcome = type(exc).__name__
        return Result(kind, time.perf_counter() - began, outcome)

    def _loop(self, deadline: float, number: int) -> None:
        mix = CommandMix(self.owners_of, seed=number)
        while time.monotonic() < deadline:
            self.results.append(self.send(mix))


class MemoFeed:
    """Shares a voice memo every `every` seconds with a random replica, as Slack's two events."""

    def __init__(
        self,
        fake: FakeSlackAPI,
        replicas: list[SlackClient],
        owners_of: dict[int, str],
        clip: bytes,
        every: float,
    ) -> None:
        self.fake = fake
        self.owners_of = owners_of
        self.replicas = replicas
        self.clip = clip
        self.every = every
        self.delivered = 0
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memo-feed", daemon=True)
        self._rng = random.Random(11)
        self._numbers = itertools.count()

    def share(self, deal_id: int, owner: str) -> None:
        number = next(self._numbers)
        file_id, ts, channel = f"F0SOAK{number:05}", f"{1732500000 + number}.000100", f"D{owner}"
        file = self.fake.add_file(
            file_id,
            self.clip,
            f"{file_id}.m4a",
            "audio/mp4",
            "m4a",
            user=owner,
            extra={"subtype": "slack_audio", "shares": {"private": {channel: [{"ts": ts}]}}},
        )
        message = {
            "type": "message",
            "subtype": "file_share",
            "channel": channel,
            "channel_type": "im",
            "user": owner,
            "text": f"notes for #{deal_id}",
            "ts": ts,
            "files": [file],
        }
        shared = {"type": "file_shared", "file_id": file_id, "user_id": owner, "channel_id": channel}
        first, second = self._rng.sample(self.replicas, 2) if len(self.replicas) > 1 else self.replicas * 2
        statuses = [first.event(message).status, second.event(shared).status]
        if statuses == [200, 200]:
            self.delivered += 1
        else:
            self.refused += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        ids = list(self.owners_of)
        while not self._stop.wait(self.every):
            deal_id = self._rng.choice(ids)
            self.share(deal_id, self.owners_of[deal_id])


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def memo_clip(workdir: Path) -> bytes | None:
    if not espeak_available():
        return None
    samples, rate = read_wav(espeak_wav(MEMO_TEXT, workdir / "memo.wav"))
    return encode(samples, rate, "m4a", workdir / "memo.m4a").read_bytes()


def memo_counts(cluster: Cluster) -> Counter[str]:
    with cluster.db.read() as session:
        rows = session.execute(select(MemoJob.status, func.count()).group_by(MemoJob.status)).all()
    return Counter({str(status): int(count) for status, count in rows})


def memo_seconds(cluster: Cluster) -> list[float]:
    """Shared → done (the job row's creation to its last update) of the memos done, warm-up aside."""
    with cluster.db.read() as session:
        rows = session.execute(
            select(MemoJob.created_at, MemoJob.updated_at).where(
                MemoJob.status == DONE, MemoJob.file_id != WARM_UP_FILE
            )
        )
        return sorted((done - created).total_seconds() for created, done in rows)


def wait_for_memos(cluster: Cluster, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = memo_counts(cluster)
        if counts[DONE] + counts[FAILED] + counts["awaiting_deal"] >= expected:
            return
        time.sleep(1)


def report_latency(results: list[Result], wall: float, concurrency: int) -> None:
    seconds = sorted(r.seconds * 1000 for r in results)
    print(
        f"commands: {len(results)} at concurrency {concurrency} in {wall:.0f} s "
        f"({len(results) / wall:,.1f}/s); slower than Slack's {SLACK_ACK_LIMIT:.0f} s: "
        f"{sum(s > SLACK_ACK_LIMIT * 1000 for s in seconds)}"
    )
    print(
        f"latency ms: p50 {statistics.median(seconds):.0f}  p90 {percentile(seconds, 0.90):.0f}  "
        f"p99 {percentile(seconds, 0.99):.0f}  max {seconds[-1]:.0f}"
    )
    for kind in KINDS:
        mine = sorted(r.seconds * 1000 for r in results if r.kind == kind)
        if mine:
            print(
                f"  {kind:<5} {len(mine):>6}  p50 {statistics.median(mine):>6.0f}  "
                f"p99 {percentile(mine, 0.99):>6.0f}  max {mine[-1]:>6.0f}"
            )
    outcomes = Counter(r.outcome for r in results if r.outcome != "ok")
    errors = {k: v for k, v in outcomes.items() if k != "refused"}
    print(f"errors: {sum(errors.values())} {dict(errors) or ''}".rstrip())
    print(f"refused (a :warning: answer): {outcomes['refused']}")


def report_memory(samples: list[RssSample]) -> None:
    names = list(samples[0].kib) if samples else []
    middle = samples[len(samples) // 2] if samples else None
    print(f"memory (RSS MiB, {len(samples)} samples ~10 s apart):")
    print(f"  {'process':<10} {'start':>8} {'middle':>8} {'end':>8} {'max':>8} {'growth':>8}")
    for name in names:
        values = [kib for sample in samples if (kib := sample.kib.get(name)) is not None]
        if not values or middle is None:
            print(f"  {name:<10} (gone)")
            continue
        start, end = values[0], values[-1]
        mid = middle.kib.get(name) or 0
        growth = (end - start) / start * 100
        print(
            f"  {name:<10} {start / 1024:>8.1f} {mid / 1024:>8.1f} {end / 1024:>8.1f} "
            f"{max(values) / 1024:>8.1f} {growth:>+7.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--deals", type=int, default=3000)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memo-every", type=float, default=5.0, help="seconds between voice memos")
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "DEALBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dealbot-soak-"))
    env = {"DEALBOT_LOG_LEVEL": "WARNING", "DEALBOT_DIGEST_CRON": "0 9 1 1 *"}  # no digest mid-soak
    print(f"logs: {workdir}")

    with (
        PostgresSchema(args.url, prefix="soak") as schema,
        FakeSlackAPI() as fake,
        Cluster(schema, fake, workdir, env) as cluster,
    ):
        cluster.migrate()
        began = time.perf_counter()
        created = cluster.import_deals(deals_csv(args.deals, random.Random(7)), TEAM, actor=OWNERS[0])
        print(f"import: {created} deals in {time.perf_counter() - began:.1f} s")
        with cluster.db.read() as session:
            owners_of = {int(i): str(o) for i, o in session.execute(select(Deal.id, Deal.owner))}

        replicas = cluster.serve(args.replicas, {"DEALBOT_MEMO_WORKERS": "0"})
        cluster.worker(args.workers)
        clients = [replica.slack(fake.url, team_id=TEAM, timeout=30.0) for replica in replicas]
        load = Load(clients, owners_of, args.concurrency)
        clip = memo_clip(workdir)
        feed = MemoFeed(fake, clients, owners_of, clip, args.memo_every) if clip else None

        warm = CommandMix(owners_of, seed=-1)  # warm-up: connections, caches, the model
        for _ in range(20 * len(clients)):
            load.send(warm)
        if feed is not None:
            feed.share(*next(iter(owners_of.items())))
            wait_for_memos(cluster, 1, timeout=120)
            feed.delivered = feed.refused = 0  # the run's memos from here on
        else:
            print("espeak-ng is not installed: no voice memos in this run")
        before = memo_counts(cluster)

        sampler = RssSampler(cluster.processes, interval=10.0)
        sampler.start()
        if feed is not None:
            feed.start()
        wall = load.run(args.minutes * 60)
        if feed is not None:
            feed.stop()
            wait_for_memos(cluster, sum(before.values()) + feed.delivered + feed.refused, timeout=180)
        sampler.stop()

        after = memo_counts(cluster)
        memo_times = memo_seconds(cluster)
        died = {p.name: p.popen.returncode for p in cluster.processes if not p.alive()}
        log_errors = {p.name: p.log().count("Traceback") for p in cluster.processes}
        cluster.stop(grace=30.0)
        exits = {p.name: p.popen.returncode for p in cluster.processes}

    print(
        f"cluster: {args.replicas} × serve, {args.workers} × worker on PostgreSQL; "
        f"{created} deals; {args.minutes:g} min"
    )
    report_latency(load.results, wall, args.concurrency)
    if feed is not None:
        done = after[DONE] - before[DONE]
        other = {k: v - before[k] for k, v in after.items() if k != DONE and v - before[k]}
        timing = f"p50 {statistics.median(memo_times):.1f}  max {memo_times[-1]:.1f}" if memo_times else "-"
        print(
            f"memos: {feed.delivered} delivered ({feed.refused} refused), "
            f"{done} done, others {other or 'none'}; shared → done s: {timing}"
        )
    report_memory(sampler.samples)
    print(f"processes that died during the run: {died or 'none'}; tracebacks in logs: {log_errors}")
    print(f"exit status after SIGTERM: {exits}")


if __name__ == "__main__":
    main()

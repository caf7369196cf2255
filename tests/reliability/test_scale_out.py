"""Several real dealbot processes on one PostgreSQL: duplicates, retries, kill -9, scheduler failover.

Each test starts its own cluster (tests/reliability/cluster.py): `dealbot serve` replicas and
`dealbot worker` processes on a fresh schema, a fake Slack Web API, real audio (espeak-ng)
through the real tiny English Whisper model. The replicas run no transcription threads of their
own (`DEALBOT_MEMO_WORKERS=0`), so every memo is transcribed by a `dealbot worker`.
"""

from __future__ import annotations

import random
import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.enums import JobStatus
from storage.memos import MemoJob
from storage.models import Deal, Delivery, Note
from tests.conftest import MANAGER, POSTGRES_URL, REP, TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import Response, SlackClient
from tests.reliability.cluster import Cluster, DealbotProcess, PostgresSchema, wait_until
from tests.scheduler.conftest import SECOND_MANAGER
from tests.transcription.audiogen import encode, espeak_available, espeak_wav, read_wav

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="set DEALBOT_TEST_POSTGRES_URL to run several processes"),
]
needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the test audio")

REPLICA_ENV = {"DEALBOT_MEMO_WORKERS": "0"}  # replicas answer Slack; workers transcribe
DM = "D0REP"
PHRASES = [
    "Called the client. They want a quote by Friday.",
    "Good meeting today. Budget is fifty thousand dollars.",
    "They asked for a demo next week with their team.",
    "Legal is reviewing the contract. Close expected next month.",
    "Pricing call went well. Send the revised proposal tomorrow.",
]
DEALS = ["Acme renewal", "Globex expansion", "Initech pilot", "Umbrella support", "Hooli seats"]


@pytest.fixture(scope="module")
def memo_clips(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """A few short spoken memos, as m4a like Slack's audio clips."""
    if not espeak_available():
        pytest.skip("espeak-ng makes the test audio")
    folder = tmp_path_factory.mktemp("clips")
    clips = []
    for number, phrase in enumerate(PHRASES):
        samples, rate = read_wav(espeak_wav(phrase, folder / f"memo{number}.wav", speed=190))
        clips.append(encode(samples, rate, "m4a", folder / f"memo{number}.m4a").read_bytes())
    return clips


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as api:
        for user, name in ((REP, "rep"), (MANAGER, "boss"), (SECOND_MANAGER, "boss2")):
            api.add_user(user, name)
        yield api
        assert api.errors == []


def start_cluster(tmp_path: Path, fake: FakeSlackAPI, migrate: bool = True, **env: str) -> Iterator[Cluster]:
    assert POSTGRES_URL is not None
    with PostgresSchema(POSTGRES_URL) as schema, Cluster(schema, fake, tmp_path, env) as cluster:
        if migrate:
            cluster.migrate()
        try:
            yield cluster
        finally:
            print(cluster.describe())  # pytest shows it when the test failed


@pytest.fixture
def cluster(tmp_path: Path, fake: FakeSlackAPI) -> Iterator[Cluster]:
    yield from start_cluster(tmp_path, fake)


@pytest.fixture
def empty_cluster(tmp_path: Path, fake: FakeSlackAPI) -> Iterator[Cluster]:
    yield from start_cluster(tmp_path, fake, migrate=False)


@pytest.fixture
def short_lease_cluster(tmp_path: Path, fake: FakeSlackAPI) -> Iterator[Cluster]:
    # Long enough for a healthy worker to load the model and finish, short enough to wait for.
    yield from start_cluster(tmp_path, fake, DEALBOT_MEMO_LEASE_SECONDS="20")


@pytest.fixture
def digest_cluster(tmp_path: Path, fake: FakeSlackAPI) -> Iterator[Cluster]:
    # A digest is due every minute; its period is the ISO week, so only the first run sends.
    yield from start_cluster(
        tmp_path,
        fake,
        DEALBOT_DIGEST_CRON="* * * * *",
        DEALBOT_MANAGERS=f"{MANAGER},{SECOND_MANAGER}",
        DEALBOT_HOLIDAYS_COUNTRY="none",
    )


# --- Slack's side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Memo:
    file_id: str
    ts: str  # the message the rep shared it in: the thread the answer belongs in
    deal_id: int


def share_events(fake: FakeSlackAPI, memo: Memo, content: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The file at the fake, and the two events Slack sends for it: message/file_share and file_shared."""
    file = fake.add_file(
        memo.file_id,
        content,
        f"{memo.file_id}.m4a",
        "audio/mp4",
        "m4a",
        user=REP,
        extra={"subtype": "slack_audio", "shares": {"private": {DM: [{"ts": memo.ts}]}}},
    )
    message = {
        "type": "message",
        "subtype": "file_share",
        "channel": DM,
        "channel_type": "im",
        "user": REP,
        "text": f"notes for #{memo.deal_id}",
        "ts": memo.ts,
        "files": [file],
    }
    shared = {"type": "file_shared", "file_id": memo.file_id, "user_id": REP, "channel_id": DM}
    return message, shared


@dataclass(frozen=True)
class EventDelivery:
    """One HTTP delivery of an event to one replica (a first try, a duplicate or a retry)."""

    slack: SlackClient
    event: dict[str, Any]
    event_id: str
    retry: int | None = None
    reason: str | None = None

    def send(self) -> Response:
        return self.slack.event(
            self.event, event_id=self.event_id, retry_num=self.retry, retry_reason=self.reason
        )


def deliveries_of(
    memo: Memo,
    events: tuple[dict[str, Any], dict[str, Any]],
    replicas: list[SlackClient],
    number: int,
    rng: random.Random,
) -> list[EventDelivery]:
    """Both events to a random replica; some also to the other one, some retried as Slack does."""
    message, shared = events
    first, other = rng.sample(replicas, 2)
    sends = [
        EventDelivery(first, message, f"EvM{memo.file_id}"),
        EventDelivery(rng.choice(replicas), shared, f"EvS{memo.file_id}"),
    ]
    if number % 3 == 0:  # the same delivery reached both replicas
        sends.append(EventDelivery(other, message, f"EvM{memo.file_id}"))
    if number % 4 == 0:  # Slack retried: no answer within 3 s, or an error
        sends.append(EventDelivery(rng.choice(replicas), message, f"EvM{memo.file_id}", 1, "http_timeout"))
    if number % 5 == 0:
        sends.append(EventDelivery(rng.choice(replicas), message, f"EvM{memo.file_id}", 2, "http_error"))
    if number % 7 == 0:
        sends.append(EventDelivery(other, shared, f"EvS{memo.file_id}", 1, "http_timeout"))
    rng.shuffle(sends)
    return sends


def create_deals(replicas: list[DealbotProcess], fake: FakeSlackAPI, cluster: Cluster) -> list[int]:
    for number, name in enumerate(DEALS):
        reply = replicas[number % len(replicas)].slack(fake.url).command(f'new "{name}" amount:10k')
        assert reply.status == 200 and name in reply.body, reply.body
    with cluster.db.read() as session:
        ids = {deal.name: deal.id for deal in session.scalars(select(Deal))}
    return [ids[name] for name in DEALS]


# --- what the fake and the database saw ---------------------------------------------------------


def memo_jobs(cluster: Cluster) -> list[MemoJob]:
    with cluster.db.read() as session:
        return list(session.scalars(select(MemoJob).order_by(MemoJob.id)))


def thread_replies(fake: FakeSlackAPI) -> Counter[str]:
    return Counter(c.args["thread_ts"] for c in fake.calls("chat.postMessage") if c.args.get("thread_ts"))


def reactions(fake: FakeSlackAPI, name: str) -> Counter[str]:
    return Counter(c.args["timestamp"] for c in fake.calls("reactions.add") if c.args.get("name") == name)


def tracebacks(cluster: Cluster) -> dict[str, int]:
    """Errors the processes logged (a handled crash is still a crash)."""
    counts = {process.name: process.log().count("Traceback") for process in cluster.processes}
    return {name: count for name, count in counts.items() if count}


def digest_statuses(cluster: Cluster) -> dict[str, str]:
    with cluster.db.read() as session:
        rows = session.execute(select(Delivery.recipient, Delivery.status).where(Delivery.kind == "digest"))
        return {str(recipient): str(status) for recipient, status in rows}


def digest_dms(fake: FakeSlackAPI, manager: str) -> int:
    return sum(1 for c in fake.calls("chat.postMessage") if c.args.get("channel") == f"D{manager}")


# --- the tests -----------------------------------------------------------------------------------


@needs_espeak
def test_fifty_memos_through_two_replicas_with_duplicates_and_retries_become_fifty_notes(
    cluster: Cluster, fake: FakeSlackAPI, memo_clips: list[bytes]
) -> None:
    replicas = cluster.serve(2, REPLICA_ENV)
    cluster.worker(2)
    deal_ids = create_deals(replicas, fake, cluster)
    slack = [replica.slack(fake.url) for replica in replicas]
    rng = random.Random(5)
    memos = [Memo(f"F0REL{n:03}", f"1732401{n:03}.000100", rng.choice(deal_ids)) for n in range(50)]
    sends = [
        delivery
        for number, memo in enumerate(memos)
        for delivery in deliveries_of(
            memo, share_events(fake, memo, memo_clips[number % 5]), slack, number, rng
        )
    ]
    with ThreadPoolExecutor(8) as pool:  # neighbours in the list (one memo's events) race each other
        statuses = Counter(response.status for response in pool.map(EventDelivery.send, sends))
    assert statuses == {200: len(sends)}
    assert len(sends) > 100

    wait_until(
        lambda: sum(job.status == JobStatus.FILED for job in memo_jobs(cluster)) == 50,
        600,
        "50 memo jobs done",
    )
    wait_until(lambda: len(thread_replies(fake)) == 50, 60, "a threaded reply to each memo")
    wait_until(lambda: len(reactions(fake, "white_check_mark")) == 50, 60, "a ✅ on each memo")

    jobs = memo_jobs(cluster)
    assert sorted(job.file_id for job in jobs) == [memo.file_id for memo in memos]
    assert {(job.status, job.attempts) for job in jobs} == {(JobStatus.FILED, 1)}
    with cluster.db.read() as session:
        notes = {note.id: note for note in session.scalars(select(Note))}
    assert len(notes) == 50 and {note.kind for note in notes.values()} == {"voice"}
    expected = {memo.ts: memo.deal_id for memo in memos}
    assert {job.message_ts: notes[job.note_id].deal_id for job in jobs if job.note_id} == expected
    every_memo_once = Counter({memo.ts: 1 for memo in memos})
    assert thread_replies(fake) == every_memo_once
    assert reactions(fake, "eyes") == every_memo_once
    assert reactions(fake, "white_check_mark") == every_memo_once
    assert {p.name for p in cluster.processes if not p.alive()} == set()
    assert tracebacks(cluster) == {}


@needs_espeak
def test_a_worker_killed_mid_job_leaves_its_memo_to_the_other_worker_which_saves_it_once(
    short_lease_cluster: Cluster, fake: FakeSlackAPI, memo_clips: list[bytes]
) -> None:
    cluster = short_lease_cluster
    [replica] = cluster.serve(1, REPLICA_ENV)
    cluster.worker(2)
    [deal_id, *_] = create_deals([replica], fake, cluster)
    memo = Memo("F0KILL", "1732402000.000100", deal_id)
    message, _ = share_events(fake, memo, memo_clips[0])
    assert replica.slack(fake.url).event(message, event_id="EvKILL").status == 200

    fake.wait_for("files.info", timeout=60)  # a worker claimed the job and started on it
    [job] = memo_jobs(cluster)
    victim = cluster.process_of_worker(job.worker)
    assert victim.kill(signal.SIGKILL) == -signal.SIGKILL
    [job] = memo_jobs(cluster)
    assert (job.status, job.attempts, job.note_id) == (JobStatus.RUNNING, 1, None)  # it died mid-job

    wait_until(
        lambda: memo_jobs(cluster)[0].status == JobStatus.FILED, 180, "the other worker to finish the memo"
    )
    wait_until(lambda: len(thread_replies(fake)) == 1, 30, "the threaded reply")
    [job] = memo_jobs(cluster)
    survivor = cluster.process_of_worker(job.worker)
    assert survivor is not victim and survivor.alive()
    assert job.attempts == 2
    with cluster.db.read() as session:
        notes = session.scalars(select(Note)).all()
    assert [(note.deal_id, note.kind) for note in notes] == [(deal_id, "voice")]
    assert thread_replies(fake) == Counter({memo.ts: 1})
    assert reactions(fake, "white_check_mark") == Counter({memo.ts: 1})
    assert tracebacks(cluster) == {}


def test_when_the_scheduler_leader_is_killed_the_other_replica_takes_over_and_sends_no_digest_twice(
    digest_cluster: Cluster, fake: FakeSlackAPI
) -> None:
    cluster = digest_cluster
    rows = "".join(f"{name},{name.split()[0]},{REP},proposal,50000,USD\n" for name in DEALS)
    assert cluster.import_deals("name,company,owner,stage,amount,currency\n" + rows, TEAM) == len(DEALS)
    replicas = cluster.serve(2, REPLICA_ENV)

    wait_until(lambda: cluster.scheduler_leader() is not None, 60, "a replica to win the scheduler election")
    leader = cluster.scheduler_leader()
    assert leader is not None
    [survivor] = [replica for replica in replicas if replica is not leader]
    # The leader catches up the digest due this minute: one DM to each manager, recorded as sent.
    wait_until(
        lambda: digest_statuses(cluster) == {MANAGER: "sent", SECOND_MANAGER: "sent"}, 120, "the digest"
    )
    assert (digest_dms(fake, MANAGER), digest_dms(fake, SECOND_MANAGER)) == (1, 1)

    assert leader.kill(signal.SIGKILL) == -signal.SIGKILL
    wait_until(lambda: cluster.scheduler_leader() is survivor, 60, "the other replica to take the lock")
    # The new leader runs the digest that is due, finds this week's already delivered, sends nothing.
    survivor.wait_for_log(r"dealbot\.digest as of \S+: digest for \S+: 0 sent, 2 skipped", timeout=120)

    assert (digest_dms(fake, MANAGER), digest_dms(fake, SECOND_MANAGER)) == (1, 1)
    with cluster.db.read() as session:
        rows = session.execute(
            select(Delivery.recipient, Delivery.status).where(Delivery.kind == "digest")
        ).all()
    assert sorted(rows) == [(MANAGER, "sent"), (SECOND_MANAGER, "sent")]  # one row per manager and week
    assert survivor.alive() and tracebacks(cluster) == {}


def test_replicas_and_workers_started_together_on_an_empty_database_all_come_up(
    empty_cluster: Cluster,
) -> None:
    cluster = empty_cluster
    # All four migrate on start, at the same moment: they must take turns, not race to create tables.
    processes = cluster.serve(2, REPLICA_ENV, wait=False) + cluster.worker(2, wait=False)
    for process in processes:
        cluster.wait_ready(process)
    assert all(process.alive() for process in processes)
    assert tracebacks(cluster) == {}

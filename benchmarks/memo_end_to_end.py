"""A voice memo from the Slack event to the reply in its thread, against the engine alone.

The same ~60 s m4a memo (benchmarks/transcribe.py makes it) is transcribed twice with the
warm default engine (faster-whisper, same threads, same vocabulary):
  1. engine alone: decode + transcribe, nothing else;
  2. end to end: a signed `message`/`file_share` event into the real app over HTTP, the job
     row, an in-process worker (files.info, download from the fake Slack, decode, transcribe,
     deal match, note, suggestions), until the threaded reply reaches the fake Slack.

    python benchmarks/memo_end_to_end.py [--runs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.transcribe import make_memo  # noqa: E402
from bot.app import create_app, deal_service, web_client  # noqa: E402
from bot.server import SlackWSGIApp  # noqa: E402
from bot.services.fields import DealFields  # noqa: E402
from bot.services.memo_deals import vocabulary  # noqa: E402
from bot.services.memo_queue import MemoQueue  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.transcription import configured_engine  # noqa: E402
from bot.transcription.audio import decode_audio  # noqa: E402
from bot.workers.memos import build_workers  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_client import SlackClient  # noqa: E402

SECRET = "bench-secret"
REP = "U0REP"
TEAM = "T0TEAM"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import waitress

    with tempfile.TemporaryDirectory(prefix="dealbot-e2e-bench-") as tmp, FakeSlackAPI() as fake:
        workdir = Path(tmp)
        memo_path, _ = make_memo(workdir)
        audio_bytes = memo_path.read_bytes()
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'bench.db'}",
            slack_api_url=fake.url,
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            whisper_threads=args.threads,
            memo_workers=1,
            _env_file=None,  # type: ignore[call-arg]
        )
        db = Database.from_url(settings.database_url)
        db.upgrade()
        deals = deal_service(db, settings)
        deal = deals.create(TEAM, REP, DealFields(name="Globex renewal", company="Globex"), source="cli").deal
        for name, company in (("Hooli pilot", "Hooli"), ("Initech expansion", "Initech")):
            deals.create(TEAM, REP, DealFields(name=name, company=company), source="cli")
        words = vocabulary(deals.open_deals_of(TEAM, REP).deals)

        engine = configured_engine(settings)  # load once, as a running bot has
        alone = []
        for _ in range(args.runs):
            began = time.perf_counter()
            audio = decode_audio(audio_bytes)
            engine.transcribe(audio.samples, language=None, hint_language="en", vocabulary=words)
            alone.append(time.perf_counter() - began)

        workers = build_workers(settings, MemoQueue(db), deals, web_client(settings))
        app = SlackWSGIApp(create_app(settings, db, wake_workers=workers.wake))
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=lambda: _serve(server), daemon=True).start()
        workers.start()
        slack = SlackClient(
            f"http://127.0.0.1:{server.effective_port}", SECRET, team_id=TEAM, api_url=fake.url
        )
        end_to_end = []
        for run in range(args.runs):
            file = fake.add_file(f"F0BENCH{run}", audio_bytes, "memo.m4a", "audio/mp4", "m4a", user=REP)
            event = {
                "type": "message",
                "subtype": "file_share",
                "channel": "D0REP",
                "user": REP,
                "text": f"#{deal.id}",
                "ts": f"1732400100.{run:06}",
                "files": [file],
            }
            before = len(_thread_replies(fake))
            began = time.perf_counter()
            slack.event(event)
            while len(_thread_replies(fake)) == before:
                time.sleep(0.01)
            end_to_end.append(time.perf_counter() - began)
        workers.stop()
        server.close()

    audio_seconds = audio.duration_seconds
    engine_median, e2e_median = statistics.median(alone), statistics.median(end_to_end)
    print(f"memo: {audio_seconds:.1f} s of audio, {args.runs} runs, {args.threads} threads, faster-whisper")
    print(f"engine alone (decode + transcribe): median {engine_median:.2f} s  runs {_fmt(alone)}")
    print(f"Slack event -> threaded reply:      median {e2e_median:.2f} s  runs {_fmt(end_to_end)}")
    print(f"end-to-end / engine: {e2e_median / engine_median:.3f}x (target <= 1.15x)")


def _thread_replies(fake: FakeSlackAPI) -> list[object]:
    return [call for call in fake.calls("chat.postMessage") if call.args.get("thread_ts")]


def _serve(server: object) -> None:
    with contextlib.suppress(OSError):
        server.run()  # type: ignore[attr-defined]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()

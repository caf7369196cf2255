"""Transcription workers: claim a memo job, download, decode, transcribe, file it, reply.

Runs in `dealbot run`/`serve` (in-process threads) and alone in `dealbot worker`. The model
loads once per process, when the workers start, and is shared by the threads. Filing is the
memo use case (`MemoService`); the Slack side (thread reply, reactions) goes through the
notifier. Every failure ends in a message to the rep and a failed (or retried) job, never in a
dead worker.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import (
    AudioError,
    AudioTooLong,
    DealNotFound,
    DownloadError,
    InvalidChange,
    MemoUnavailable,
    NotAllowed,
)
from bot.logs import log_context
from bot.services.deals import DealService
from bot.services.memo_deals import deal_named_in, likely_deals, vocabulary
from bot.services.memo_queue import MemoQueue, is_audio
from bot.services.memos import MemoService
from bot.settings import Settings
from bot.slack.files import FileHosts, download
from bot.slack.memo_replies import ask_which_deal, tell_failed, tell_filed
from bot.slack.notifier import Notifier
from bot.transcription.audio import decode_audio
from bot.views.format import Display
from bot.views.messages import error_text
from storage.enums import JobStatus
from storage.memos import MemoJob

log = logging.getLogger(__name__)

# Download problems worth another attempt (Slack or the network hiccuped); the rest are final.
RETRYABLE_DOWNLOAD = frozenset({"network", "http"})
ABANDONED = "abandoned"


@dataclass(frozen=True)
class MemoOutcome:
    job_id: int
    status: str


class MemoProcessor:
    """One job from the queue to a filed note (or a clear failure), told to the rep in Slack."""

    def __init__(
        self,
        settings: Settings,
        queue: MemoQueue,
        deals: DealService,
        client: WebClient,
        engine: Callable[[], Any],
    ) -> None:
        self.settings = settings
        self.queue = queue
        self.deals = deals
        self.memos = MemoService(deals)
        self.client = client
        self.notifier = Notifier(client)
        self.engine = engine
        self.hosts = FileHosts(settings.slack_api_url)

    @property
    def display(self) -> Display:
        return Display(self.settings.locale, self.settings.tz)

    def process(self, job: MemoJob) -> MemoOutcome:
        if job.status == JobStatus.FAILED:  # gave up after crashes: tell the rep once
            self._fail(job, self.display.t("memo.error.crashed"))
            return MemoOutcome(job.id, JobStatus.FAILED)
        try:
            return self._process(job)
        except DownloadError as exc:
            message = self.display.t(f"memo.error.{exc.code}", **exc.params)
            return self._retry_or_fail(job, message, retryable=exc.code in RETRYABLE_DOWNLOAD)
        except AudioTooLong as exc:
            limit = self.settings.max_audio_minutes
            message = self.display.t("memo.error.too_long", minutes=f"{exc.minutes:.0f}", limit=limit)
            return self._retry_or_fail(job, message, retryable=False)
        except AudioError as exc:
            message = self.display.t("memo.error.unreadable", reason=str(exc))
            return self._retry_or_fail(job, message, retryable=False)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            return self._retry_or_fail(job, self.display.t("memo.error.slack", error=error), retryable=True)
        except (NotAllowed, DealNotFound, InvalidChange) as exc:  # the message named someone else's deal
            return self._retry_or_fail(job, error_text(exc, self.display), retryable=False)

    def _process(self, job: MemoJob) -> MemoOutcome:
        file = self._file_details(job)
        if is_audio(file) is False:
            self.queue.ignore(job.id)
            return MemoOutcome(job.id, JobStatus.IGNORED)
        token = self.settings.secret("slack_bot_token")
        url = file.get("url_private_download") or file.get("url_private") or ""
        data = download(
            url,
            token,
            self.hosts,
            max_bytes=self.settings.max_audio_mb * 1024 * 1024,
            declared_size=file.get("size"),
        )
        audio = decode_audio(data, max_seconds=self.settings.max_audio_minutes * 60)
        mine = self.deals.open_deals_of(job.team_id, job.user_id).deals
        engine = self.engine()
        transcript = engine.transcribe(
            audio.samples,
            language=None,
            hint_language=self._language_hint(job.user_id),
            vocabulary=vocabulary(mine),
        )
        self.queue.update(
            job.id,
            transcript=transcript.text,
            language=transcript.language,
            duration_seconds=audio.duration_seconds,
            engine=engine.name,
            model=engine.model,
        )
        job = self.queue.get(job.team_id, job.id) or job
        if not self.queue.renew(job):
            return self._abandoned(job)
        named = deal_named_in(job.message_text, self.deals, job.team_id, job.user_id)
        if named is not None:
            try:
                filed = self.memos.file(job.team_id, job.user_id, job.id, named.id, worker=job.worker)
            except MemoUnavailable:
                return self._abandoned(job)
            tell_filed(self.notifier, filed, self.display)
            return MemoOutcome(job.id, JobStatus.FILED)
        self.queue.awaiting_deal(job.id)
        ask_which_deal(self.notifier, job, likely_deals(transcript.text, mine), self.display)
        return MemoOutcome(job.id, JobStatus.AWAITING_DEAL)

    def _file_details(self, job: MemoJob) -> dict[str, Any]:
        """files.info: the download URL and size, and the thread when the event lacked it."""
        info = self.client.files_info(file=job.file_id)
        file: dict[str, Any] = info["file"]
        if job.message_ts is None:
            channel, ts = _first_share(file)
            if ts is not None:
                self.queue.update(job.id, channel_id=job.channel_id or channel, message_ts=ts)
                job.channel_id, job.message_ts = job.channel_id or channel, ts
        return file

    def _language_hint(self, user_id: str) -> str:
        """The rep's Slack locale (`ja-JP` → ja), else the team's language."""
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
            locale = str(user.get("locale") or "")
        except SlackApiError:
            locale = ""
        return locale.split("-")[0].lower() or self.settings.locale

    def _abandoned(self, job: MemoJob) -> MemoOutcome:
        """The job is no longer ours (released at shutdown, or taken after the lease ran out):
        whoever holds it now writes the result, so this worker writes nothing."""
        log.warning("memo job %s is no longer held by %s; leaving it to its new holder", job.id, job.worker)
        return MemoOutcome(job.id, ABANDONED)

    def _retry_or_fail(self, job: MemoJob, message: str, *, retryable: bool) -> MemoOutcome:
        if job.status == JobStatus.RUNNING and not self.queue.renew(job):
            return self._abandoned(job)
        if self.queue.retry_or_fail(job, message, retryable=retryable):
            self._fail(job, message)
            return MemoOutcome(job.id, JobStatus.FAILED)
        log.warning("memo job %s will be retried: %s", job.id, message)
        return MemoOutcome(job.id, JobStatus.QUEUED)

    def _fail(self, job: MemoJob, message: str) -> None:
        tell_failed(self.notifier, job, message)


def _first_share(file: dict[str, Any]) -> tuple[str | None, str | None]:
    for visibility in ("public", "private"):
        for channel, shares in (file.get("shares", {}).get(visibility) or {}).items():
            if shares:
                return channel, str(shares[0].get("ts"))
    return None, None


class MemoWorkers:
    """A few threads that claim and process jobs; `wake()` lets a new job start at once.

    `stop(grace)` is the graceful shutdown: no new claims, jobs in progress get `grace` seconds to
    finish, and the ones still running after that go back to the queue for another worker.
    """

    def __init__(
        self, processor: MemoProcessor, queue: MemoQueue, *, threads: int = 1, poll_seconds: float = 2.0
    ):
        self.processor = processor
        self.queue = queue
        self.threads = threads
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._running: list[threading.Thread] = []
        self._busy: dict[str, MemoJob] = {}  # thread name -> the job it is working on
        self._busy_lock = threading.Lock()
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def start(self) -> None:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"memo-worker-{number}", daemon=True)
            thread.start()
            self._running.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, grace: float = 30.0) -> list[int]:
        """Stop claiming, wait up to `grace` seconds for jobs in progress, release the rest.
        Returns the ids of the jobs given back to the queue."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + grace
        for thread in self._running:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._busy_lock:
            unfinished = list(self._busy.values())
        released = []
        for job in unfinished:
            if self.queue.release(job):
                released.append(job.id)
                with log_context(job_id=f"memo-{job.id}", team_id=job.team_id):
                    log.warning("shutting down mid-job: memo job %s goes back to the queue", job.id)
        return released

    def busy(self) -> bool:
        """Whether a worker thread is still at work (after `stop`: one that outlived the grace)."""
        return any(thread.is_alive() for thread in self._running)

    def run_once(self) -> MemoOutcome | None:
        name = threading.current_thread().name
        job = self.queue.claim(f"{self.name}/{name}")
        if job is None:
            return None
        with self._busy_lock:
            self._busy[name] = job
        try:
            with log_context(job_id=f"memo-{job.id}", team_id=job.team_id):
                log.info("memo job %s: file %s, attempt %d", job.id, job.file_id, job.attempts)
                outcome = self.processor.process(job)
                log.info("memo job %s: %s", job.id, outcome.status)
                return outcome
        finally:
            with self._busy_lock:
                self._busy.pop(name, None)

    def _loop(self) -> None:
        try:
            # Load the model now, not when the first memo arrives: the rep's wait is the
            # transcription, never the model's loading (the engine is shared, loaded once).
            self.processor.engine()
        except Exception:
            log.exception("could not load the transcription model; each memo will try again")
        while not self._stop.is_set():
            try:
                outcome = self.run_once()
            except Exception:
                log.exception("memo worker error; the job's lease will expire and it will be retried")
                outcome = None
            if outcome is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()


def build_workers(settings: Settings, queue: MemoQueue, deals: DealService, client: WebClient) -> MemoWorkers:
    from bot.transcription import configured_engine

    processor = MemoProcessor(settings, queue, deals, client, functools.partial(configured_engine, settings))
    return MemoWorkers(processor, queue, threads=settings.memo_workers)

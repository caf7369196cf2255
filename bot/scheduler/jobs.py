"""The two scheduled jobs, stale-deal reminders and the weekly digest: services in, notifier out.

The scheduler and the CLI (`dealbot remind`, `dealbot digest`) both run these. Each message is
claimed in `deliveries` before it is posted (see `bot.services.deliveries`), so however often,
and from however many processes, a job runs for the same period, each recipient gets each
message once. `as_of` is the moment the job evaluates (a scheduled run passes its fire time);
it also names the period: reminders by the team's local date, the digest by its ISO week.

A dry run builds the same content as plain text and neither claims nor posts anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot.clock import now as clock_now
from bot.errors import DeliveryFailed
from bot.services.business_days import BusinessCalendar
from bot.services.deliveries import Claim, Deliveries, Key
from bot.services.digest import Digest, build_digest
from bot.services.reminders import OwnerReminder, ReminderService, reminder_period
from bot.services.staleness import StaleRule
from bot.services.teams import known_teams
from bot.settings import Settings
from bot.slack.notifier import Notifier
from bot.views.digest import digest_blocks, digest_text, message
from bot.views.format import Display
from bot.views.reminders import reminder_blocks, reminder_text
from storage.db import Database
from storage.enums import DeliveryKind

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(days=7)  # `since` for a team's first digest


def digest_period(as_of: datetime, tz: tzinfo) -> str:
    """The digest is keyed by the ISO week of the team's local date: `2026-W47`."""
    year, week, _ = as_of.astimezone(tz).date().isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Outcome:
    kind: str
    team_id: str
    recipient: str
    status: str  # sent | skipped (another run has it) | failed
    error: str | None = None


@dataclass
class RunReport:
    """What one run did, for logs and the CLI."""

    kind: str
    as_of: datetime
    period: str
    outcomes: list[Outcome] = field(default_factory=list)
    previews: list[str] = field(default_factory=list)  # dry run: the text of each message
    note: str | None = None  # why nothing was sent, when nothing was due

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in ("sent", "skipped", "failed"))
        return f"{self.kind} for {self.period}: {counts}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class _Posted:
    channel: str | None = None  # where it was posted; None when it failed
    error: str | None = None


class Jobs:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        notifier: Notifier | None,
        *,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.settings = settings
        self.db = db
        self.notifier = notifier
        self.clock = clock
        self.display = Display(settings.locale, settings.tz)
        self.rule = StaleRule(settings.stale_days, settings.stale_overrides)
        self.deliveries = Deliveries(db, clock=clock)
        self.reminders = ReminderService(
            db, self.rule, settings.tz, BusinessCalendar(settings.holiday_country), clock=clock
        )

    # --- reminders -------------------------------------------------------------------------

    def remind(self, as_of: datetime | None = None, *, dry_run: bool = False) -> RunReport:
        """One DM per owner with stale deals, on business days only."""
        as_of = self._moment(as_of)
        report = RunReport(DeliveryKind.REMINDER, as_of, reminder_period(as_of, self.settings.tz))
        day = self.reminders.local_day(as_of)
        if not self.reminders.is_business_day(as_of):
            holiday = self.reminders.calendar.holiday(day)
            report.note = f"{day.isoformat()} is not a business day" + (f" ({holiday})" if holiday else "")
            return report
        due = self.reminders.due(as_of)
        if not due:
            report.note = "no deals to remind of"
        for reminder in due:
            if dry_run:
                report.previews.append(reminder_text(reminder, self.display, as_of, plain_text=True))
                continue
            key = Key(reminder.team_id, DeliveryKind.REMINDER, reminder.owner, report.period)
            claim = self.deliveries.claim(key, as_of)
            if claim is None:
                report.outcomes.append(Outcome(DeliveryKind.REMINDER, key.team_id, key.recipient, "skipped"))
                continue
            report.outcomes.append(self._send_reminder(claim, reminder, as_of))
        return report

    def _send_reminder(self, claim: Claim, reminder: OwnerReminder, as_of: datetime) -> Outcome:
        text = reminder_text(reminder, self.display, as_of, plain_text=False)
        blocks = reminder_blocks(reminder, self.display, as_of)
        posted = self._post(claim, text, blocks)
        if posted.error is not None:
            return Outcome(DeliveryKind.REMINDER, reminder.team_id, reminder.owner, "failed", posted.error)
        self.reminders.record_sent(self.deliveries, claim, reminder, as_of)
        return Outcome(DeliveryKind.REMINDER, reminder.team_id, reminder.owner, "sent")

    # --- digest ----------------------------------------------------------------------------

    def digest(
        self, as_of: datetime | None = None, *, dry_run: bool = False, chart_out: Path | None = None
    ) -> RunReport:
        """The weekly digest of each team, to every manager (DM) and the digest channel."""
        as_of = self._moment(as_of)
        report = RunReport(DeliveryKind.DIGEST, as_of, digest_period(as_of, self.settings.tz))
        recipients = [*self.settings.managers, *filter(None, [self.settings.digest_channel])]
        teams = known_teams(self.db)
        if not teams:
            report.note = "no deals yet"
        elif not recipients and not dry_run:
            report.note = "nobody to send it to: set DEALBOT_MANAGERS or DEALBOT_DIGEST_CHANNEL"
            return report
        for team_id in teams:
            digest = self._build_digest(team_id, as_of, report.period)
            chart: bytes | None = None
            if chart_out is not None:
                chart = self._chart(digest)
                _chart_path(chart_out, team_id, len(teams)).write_bytes(chart)
            if dry_run:
                to = ", ".join(_plain_recipient(recipient) for recipient in recipients) or "nobody"
                report.previews.append(
                    f"→ {to}\n\n" + digest_text(digest, self.display, self.settings.pipeline)
                )
                continue
            for recipient in recipients:
                claim = self.deliveries.claim(
                    Key(team_id, DeliveryKind.DIGEST, recipient, report.period), as_of
                )
                if claim is None:
                    report.outcomes.append(Outcome(DeliveryKind.DIGEST, team_id, recipient, "skipped"))
                    continue
                if chart is None:
                    chart = self._chart(digest)
                report.outcomes.append(self._send_digest(claim, digest, chart))
        return report

    def _build_digest(self, team_id: str, as_of: datetime, period: str) -> Digest:
        since = (
            self.deliveries.previous_as_of(team_id, DeliveryKind.DIGEST, period, as_of)
            or as_of - DIGEST_WINDOW
        )
        return build_digest(
            self.db,
            team_id,
            pipeline=self.settings.pipeline,
            as_of=as_of,
            since=since,
            stale_days=self.settings.stale_days,
            stale_by_stage=self.settings.stale_overrides,
            tz=self.settings.tz,
        )

    def _chart(self, digest: Digest) -> bytes:
        from bot.views.chart import pipeline_chart_png  # matplotlib: only when a chart is drawn

        return pipeline_chart_png(digest, self.display, self.settings.pipeline)

    def _send_digest(self, claim: Claim, digest: Digest, chart: bytes) -> Outcome:
        key = claim.key
        title = message(self.display, "digest.title")
        blocks = digest_blocks(digest, self.display, self.settings.pipeline)
        posted = self._post(claim, title, blocks)
        if posted.channel is None:
            return Outcome(DeliveryKind.DIGEST, key.team_id, key.recipient, "failed", posted.error)
        self.deliveries.sent(claim)
        try:
            self._require_notifier().upload(
                posted.channel,
                chart,
                f"pipeline-{key.period}.png",
                title,
                message(self.display, "digest.chart_alt"),
            )
        except DeliveryFailed as exc:  # the digest itself went out; the chart is a bonus
            log.warning("digest chart not uploaded to %s: %s", posted.channel, exc.error)
        return Outcome(DeliveryKind.DIGEST, key.team_id, key.recipient, "sent")

    # --- shared ------------------------------------------------------------------------------

    def _post(self, claim: Claim, text: str, blocks: list[dict[str, Any]]) -> _Posted:
        """Post the claimed message; a failure is logged and marks the claim failed (retried later)."""
        recipient = claim.key.recipient
        try:
            return _Posted(channel=self._require_notifier().deliver(recipient, text, blocks))
        except DeliveryFailed as exc:
            error = exc.error
        except Exception as exc:  # never leave a claim hanging: a later run retries it
            log.exception("posting the %s to %s failed", claim.key.kind, recipient)
            error = type(exc).__name__
        log.warning("could not send the %s to %s: %s", claim.key.kind, recipient, error)
        self.deliveries.failed(claim, error)
        return _Posted(error=error)

    def _require_notifier(self) -> Notifier:
        if self.notifier is None:
            raise RuntimeError("this job was built without a notifier (dry run only)")
        return self.notifier

    def _moment(self, as_of: datetime | None) -> datetime:
        moment = as_of or self.clock()
        if moment.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        return moment.astimezone(UTC)


def _chart_path(path: Path, team_id: str, teams: int) -> Path:
    """`chart.png` for one team; `chart-T123.png` for each of several."""
    return path if teams == 1 else path.with_name(f"{path.stem}-{team_id}{path.suffix}")


def _plain_recipient(recipient: str) -> str:
    return f"@{recipient}" if recipient[:1] in ("U", "W") else f"#{recipient}"

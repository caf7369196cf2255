"""The reminder and digest jobs against real databases and a fake Slack Web API: each message once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.ids import Action
from bot.scheduler.jobs import Jobs, digest_period
from bot.services.deliveries import Deliveries
from storage.db import Database
from storage.enums import DeliveryKind
from storage.models import Deal, Delivery
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.scheduler.conftest import DIGEST_CHANNEL, MONDAY_9AM, SECOND_MANAGER
from tests.slack_text import text_of

PNG = b"\x89PNG\r\n\x1a\n"


def deliveries(db: Database) -> list[tuple[str, str, str, int, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(
                Delivery.kind, Delivery.recipient, Delivery.status, Delivery.attempts, Delivery.error
            ).order_by(Delivery.kind, Delivery.recipient)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def refuse(users: set[str], error: str = "user_not_found") -> Any:
    """A conversations.open that cannot reach `users` (deactivated, or not in the workspace)."""

    def answer(args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("users", ""))
        if user in users:
            return {"ok": False, "error": error}
        return {"ok": True, "channel": {"id": f"D{user}"}}

    return answer


# --- reminders ---------------------------------------------------------------------------------


def test_each_owner_gets_one_reminder_with_buttons_and_a_rerun_sends_nothing(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    report = jobs.remind(MONDAY_9AM)
    assert (report.count("sent"), report.count("failed")) == (2, 0)
    [mine] = fake.messages(f"D{REP}")
    assert "Acme" in text_of(mine) and "Globex" in text_of(mine) and "Fresh" not in text_of(mine)
    assert text_of(mine).index("Acme") < text_of(mine).index("Globex")  # same age: by id
    actions = {e["action_id"] for b in mine["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {Action.NOTE, Action.SNOOZE, Action.LOST} <= actions
    assert len(fake.messages(f"D{OTHER_REP}")) == 1

    again = jobs.remind(MONDAY_9AM + timedelta(minutes=5))
    assert again.count("sent") == 0 and again.note == "no deals to remind of"
    assert len(fake.messages()) == 2
    assert deliveries(db) == [("reminder", OTHER_REP, "sent", 1, None), ("reminder", REP, "sent", 1, None)]
    with db.read() as session:
        assert set(session.scalars(select(Deal.reminded_at).where(Deal.name != "Fresh"))) == {MONDAY_9AM}


def test_no_reminders_on_weekends_or_public_holidays(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI
) -> None:
    saturday = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    holiday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Labour Thanksgiving Day in Japan
    assert "not a business day" in (jobs.remind(saturday).note or "")
    assert "Labor Thanksgiving Day" in (jobs.remind(holiday).note or "")
    assert fake.calls("chat.postMessage") == []
    assert jobs.remind(holiday + timedelta(days=1)).count("sent") == 2


def test_a_429_is_retried_after_retry_after_and_sends_one_message(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI
) -> None:
    fake.fail_next("chat.postMessage", retry_after=1)
    report = jobs.remind(MONDAY_9AM)
    assert report.count("sent") == 2
    statuses = [call.status for call in fake.calls("chat.postMessage")]
    assert statuses == [429, 200, 200]
    assert len(fake.messages()) == 2


def test_an_owner_who_cannot_be_messaged_is_skipped_and_retried_by_the_next_run(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    fake.set_response("conversations.open", refuse({OTHER_REP}))
    report = jobs.remind(MONDAY_9AM)
    assert [(o.recipient, o.status, o.error) for o in report.outcomes] == [
        (OTHER_REP, "failed", "user_not_found"),
        (REP, "sent", None),
    ]
    assert len(fake.messages(f"D{REP}")) == 1
    assert deliveries(db)[0] == ("reminder", OTHER_REP, "failed", 1, "user_not_found")
    with db.read() as session:  # not reminded: the next run lists the deal again
        assert session.scalar(select(Deal.reminded_at).where(Deal.name == "Initech")) is None

    fake.set_response("conversations.open", None)
    retry = jobs.remind(MONDAY_9AM + timedelta(hours=1))
    assert [(o.recipient, o.status) for o in retry.outcomes] == [(OTHER_REP, "sent")]
    assert deliveries(db)[0] == ("reminder", OTHER_REP, "sent", 2, None)
    assert len(fake.messages(f"D{REP}")) == 1 and len(fake.messages(f"D{OTHER_REP}")) == 1


def test_a_dry_run_prints_the_reminders_and_neither_posts_nor_claims(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    report = jobs.remind(MONDAY_9AM, dry_run=True)
    text = "\n".join(report.previews)
    assert f"@{REP}: 2 of your deals need an update" in text and "Initech" in text
    assert "No update for 14 days" in text
    assert fake.calls() == [] and deliveries(db) == []


# --- digest ---------------------------------------------------------------------------------------


def test_the_digest_goes_once_to_each_manager_and_the_channel_with_its_chart(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    report = jobs.digest(MONDAY_9AM)
    assert report.period == "2026-W47" and report.count("sent") == 3
    for channel in (f"D{MANAGER}", f"D{SECOND_MANAGER}", DIGEST_CHANNEL):
        posts = [m for m in fake.messages(channel) if not m.get("upload")]
        uploads = [m for m in fake.messages(channel) if m.get("upload")]
        assert len(posts) == 1 and "Weekly pipeline digest" in text_of(posts[0]), channel
        assert len(uploads) == 1, channel
        assert fake.file_content(uploads[0]["files"][0]["id"]).startswith(PNG)
    assert len(fake.calls("files.completeUploadExternal")) == 3

    again = jobs.digest(MONDAY_9AM + timedelta(hours=3))
    assert again.count("skipped") == 3 and len(fake.calls("chat.postMessage")) == 3
    assert [row[2] for row in deliveries(db)] == ["sent", "sent", "sent"]


def test_a_channel_that_cannot_be_posted_to_does_not_stop_the_managers_digests(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    def post(args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] == DIGEST_CHANNEL:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": args["channel"], "ts": "1732400000.000200"}

    fake.set_response("chat.postMessage", post)
    report = jobs.digest(MONDAY_9AM)
    assert {(o.recipient, o.status, o.error) for o in report.outcomes} == {
        (MANAGER, "sent", None),
        (SECOND_MANAGER, "sent", None),
        (DIGEST_CHANNEL, "failed", "channel_not_found"),
    }
    assert ("digest", DIGEST_CHANNEL, "failed", 1, "channel_not_found") in deliveries(db)


def test_a_429_on_the_digest_still_gives_one_message_each(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI
) -> None:
    fake.fail_next("chat.postMessage", retry_after=1, times=2)
    assert jobs.digest(MONDAY_9AM).count("sent") == 3
    assert len([m for m in fake.messages() if not m.get("upload")]) == 3


def test_the_next_digest_reports_changes_since_the_previous_one(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database
) -> None:
    jobs.digest(MONDAY_9AM)
    next_week = MONDAY_9AM + timedelta(days=7)
    assert Deliveries(db).previous_as_of(
        TEAM, DeliveryKind.DIGEST, digest_period(next_week, jobs.settings.tz), next_week
    ) == (MONDAY_9AM)
    # The first digest had no predecessor: it covered the seven days before it.
    first = jobs.digest(MONDAY_9AM, dry_run=True).previews[0]
    assert "Changes since Nov 9, 2026" in first
    second = jobs.digest(next_week, dry_run=True).previews[0]
    assert (
        "Changes since Nov 16, 2026" in second and f"@{MANAGER}" in second and f"#{DIGEST_CHANNEL}" in second
    )


def test_a_digest_dry_run_writes_the_chart_and_posts_nothing(
    jobs: Jobs, pipeline: object, fake: FakeSlackAPI, db: Database, tmp_path: Any
) -> None:
    chart = tmp_path / "chart.png"
    report = jobs.digest(MONDAY_9AM, dry_run=True, chart_out=chart)
    assert "Weekly pipeline digest" in report.previews[0]
    assert chart.read_bytes().startswith(PNG)
    assert fake.calls() == [] and deliveries(db) == []

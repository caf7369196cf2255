"""Claims in `deliveries`: one winner per key, however many try at once; failures may be retried."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot.services.deliveries import MAX_ATTEMPTS, Deliveries, Key
from storage.db import Database
from storage.enums import DeliveryKind

AS_OF = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
KEY = Key("T0TEAM", DeliveryKind.DIGEST, "U0BOSS", "2026-W47")


def test_only_one_of_many_concurrent_claims_wins(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(lambda _: Deliveries(db).claim(KEY, AS_OF), range(16)))
    assert len([claim for claim in claims if claim is not None]) == 1


def test_a_sent_delivery_is_never_claimed_again(db: Database) -> None:
    deliveries = Deliveries(db)
    claim = deliveries.claim(KEY, AS_OF)
    assert claim is not None and claim.attempt == 1
    deliveries.sent(claim)
    assert deliveries.claim(KEY, AS_OF) is None and deliveries.status(KEY) == "sent"


def test_a_failed_delivery_is_claimed_again_up_to_the_attempt_limit(db: Database) -> None:
    deliveries = Deliveries(db)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claim = deliveries.claim(KEY, AS_OF)
        assert claim is not None and claim.attempt == attempt
        assert deliveries.claim(KEY, AS_OF) is None  # held while it is being posted
        deliveries.failed(claim, "channel_not_found")
        assert deliveries.status(KEY) == "failed"
    assert deliveries.claim(KEY, AS_OF) is None


def test_other_recipients_and_periods_are_separate_keys(db: Database) -> None:
    deliveries = Deliveries(db)
    assert deliveries.claim(KEY, AS_OF) is not None
    assert deliveries.claim(Key(KEY.team_id, DeliveryKind.DIGEST, "U0BOSS2", KEY.period), AS_OF) is not None
    assert (
        deliveries.claim(Key(KEY.team_id, DeliveryKind.DIGEST, KEY.recipient, "2026-W48"), AS_OF) is not None
    )
    assert deliveries.claim(Key("T0OTHER", DeliveryKind.DIGEST, KEY.recipient, KEY.period), AS_OF) is not None


def test_the_previous_digest_is_the_latest_sent_one_of_an_earlier_period(db: Database) -> None:
    deliveries = Deliveries(db)
    for weeks, period in ((2, "2026-W45"), (1, "2026-W46")):
        claim = deliveries.claim(
            Key(KEY.team_id, DeliveryKind.DIGEST, KEY.recipient, period), AS_OF - timedelta(weeks=weeks)
        )
        assert claim is not None
        deliveries.sent(claim)
    failed = deliveries.claim(KEY, AS_OF)
    assert failed is not None
    deliveries.failed(failed, "ratelimited")
    assert deliveries.previous_as_of(
        KEY.team_id, DeliveryKind.DIGEST, KEY.period, AS_OF
    ) == AS_OF - timedelta(weeks=1)
    assert deliveries.previous_as_of("T0OTHER", DeliveryKind.DIGEST, KEY.period, AS_OF) is None

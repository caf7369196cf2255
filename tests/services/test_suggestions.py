"""Field updates heard in a memo, English and Japanese, with the same parsers as /deal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.pipeline import Pipeline
from bot.services.fields import Amount, DealFields
from bot.services.suggestions import encode, suggest
from bot.slack.values import MemoApplyButton

TODAY = date(2026, 11, 23)  # a Monday


def heard(transcript: str) -> dict[str, object]:
    return {s.field: s.fields.given()[s.field] for s in suggest(transcript, TODAY, Pipeline.default())}


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        ("The budget is around sixty thousand dollars.", {"amount": Amount(Decimal(60000), "USD")}),
        ("予算は500万円です。", {"amount": Amount(Decimal(5000000), "JPY")}),
        ("They want to push the signing to the end of January.", {"close_date": date(2027, 1, 31)}),
        ("来月末に契約予定です。", {"close_date": date(2026, 12, 31)}),
        (
            "Next step is to send the quote by Thursday.",
            {"next_step": "send the quote by Thursday", "next_step_due": date(2026, 11, 26)},
        ),
        ("Great news, they signed the contract today.", {"stage": "won"}),
        ("残念ながら失注です。", {"stage": "lost"}),
        ("I'd put it at forty percent.", {"probability": 40}),
        ("確度は60%です。", {"probability": 60}),
        ("We talked about the weather and their kids.", {}),
    ],
)
def test_phrases_become_suggestions(transcript: str, expected: dict[str, object]) -> None:
    assert heard(transcript) == expected


def test_a_whole_memo_gives_every_update_once() -> None:
    memo = (
        "Called Maria at Globex. Budget is around sixty thousand dollars. "
        "Next step is to send the quote by Thursday. I would say forty percent."
    )
    assert set(heard(memo)) == {"amount", "next_step", "next_step_due", "probability"}


def test_suggestions_survive_the_trip_through_a_button() -> None:
    for suggestion in suggest(
        "Budget is $60,000. Close by end of month. 確度は40%。", TODAY, Pipeline.default()
    ):
        button = MemoApplyButton(deal=1, field=suggestion.field, value=encode(suggestion, "USD"))
        fields = MemoApplyButton.decode(button.encode()).fields()
        assert fields.given() == suggestion.fields.given() or (
            suggestion.field == "amount" and fields == DealFields(amount=Amount(Decimal(60000), "USD"))
        )

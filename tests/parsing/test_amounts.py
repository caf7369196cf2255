"""Amounts, currencies and probabilities as typed, and amounts said in a voice memo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.parsing.amounts import (
    find_amount_in_text,
    parse_amount,
    parse_currency,
    parse_number,
    parse_probability,
)
from bot.services.fields import Amount


def _amount(value: str, currency: str | None = None) -> Amount:
    return Amount(Decimal(value), currency)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("60000", "60000"),
        ("60,000", "60000"),
        ("60,000.50", "60000.50"),
        ("1,234,567", "1234567"),
        ("0.5", "0.5"),
        ("0", "0"),
        ("50k", "50000"),
        ("50K", "50000"),
        ("2.5k", "2500"),
        ("50 k", "50000"),
        ("1.2M", "1200000"),
        ("1.5m", "1500000"),
        ("2b", "2000000000"),
        ("2bn", "2000000000"),
        ("2BN", "2000000000"),
        ("1.2 million", "1200000"),
        ("60 thousand", "60000"),
        ("３０００", "3000"),
    ],
)
def test_parse_amount_reads_plain_numbers_and_latin_scales_without_a_currency(text: str, value: str) -> None:
    assert parse_amount(text) == _amount(value)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("$50,000", "50000", "USD"),
        ("$1.2M", "1200000", "USD"),
        ("$ 50k", "50000", "USD"),
        ("US$5k", "5000", "USD"),
        ("us$5k", "5000", "USD"),
        ("CA$10k", "10000", "CAD"),
        ("€12k", "12000", "EUR"),
        ("12k€", "12000", "EUR"),
        ("£3k", "3000", "GBP"),
        ("¥3,000,000", "3000000", "JPY"),
        ("￥3,000,000", "3000000", "JPY"),  # full-width yen sign
        ("＄５０ｋ", "50000", "USD"),
        ("3,000,000円", "3000000", "JPY"),
        ("3000000 JPY", "3000000", "JPY"),
        ("3000000jpy", "3000000", "JPY"),
        ("USD 5000", "5000", "USD"),
        ("USD5000", "5000", "USD"),
        ("eur 1.5k", "1500", "EUR"),
        ("50k usd", "50000", "USD"),
        ("50k USD", "50000", "USD"),
        ("$50k USD", "50000", "USD"),  # both sides agree
        ("5 dollars", "5", "USD"),
        ("50万ドル", "500000", "USD"),  # an explicit currency beats 万 → JPY
        ("100 yen", "100", "JPY"),
    ],
)
def test_parse_amount_infers_the_currency_from_symbols_and_codes(
    text: str, value: str, currency: str
) -> None:
    assert parse_amount(text) == _amount(value, currency)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500万円", "5000000"),
        ("500万", "5000000"),
        ("1.2億", "120000000"),
        ("1億2000万円", "120000000"),
        ("1億2000万", "120000000"),
        ("1,200万円", "12000000"),
        ("５００万円", "5000000"),  # full-width digits
        ("5千円", "5000"),
        ("5千", "5000"),
        ("3億5千万", "350000000"),
        ("五百万円", "5000000"),
        ("千五百万", "15000000"),
        ("十万", "100000"),
        ("二十三万", "230000"),
        ("1兆", "1000000000000"),
        ("¥500万", "5000000"),
        ("500 万円", "5000000"),
    ],
)
def test_parse_amount_reads_japanese_units_as_yen(text: str, value: str) -> None:
    assert parse_amount(text) == _amount(value, "JPY")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "-5",
        "-$50k",
        "abc",
        "five",
        "5kk",
        "5mk",
        "k",
        "1.2.3",
        "1,2",
        "1,0000",
        "$",
        "円",
        "万",
        "万円",
        "1e5",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "1,000,000,000,000,001",  # > 10^15
        "2000兆",
        "1000001b",
        "$50k EUR",  # two different currencies
        "50k XYZ",  # not an ISO currency
        "XYZ 50",
        "50 and change",
        "5万k",
        "億万",
        "1 2",
        "٥٠",  # Arabic-Indic digits are not accepted
        "50" * 40,  # too long to be an amount
    ],
)
def test_parse_amount_rejects_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(text)
    assert caught.value.code == "bad_amount"
    assert caught.value.params == {"value": text}


def test_parse_amount_accepts_exactly_the_limit() -> None:
    assert parse_amount("1000000000000000").value == Decimal(10) ** 15


def test_parse_amount_rounds_nothing() -> None:
    assert parse_amount("¥100.5").value == Decimal("100.5")
    assert parse_amount("$0.005").value == Decimal("0.005")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", "7"),
        ("二〇", None),
        ("百二十", "120"),
        ("二千二十六", "2026"),
        ("1.5千", "1500"),
        ("10k", "10000"),
        ("", None),
        ("x", None),
    ],
)
def test_parse_number_reads_digits_kanji_and_scales(text: str, value: str | None) -> None:
    assert parse_number(text) == (Decimal(value) if value else None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USD", "USD"),
        ("usd", "USD"),
        (" eur ", "EUR"),
        ("ＪＰＹ", "JPY"),
        ("円", "JPY"),
        ("¥", "JPY"),
        ("￥", "JPY"),
        ("$", "USD"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("ドル", "USD"),
        ("dollars", "USD"),
        ("chf", "CHF"),
    ],
)
def test_parse_currency_accepts_codes_symbols_and_words(text: str, code: str) -> None:
    assert parse_currency(text) == code


@pytest.mark.parametrize("text", ["", "US", "USDD", "XYZ", "dollar$", "50", "円円", "元気"])
def test_parse_currency_rejects_unknown_currencies(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_currency(text)
    assert caught.value.code == "bad_currency"
    assert caught.value.params == {"value": text}


@pytest.mark.parametrize(
    ("text", "percent"),
    [("40", 40), ("40%", 40), ("40 %", 40), ("４０％", 40), ("0", 0), ("100", 100), ("007", 7)],
)
def test_parse_probability_accepts_whole_percentages(text: str, percent: int) -> None:
    assert parse_probability(text) == percent


@pytest.mark.parametrize("text", ["", "0.4", "40.5", "101", "-5", "1000", "forty", "%", "40%%", "٤٠", "4 0"])
def test_parse_probability_rejects_fractions_and_out_of_range(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_probability(text)
    assert caught.value.code == "bad_probability"
    assert caught.value.params == {"value": text}


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("budget is around sixty thousand dollars", "60000", "USD"),
        ("about 1.2 million dollars", "1200000", "USD"),
        ("they can do $60,000.", "60000", "USD"),
        ("they can do $60,000, maybe more", "60000", "USD"),
        ("one point two million dollars", "1200000", "USD"),
        ("a hundred and fifty thousand euros", "150000", "EUR"),
        ("two hundred fifty thousand dollars", "250000", "USD"),
        ("a million bucks", "1000000", "USD"),
        ("twenty-five thousand dollars", "25000", "USD"),
        ("the deal is worth 50k", "50000", None),
        ("looking at 2 million", "2000000", None),
        ("sixty thousand for year one", "60000", None),
        ("pricing at USD 5000 per seat", "5000", "USD"),
        ("pricing at 5000 EUR per seat", "5000", "EUR"),
        ("US$5k to start", "5000", "USD"),
        ("500万円", "5000000", "JPY"),
        ("予算は500万円くらい", "5000000", "JPY"),
        ("五百万円", "5000000", "JPY"),
        ("予算は五百万円です", "5000000", "JPY"),
        ("1,200万円で合意", "12000000", "JPY"),
        ("1億2000万円の案件", "120000000", "JPY"),
        ("３００万で進めたい", "3000000", "JPY"),  # 万 without 円 is still yen
        ("¥3,000,000", "3000000", "JPY"),
        ("50万ドル", "500000", "USD"),
    ],
)
def test_find_amount_in_text_finds_spoken_amounts(text: str, value: str, currency: str | None) -> None:
    assert find_amount_in_text(text) == _amount(value, currency)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("they have 2 million users and a budget of $60k", "60000", "USD"),
        ("3万人のユーザーで予算は200万円", "2000000", "JPY"),
        ("50k seats, 1.2 million dollars", "1200000", "USD"),
    ],
)
def test_find_amount_in_text_prefers_an_amount_with_a_currency(text: str, value: str, currency: str) -> None:
    assert find_amount_in_text(text) == _amount(value, currency)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nothing to report",
        "call them on 12/15 at 5pm",
        "we met 3 people in 2026",
        "3万人のユーザー",  # people, not yen
        "千葉の案件",  # Chiba, not 1000
        "一緒に十分検討します",
        "万が一に備えて",
        "one of our best leads",
        "the point is they want it",
        "Q4 is busy",
        "all 5000 people",  # `all` is the lek's code, but only in capitals
        "$",
    ],
)
def test_find_amount_in_text_returns_none_without_an_amount(text: str) -> None:
    assert find_amount_in_text(text) is None


@given(st.text(max_size=80))
def test_parse_amount_returns_an_amount_or_raises_parse_error(text: str) -> None:
    try:
        amount = parse_amount(text)
    except ParseError as error:
        assert error.code == "bad_amount"
    else:
        assert 0 <= amount.value <= Decimal(10) ** 15
        assert amount.value.is_finite()


@given(st.text(alphabet="0123456789,.kKmMbn万億千百十一二五$¥円 USDJPY", max_size=20))
def test_parse_amount_on_amount_like_text_never_fails_unexpectedly(text: str) -> None:
    try:
        parse_amount(text)
    except ParseError as error:
        assert error.code == "bad_amount"


@given(st.text(max_size=200))
def test_find_amount_in_text_never_raises(text: str) -> None:
    found = find_amount_in_text(text)
    assert found is None or 0 <= found.value <= Decimal(10) ** 15


@given(st.decimals(min_value=0, max_value=10**12, places=2))
def test_parse_amount_reads_back_any_plain_decimal(value: Decimal) -> None:
    assert parse_amount(f"{value:f}").value == value

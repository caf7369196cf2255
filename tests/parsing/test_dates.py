"""Dates as typed in a field and as said in a voice memo, English and Japanese, from a fixed today."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.parsing.dates import find_date_in_text, parse_date

MONDAY = date(2026, 11, 23)  # the fixed "today" of most tests
FRIDAY = date(2026, 11, 27)
NEW_YEARS_EVE = date(2026, 12, 31)


def _expect(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("2026/12/15", date(2026, 12, 15)),
        ("2026.12.15", date(2026, 12, 15)),
        ("2027-1-5", date(2027, 1, 5)),
        ("１２/１５", date(2026, 12, 15)),  # full-width digits
        ("12/15", date(2026, 12, 15)),
        ("11/23", date(2026, 11, 23)),  # today is not "past"
        ("11/20", date(2027, 11, 20)),  # already past this year → next year
        ("1/5", date(2027, 1, 5)),
        ("12/15/2026", date(2026, 12, 15)),
        ("2025-06-01", date(2025, 6, 1)),  # the past is allowed
    ],
)
def test_parse_date_reads_numeric_dates_month_first(text: str, expected: date) -> None:
    _expect(text, MONDAY, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", date(2026, 11, 24)),
        ("Tomorrow", date(2026, 11, 24)),
        ("today", MONDAY),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in two weeks", date(2026, 12, 7)),
        ("in 3 days", date(2026, 11, 26)),
        ("in a week", date(2026, 11, 30)),
        ("in 2 months", date(2027, 1, 23)),
        ("dec 15", date(2026, 12, 15)),
        ("Dec 15", date(2026, 12, 15)),
        ("December 15th", date(2026, 12, 15)),
        ("15 Dec 2026", date(2026, 12, 15)),
        ("15th of december", date(2026, 12, 15)),
        ("jan 5", date(2027, 1, 5)),
        ("nov 20", date(2027, 11, 20)),  # dateparser prefers the future
        ("day after tomorrow", date(2026, 11, 25)),
    ],
)
def test_parse_date_reads_english_through_dateparser(text: str, expected: date) -> None:
    _expect(text, MONDAY, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of month", date(2026, 11, 30)),
        ("End of the month", date(2026, 11, 30)),
        ("end of this month", date(2026, 11, 30)),
        ("eom", date(2026, 11, 30)),
        ("EOM", date(2026, 11, 30)),
        ("end of next month", date(2026, 12, 31)),
        ("end of quarter", date(2026, 12, 31)),
        ("end of the quarter", date(2026, 12, 31)),
        ("eoq", date(2026, 12, 31)),
        ("end of next quarter", date(2027, 3, 31)),
        ("end of year", date(2026, 12, 31)),
        ("eoy", date(2026, 12, 31)),
        ("end of january", date(2027, 1, 31)),
        ("end of Feb", date(2027, 2, 28)),
        ("end of november", date(2026, 11, 30)),
        ("end of october", date(2027, 10, 31)),  # already past → next year
        ("end of january 2028", date(2028, 1, 31)),
        ("end of week", FRIDAY),
        ("eow", FRIDAY),
        ("next week", date(2026, 11, 30)),  # Monday of next week
        ("next month", date(2026, 12, 1)),
        ("next year", date(2027, 1, 1)),
    ],
)
def test_parse_date_reads_ends_and_starts_of_periods(text: str, expected: date) -> None:
    _expect(text, MONDAY, expected)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("friday", MONDAY, FRIDAY),
        ("Friday", MONDAY, FRIDAY),
        ("fri", MONDAY, FRIDAY),
        ("Fri.", MONDAY, FRIDAY),
        ("this friday", MONDAY, FRIDAY),
        ("next friday", MONDAY, FRIDAY),  # the next Friday to come
        ("monday", MONDAY, MONDAY),  # today counts
        ("next monday", MONDAY, date(2026, 11, 30)),  # "next" never means today
        ("tuesday", MONDAY, date(2026, 11, 24)),
        ("sunday", MONDAY, date(2026, 11, 29)),
        ("friday", FRIDAY, FRIDAY),
        ("next friday", FRIDAY, date(2026, 12, 4)),
        ("thursday", FRIDAY, date(2026, 12, 3)),
        ("end of week", date(2026, 11, 28), date(2026, 12, 4)),  # Saturday → next Friday
    ],
)
def test_parse_date_reads_english_weekdays(text: str, today: date, expected: date) -> None:
    _expect(text, today, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("月末", date(2026, 11, 30)),
        ("今月末", date(2026, 11, 30)),
        ("来月末", date(2026, 12, 31)),
        ("再来月末", date(2027, 1, 31)),
        ("1月末", date(2027, 1, 31)),
        ("11月末", date(2026, 11, 30)),
        ("10月末", date(2027, 10, 31)),
        ("2027年2月末", date(2027, 2, 28)),
        ("年末", date(2026, 12, 31)),
        ("今年末", date(2026, 12, 31)),
        ("来年末", date(2027, 12, 31)),
        ("2028年末", date(2028, 12, 31)),
        ("四半期末", date(2026, 12, 31)),
        ("今四半期末", date(2026, 12, 31)),
        ("期末", date(2026, 12, 31)),
        ("年度末", date(2027, 3, 31)),  # the Japanese fiscal year ends in March
    ],
)
def test_parse_date_reads_japanese_period_ends(text: str, expected: date) -> None:
    _expect(text, MONDAY, expected)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("金曜", MONDAY, FRIDAY),
        ("金曜日", MONDAY, FRIDAY),
        ("今週金曜", MONDAY, FRIDAY),
        ("今週の金曜日", MONDAY, FRIDAY),
        ("来週金曜", MONDAY, date(2026, 12, 4)),  # Friday of next week, not this Friday
        ("来週の金曜日", MONDAY, date(2026, 12, 4)),
        ("来週 金曜", MONDAY, date(2026, 12, 4)),
        ("再来週の月曜", MONDAY, date(2026, 12, 7)),
        ("月曜", MONDAY, MONDAY),  # today counts
        ("月曜日", MONDAY, MONDAY),
        ("次の月曜", MONDAY, date(2026, 11, 30)),
        ("今度の金曜", MONDAY, FRIDAY),
        ("日曜", MONDAY, date(2026, 11, 29)),
        ("金曜", FRIDAY, FRIDAY),
        ("来週金曜", FRIDAY, date(2026, 12, 4)),
        ("今週月曜", FRIDAY, MONDAY),  # this week's Monday, already past: allowed
        ("来週", MONDAY, date(2026, 11, 30)),
        ("来週", FRIDAY, date(2026, 11, 30)),
        ("再来週", MONDAY, date(2026, 12, 7)),
        ("ｆｒｉｄａｙ", MONDAY, FRIDAY),
    ],
)
def test_parse_date_reads_japanese_weeks_and_weekdays(text: str, today: date, expected: date) -> None:
    _expect(text, today, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今日", MONDAY),
        ("本日", MONDAY),
        ("明日", date(2026, 11, 24)),
        ("あした", date(2026, 11, 24)),
        ("明後日", date(2026, 11, 25)),
        ("あさって", date(2026, 11, 25)),
        ("12月15日", date(2026, 12, 15)),
        ("12月15", date(2026, 12, 15)),
        ("１２月１５日", date(2026, 12, 15)),
        ("11月20日", date(2027, 11, 20)),  # already past → next year (not 2112)
        ("2026年12月15日", date(2026, 12, 15)),
        ("2025年1月5日", date(2025, 1, 5)),
        ("3日後", date(2026, 11, 26)),
        ("三日後", date(2026, 11, 26)),
        ("2週間後", date(2026, 12, 7)),
        ("1ヶ月後", date(2026, 12, 23)),
        ("3か月後", date(2027, 2, 23)),
        ("1年後", date(2027, 11, 23)),
        ("来月", date(2026, 12, 1)),
        ("再来月", date(2027, 1, 1)),
        ("来月15日", date(2026, 12, 15)),
        ("来年", date(2027, 1, 1)),
    ],
)
def test_parse_date_reads_japanese_days_and_offsets(text: str, expected: date) -> None:
    _expect(text, MONDAY, expected)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("end of next month", date(2026, 1, 31), date(2026, 2, 28)),
        ("1ヶ月後", date(2026, 1, 31), date(2026, 2, 28)),  # clamped to the month's end
        ("来月末", date(2026, 12, 5), date(2027, 1, 31)),
        ("next month", NEW_YEARS_EVE, date(2027, 1, 1)),
        ("end of quarter", date(2026, 2, 10), date(2026, 3, 31)),
        ("end of quarter", date(2026, 6, 30), date(2026, 6, 30)),
        ("end of next quarter", date(2026, 11, 1), date(2027, 3, 31)),
        ("end of month", NEW_YEARS_EVE, NEW_YEARS_EVE),
        ("12/15", date(2026, 12, 16), date(2027, 12, 15)),
        ("12月15日", date(2026, 12, 16), date(2027, 12, 15)),
        ("1月末", date(2027, 1, 31), date(2027, 1, 31)),
        ("年度末", date(2027, 2, 1), date(2027, 3, 31)),
        ("next week", date(2026, 11, 29), date(2026, 11, 30)),  # from a Sunday
    ],
)
def test_parse_date_handles_month_quarter_and_year_boundaries(text: str, today: date, expected: date) -> None:
    _expect(text, today, expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "soon",
        "asap",
        "tbd",
        "5",
        "15",
        "2026",
        "a",
        "1.5",
        "-1",
        "2026-13-01",
        "2026-02-30",
        "2026-12-15-01",
        "13/1",
        "15/12/2026",
        "2/30",
        "12-15",
        "12月",
        "13月1日",
        "2月30日",
        "来週の金",
        "99999日後",  # more than 50 years away
        "3000-01-01",
        "next " * 20,
    ],
)
def test_parse_date_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, MONDAY)
    assert caught.value.code == "bad_date"
    assert caught.value.params == {"value": text}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("push to the end of January", date(2027, 1, 31)),
        ("they want to close by end of month", date(2026, 11, 30)),
        ("close by next friday", FRIDAY),
        ("Close by Friday, they said", FRIDAY),
        ("by December 15th", date(2026, 12, 15)),
        ("they said 15th of december probably", date(2026, 12, 15)),
        ("signing on dec 15, 2026 at the latest", date(2026, 12, 15)),
        ("follow up tomorrow", date(2026, 11, 24)),
        ("decision in 2 weeks", date(2026, 12, 7)),
        ("decision in two weeks", date(2026, 12, 7)),
        ("let's target next week", date(2026, 11, 30)),
        ("target 12/20 for signature", date(2026, 12, 20)),
        ("contract by 2027-01-15", date(2027, 1, 15)),
        ("来月末", date(2026, 12, 31)),
        ("来月末までに契約したいとのこと", date(2026, 12, 31)),
        ("来週金曜までに見積を送る", date(2026, 12, 4)),
        ("先方は12月15日に決裁予定", date(2026, 12, 15)),
        ("2週間後に再訪問", date(2026, 12, 7)),
        ("年度末までに導入したい", date(2027, 3, 31)),
        ("５０/５０ chance, signing 12/20", date(2026, 12, 20)),  # 50/50 is not a date
    ],
)
def test_find_date_in_text_finds_spoken_dates(text: str, expected: date) -> None:
    assert find_date_in_text(text, MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("met them today, they want to close friday", FRIDAY),  # "today" is when, not the date
        ("今日話した。来週金曜に決裁", date(2026, 12, 4)),
        ("end of next month, not next month", date(2026, 12, 31)),  # the longest phrase wins
    ],
)
def test_find_date_in_text_takes_the_first_meaningful_phrase(text: str, expected: date) -> None:
    assert find_date_in_text(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no date here",
        "they may go with us",  # `may` with no day
        "it was a sunny day, the sun was out",  # `sun` only counts as a whole field value
        "we met today",
        "half of the team, 50/50 odds",
        "3万人のユーザー",
        "予算は500万円",
    ],
)
def test_find_date_in_text_returns_none_without_a_date(text: str) -> None:
    assert find_date_in_text(text, MONDAY) is None


@settings(deadline=None)
@given(st.text(max_size=40), st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_date_returns_a_date_or_raises_parse_error(text: str, today: date) -> None:
    try:
        found = parse_date(text, today)
    except ParseError as error:
        assert error.code == "bad_date"
    else:
        assert abs(found.year - today.year) <= 50


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "next",
                "end",
                "of",
                "the",
                "month",
                "friday",
                "金曜",
                "来週",
                "月末",
                "12",
                "/",
                "15",
                "月",
                "日",
                "後",
                "in",
                "2",
                "weeks",
                "dec",
                "年",
                " ",
                "-",
            ]
        ),
        max_size=6,
    ).map("".join)
)
def test_parse_date_on_date_like_text_never_fails_unexpectedly(text: str) -> None:
    try:
        parse_date(text, MONDAY)
    except ParseError as error:
        assert error.code == "bad_date"


@settings(deadline=None)
@given(st.text(max_size=120))
def test_find_date_in_text_never_raises(text: str) -> None:
    found = find_date_in_text(text, MONDAY)
    assert found is None or abs(found.year - MONDAY.year) <= 50

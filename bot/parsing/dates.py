"""Reading dates people type or say: `2026-12-15`, `12/15`, `next friday`, `end of month`, `来週金曜`, `月末`.

Phrases dateparser lacks or gets wrong (end of a period, Japanese, weekdays, numeric dates) are
rules here, tried first; other English (`in 2 weeks`, `tomorrow`, `dec 15`) goes to dateparser.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from bot.errors import ParseError
from bot.parsing.amounts import parse_number
from bot.parsing.tokens import normalize

_MAX_LENGTH = 64
_MAX_YEARS_AWAY = 50  # dateparser reads `12月15日` as 2112; nobody closes a deal that far out
_DATEPARSER_SETTINGS = {"PREFER_DATES_FROM": "future"}
_LANGUAGES = ["en", "ja"]

_MONTHS = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_JAPANESE_WEEKDAYS = "月火水木金土日"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = "(?:" + "|".join(_WEEKDAYS) + ")"
_WEEKDAY_ABBREVIATION = r"(?:mon|tues?|wed|weds|thu|thur|thurs|fri|sat|sun)\.?"
_KANJI_COUNT = "〇一二三四五六七八九十百"
_RELATIVE_PREFIX = {None: 0, "今": 0, "来": 1, "再来": 2}

Resolver = Callable[[re.Match[str], date], date]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: Resolver


_RULES: list[_Rule] = []  # typed values and free text
_FIELD_ONLY_RULES: list[_Rule] = []  # whole values only: `fri`, `sun` and `today` mislead in speech
_SPOKEN_RULES: list[_Rule] = []  # free text only: English phrases cut out and given to dateparser


def _rule(pattern: str, into: list[_Rule] = _RULES) -> Callable[[Resolver], Resolver]:
    def register(resolve: Resolver) -> Resolver:
        into.append(_Rule(re.compile(pattern), resolve))
        return resolve

    return register


def parse_date(text: str, today: date) -> date:
    """The date `text` means, seen from `today`; ParseError("bad_date") if none or implausible.

    Past dates are returned as they are: a rep may record what really happened.
    """
    clean = normalize(text).casefold()
    found: date | None = None
    if 0 < len(clean) <= _MAX_LENGTH:
        try:
            found = _whole_value(clean, today)
        except (ValueError, OverflowError):
            found = None
    if found is None or not _plausible(found, today):
        raise ParseError("bad_date", value=text)
    return found


def find_date_in_text(text: str, today: date) -> date | None:
    """The first date said in free text (`push to the end of January`, `来月末`), or None."""
    clean = normalize(text).casefold()
    matches = [(match, rule) for rule in (*_RULES, *_SPOKEN_RULES) for match in rule.pattern.finditer(clean)]
    matches.sort(key=lambda pair: (pair[0].start(), -len(pair[0].group(0))))
    for match, rule in matches:
        try:
            found = rule.resolve(match, today)
        except (ValueError, OverflowError):
            continue
        if _plausible(found, today):
            return found
    return None


def _whole_value(clean: str, today: date) -> date | None:
    for rule in (*_RULES, *_FIELD_ONLY_RULES):
        match = rule.pattern.fullmatch(clean)
        if match is not None:
            return rule.resolve(match, today)
    if not re.search(r"[a-z]{3}", clean):
        return None  # dateparser turns bare numbers and single letters (`5`, `a`) into dates
    return _dateparser(clean, today)


def _dateparser(text: str, today: date) -> date | None:
    settings = {**_DATEPARSER_SETTINGS, "RELATIVE_BASE": datetime.combine(today, time(12))}
    parsed = dateparser.parse(text, languages=_LANGUAGES, settings=settings)
    return parsed.date() if parsed is not None else None


def _plausible(found: date, today: date) -> bool:
    return abs(found.year - today.year) <= _MAX_YEARS_AWAY


# --- calendar arithmetic -------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month_index + 1, min(day.day, calendar.monthrange(year, month_index + 1)[1]))


def _upcoming(today: date, in_year: Callable[[int], date]) -> date:
    """This year's date, or next year's if this year's has passed (today still counts)."""
    this_year = in_year(today.year)
    return this_year if this_year >= today else in_year(today.year + 1)


def _in_year(year: str | None, today: date, in_year: Callable[[int], date]) -> date:
    return in_year(int(year)) if year else _upcoming(today, in_year)


def _coming_weekday(today: date, weekday: int, *, after_today: bool = False) -> date:
    days = (weekday - today.weekday()) % 7
    return today + timedelta(days=7 if days == 0 and after_today else days)


def _weekday_in_week(today: date, weekday: int, weeks_ahead: int) -> date:
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks_ahead, days=weekday)


def _quarter_end(today: date, quarters_ahead: int) -> date:
    first = _shift_months(date(today.year, (today.month - 1) // 3 * 3 + 1, 1), 3 * quarters_ahead)
    return _month_end(first.year, first.month + 2)


def _month_number(name: str) -> int:
    return next(n for n, month in enumerate(_MONTHS, 1) if month.startswith(name[:3]))


def _weekday_number(name: str) -> int:
    return next(n for n, day in enumerate(_WEEKDAYS) if day.startswith(name[:3]))


def _count(text: str) -> int:
    value = parse_number(text)
    if value is None or value != int(value):
        raise ValueError(text)
    return int(value)


# --- English -------------------------------------------------------------------------------


@_rule(r"\b(?:end of (?:the )?(?:this )?month|eom)\b")
def _end_of_month(match: re.Match[str], today: date) -> date:
    return _month_end(today.year, today.month)


@_rule(r"\bend of (?:the )?next month\b")
def _end_of_next_month(match: re.Match[str], today: date) -> date:
    following = _shift_months(today.replace(day=1), 1)
    return _month_end(following.year, following.month)


@_rule(r"\b(?:end of (?:the )?(?:this )?quarter|eoq)\b")
def _end_of_quarter(match: re.Match[str], today: date) -> date:
    return _quarter_end(today, 0)


@_rule(r"\bend of (?:the )?next quarter\b")
def _end_of_next_quarter(match: re.Match[str], today: date) -> date:
    return _quarter_end(today, 1)


@_rule(r"\b(?:end of (?:the )?(?:this )?year|eoy|year[- ]end)\b")
def _end_of_year(match: re.Match[str], today: date) -> date:
    return date(today.year, 12, 31)


@_rule(rf"\bend of ({_MONTH})(?:,? (\d{{4}}))?\b")
def _end_of_named_month(match: re.Match[str], today: date) -> date:
    month = _month_number(match.group(1))
    return _in_year(match.group(2), today, lambda year: _month_end(year, month))


@_rule(r"\b(?:end of (?:the )?(?:this )?week|eow)\b")
def _end_of_week(match: re.Match[str], today: date) -> date:
    return _coming_weekday(today, calendar.FRIDAY)


@_rule(r"\bnext (week|month|year)\b")
def _start_of_next(match: re.Match[str], today: date) -> date:
    """`next week` is Monday of next week; `next month`/`next year` start on the 1st."""
    unit = match.group(1)
    if unit == "week":
        return _weekday_in_week(today, 0, 1)
    if unit == "month":
        return _shift_months(today.replace(day=1), 1)
    return date(today.year + 1, 1, 1)


def _english_weekday(match: re.Match[str], today: date) -> date:
    """`friday`/`this friday`: the coming one, today included; `next friday`: after today."""
    which, name = match.group(1), match.group(2)
    return _coming_weekday(today, _weekday_number(name), after_today=which == "next")


_rule(rf"\b(?:(this|next|coming) )?({_WEEKDAY})\b")(_english_weekday)
_rule(rf"(?:(this|next|coming) )?({_WEEKDAY_ABBREVIATION})", _FIELD_ONLY_RULES)(_english_weekday)


@_rule(r"(?<![\d/.-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-])")
def _iso_date(match: re.Match[str], today: date) -> date:
    return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))


@_rule(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/.-])")
def _month_slash_day(match: re.Match[str], today: date) -> date:
    """`12/15` (this year, or next once passed) and `12/15/2026`: month first, as in the US and Japan."""
    month, day = int(match.group(1)), int(match.group(2))
    return _in_year(match.group(3), today, lambda year: date(year, month, day))


@_rule(r"\b(?:(?:the )?day after tomorrow|tomorrow)\b", _SPOKEN_RULES)
@_rule(
    r"\bin (?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) "
    r"(?:days?|weeks?|months?)\b",
    _SPOKEN_RULES,
)
@_rule(rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?\b(?:,? \d{{4}}\b)?", _SPOKEN_RULES)
@_rule(rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}\b(?:,? \d{{4}}\b)?", _SPOKEN_RULES)
def _spoken_english(match: re.Match[str], today: date) -> date:
    found = _dateparser(match.group(0), today)
    if found is None:
        raise ValueError(match.group(0))
    return found


# --- Japanese ------------------------------------------------------------------------------


@_rule(r"(?:(\d{4})年)?(?<!\d)(\d{1,2})月(\d{1,2})日?(?!\d)")
def _japanese_month_day(match: re.Match[str], today: date) -> date:
    month, day = int(match.group(2)), int(match.group(3))
    return _in_year(match.group(1), today, lambda year: date(year, month, day))


@_rule(r"(?:(\d{4})年)?(?<!\d)(\d{1,2})月末")
def _japanese_named_month_end(match: re.Match[str], today: date) -> date:
    month = int(match.group(2))
    return _in_year(match.group(1), today, lambda year: _month_end(year, month))


@_rule(r"(今|来|再来)?月末")
def _japanese_month_end(match: re.Match[str], today: date) -> date:
    month = _shift_months(today.replace(day=1), _RELATIVE_PREFIX[match.group(1)])
    return _month_end(month.year, month.month)


@_rule(r"(?:(今|来|再来)|(\d{4}))?年末")
def _japanese_year_end(match: re.Match[str], today: date) -> date:
    year = int(match.group(2)) if match.group(2) else today.year + _RELATIVE_PREFIX[match.group(1)]
    return date(year, 12, 31)


@_rule(r"年度末")
def _fiscal_year_end(match: re.Match[str], today: date) -> date:
    return _upcoming(today, lambda year: date(year, 3, 31))


@_rule(r"(?:今|この)?(?:四半期|期)末")
def _japanese_quarter_end(match: re.Match[str], today: date) -> date:
    return _quarter_end(today, 0)


@_rule(r"(?:(今|来|再来)週 ?の? ?|(次の|今度の|この) ?)?([月火水木金土日])曜日?")
def _japanese_weekday(match: re.Match[str], today: date) -> date:
    """`来週金曜` is Friday of next week; `金曜`/`今度の金曜` the coming one (today counts)."""
    week, which, day = match.group(1), match.group(2), match.group(3)
    weekday = _JAPANESE_WEEKDAYS.index(day)
    if week is not None:
        return _weekday_in_week(today, weekday, _RELATIVE_PREFIX[week])
    return _coming_weekday(today, weekday, after_today=which == "次の")


@_rule(r"(来|再来)週")
def _japanese_next_week(match: re.Match[str], today: date) -> date:
    return _weekday_in_week(today, 0, _RELATIVE_PREFIX[match.group(1)])


@_rule(r"(今|来|再来)月(\d{1,2})日")
def _japanese_day_of_month(match: re.Match[str], today: date) -> date:
    month = _shift_months(today.replace(day=1), _RELATIVE_PREFIX[match.group(1)])
    return month.replace(day=int(match.group(2)))


@_rule(r"(来|再来)月")
def _japanese_next_month(match: re.Match[str], today: date) -> date:
    return _shift_months(today.replace(day=1), _RELATIVE_PREFIX[match.group(1)])


@_rule(r"(来|再来)年")
def _japanese_next_year(match: re.Match[str], today: date) -> date:
    return date(today.year + _RELATIVE_PREFIX[match.group(1)], 1, 1)


@_rule(r"今日|本日|きょう", _FIELD_ONLY_RULES)
@_rule(r"明日|あした")
@_rule(r"明後日|あさって")
def _japanese_day(match: re.Match[str], today: date) -> date:
    offsets = {"今日": 0, "本日": 0, "きょう": 0, "明日": 1, "あした": 1, "明後日": 2, "あさって": 2}
    return today + timedelta(days=offsets[match.group(0)])


@_rule(rf"(?<![\d{_KANJI_COUNT}])(\d{{1,4}}|[{_KANJI_COUNT}]+) ?(日|週間|週|か月|ヶ月|ケ月|カ月|ヵ月|年)後")
def _japanese_later(match: re.Match[str], today: date) -> date:
    """`3日後`, `2週間後`, `三ヶ月後`, `1年後`."""
    count, unit = _count(match.group(1)), match.group(2)
    if unit == "日":
        return today + timedelta(days=count)
    if unit.startswith("週"):
        return today + timedelta(weeks=count)
    return _shift_months(today, count * (12 if unit == "年" else 1))

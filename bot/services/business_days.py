"""Business days: which calendar days reminders may go out on in the team's country.

Weekends (Saturday, Sunday) are never business days; neither are the public holidays of the
team's country, taken from the maintained `holidays` library (Japan, the US and ~200 more).

The country is `DEALBOT_HOLIDAYS_COUNTRY` (an ISO 3166 code, or `none` for weekends only).
Left unset, it is derived from `DEALBOT_TIMEZONE` for the zones listed in `_COUNTRY_OF_ZONE`
(Asia/Tokyo → JP, the US zones → US, …); any other zone, UTC included, means weekends only.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

NO_HOLIDAYS = "none"

_COUNTRY_OF_ZONE: dict[str, str] = {
    "Asia/Tokyo": "JP",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Phoenix": "US",
    "America/Los_Angeles": "US",
    "America/Anchorage": "US",
    "America/Detroit": "US",
    "America/Indiana/Indianapolis": "US",
    "Pacific/Honolulu": "US",
    "Europe/London": "GB",
    "Europe/Berlin": "DE",
    "Europe/Paris": "FR",
    "Asia/Seoul": "KR",
    "Asia/Singapore": "SG",
    "Australia/Sydney": "AU",
    "America/Toronto": "CA",
}


def country_of_zone(zone: str) -> str | None:
    """The country whose holidays a team in `zone` keeps, when the zone says it unambiguously."""
    return _COUNTRY_OF_ZONE.get(zone)


class BusinessCalendar:
    """Weekdays that are not public holidays of `country` (None: every weekday is one)."""

    def __init__(self, country: str | None) -> None:
        self.country = country

    @cached_property
    def _holidays(self) -> dict[date, str]:
        if self.country is None:
            return {}
        import holidays  # loaded only when a country is set

        # A lazily filled, year-by-year calendar: `in` adds the year it is asked about.
        return holidays.country_holidays(self.country)

    def holiday(self, day: date) -> str | None:
        """The holiday's name on `day`, or None."""
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

"""Turning values into Slack text: escaping, clipping to Slack's limits, dates, money, stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.i18n import stage_label, t
from bot.money import Money, format_money

if TYPE_CHECKING:
    from storage.models import Deal

# Slack's limits for the text of a few block elements.
SECTION_TEXT = 3000
FIELD_TEXT = 2000
BUTTON_TEXT = 75
HEADER_TEXT = 150
CONTEXT_TEXT = 2000
OPTION_TEXT = 75
MESSAGE_TEXT = 3000


def escape(text: str) -> str:
    """Slack's three control characters, so user text can never become a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str | None, limit: int = SECTION_TEXT) -> str:
    """User text, clipped then escaped (clip first so an entity is never cut in half)."""
    return escape(clip(text or "", limit))


def mention(user_id: str) -> str:
    # Only ids Slack gave us are rendered as mentions; anything else is shown as text.
    return f"<@{user_id}>" if user_id.isalnum() else escape(user_id)


@lru_cache(maxsize=4096)
def _medium_date(value: date, locale: str) -> str:
    # Babel is slow per call and a list shows the same few dates again and again.
    return format_date(value, format="medium", locale="ja_JP" if locale == "ja" else "en_US")


@dataclass(frozen=True)
class Display:
    """How to show values to this team: language and time zone."""

    locale: str
    tz: tzinfo

    def t(self, key: str, /, **params: object) -> str:
        return t(self.locale, key, **params)

    def stage(self, key: str) -> str:
        return stage_label(self.locale, key)

    def money(self, amount: int | None, currency: str) -> str:
        if amount is None:
            return "—"
        return format_money(Money(amount, currency), self.locale)

    def date(self, value: date | None) -> str:
        return "—" if value is None else _medium_date(value, self.locale)

    def when(self, moment: datetime) -> str:
        """A moment in the team's zone, e.g. `Nov 23, 2026 14:05`."""
        local = moment.astimezone(self.tz)
        return f"{self.date(local.date())} {local:%H:%M}"

    def deal_line(self, deal: Deal) -> str:
        """One line per deal in lists: `#12 Name · Company · Stage · $50,000 · Dec 15 · @owner`."""
        parts = [f"*#{deal.id} {safe(deal.name, 200)}*"]
        if deal.company:
            parts.append(safe(deal.company, 200))
        parts.append(self.stage(deal.stage))
        parts.append(self.money(deal.amount, deal.currency))
        if deal.close_date:
            parts.append(self.date(deal.close_date))
        parts.append(mention(deal.owner))
        return " · ".join(parts)

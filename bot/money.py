"""Money: amounts as integers in minor units plus an ISO 4217 currency, and their display."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies

_KNOWN = frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    return code.upper() in _KNOWN


def exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (USD 2, JPY 0)."""
    return int(get_currency_precision(currency.upper()))


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def from_major(cls, major: Decimal | int | str, currency: str) -> Money:
        scale = Decimal(10) ** exponent(currency)
        minor = (Decimal(major) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(minor), currency.upper())

    @property
    def major(self) -> Decimal:
        return Decimal(self.minor) / (Decimal(10) ** exponent(self.currency))


_BABEL_LOCALE = {"en": Locale.parse("en_US"), "ja": Locale.parse("ja_JP")}


def format_money(money: Money, locale: str = "en") -> str:
    """`$60,000`, `$1,250.50`, `¥5,000,000`: cents only when there are some."""
    major = money.major
    whole = major == major.to_integral_value()
    pattern = "¤#,##0" if whole else None
    text = format_currency(
        major,
        money.currency,
        format=pattern,
        locale=_BABEL_LOCALE.get(locale, _BABEL_LOCALE["en"]),
        currency_digits=not whole,
    )
    # Babel's ja_JP uses the full-width yen sign; teams write the ordinary one.
    return text.replace("\uffe5", "\u00a5")

"""Money: amounts as integers in minor units plus an ISO 4217 currency, and their display."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

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
    prefix, suffix = _affixes(money.currency, locale)
    if major == major.to_integral_value():
        return f"{prefix}{int(major):,}{suffix}"
    return f"{prefix}{major:,.{exponent(money.currency)}f}{suffix}"


@lru_cache(maxsize=256)
def _affixes(currency: str, locale: str) -> tuple[str, str]:
    """The text Babel puts around the number for this currency and locale (`$`, `CHF\xa0`).

    Asking Babel once per currency and reusing its answer keeps lists of deals fast; both
    supported locales group digits with `,` and use `.` for decimals, as Python's `:,` does.
    """
    sample = format_currency(
        1,
        currency,
        format="¤#,##0",
        locale=_BABEL_LOCALE.get(locale, _BABEL_LOCALE["en"]),
        currency_digits=False,
    )
    prefix, _, suffix = sample.partition("1")
    # Babel's ja_JP uses the full-width yen sign; teams write the ordinary one.
    return prefix.replace("\uffe5", "\u00a5"), suffix


def stored_amount(minor: object, currency: str) -> str | None:
    """Amounts go into history as `60000 USD` (major units), readable without the deal."""
    if minor is None:
        return None
    return f"{Money(int(str(minor)), currency).major} {currency}"


def parse_stored_amount(value: str) -> Money:
    major, _, currency = value.partition(" ")
    return Money.from_major(major, currency)

"""The values a deal use case takes: field changes, a deal reference, a list query. Plain data.

The services own these types; every entry point produces them (the `/deal` parser, the modal
reader, imports, memo suggestions, button values), so the services import no parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Ref:
    """A deal reference: `#12`/`12` (number) or the start of a name (text)."""

    number: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Amount:
    """An amount as given: major units, and the currency if the text implied one (`$`, `円`)."""

    value: Decimal
    currency: str | None = None


@dataclass(frozen=True)
class DealFields:
    """Field values given in a command; None means "not given"."""

    name: str | None = None
    company: str | None = None
    owner: str | None = None  # Slack user id
    stage: str | None = None  # stage key
    probability: int | None = None
    amount: Amount | None = None
    currency: str | None = None
    close_date: date | None = None
    next_step: str | None = None
    next_step_due: date | None = None

    def given(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


Scope = Literal["mine", "all", "stale"]


@dataclass(frozen=True)
class ListQuery:
    """Which open deals to list: the user's (`mine`), everyone's, or the stale ones; by stage/owner."""

    scope: Scope = "mine"
    stage: str | None = None
    owner: str | None = None  # Slack user id


def without_nul(text: str) -> str:
    """NUL is the one character PostgreSQL text cannot hold; nobody types it on purpose."""
    return text.replace("\x00", "")

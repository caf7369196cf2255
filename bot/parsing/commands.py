"""What a parsed `/deal` command asks for: plain data, no Slack and no database."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """An amount as typed: major units, and the currency if the text implied one (`$`, `円`)."""

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


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenNewDealModal:
    pass


@dataclass(frozen=True)
class NewDeal:
    name: str
    fields: DealFields = field(default_factory=DealFields)


@dataclass(frozen=True)
class UpdateDeal:
    ref: Ref
    fields: DealFields


@dataclass(frozen=True)
class AddNote:
    ref: Ref
    text: str


@dataclass(frozen=True)
class MarkWon:
    ref: Ref


@dataclass(frozen=True)
class MarkLost:
    ref: Ref
    reason: str | None = None


@dataclass(frozen=True)
class ShowDeal:
    ref: Ref


@dataclass(frozen=True)
class ListDeals:
    scope: Literal["mine", "all", "stale"] = "mine"
    stage: str | None = None
    owner: str | None = None  # Slack user id


@dataclass(frozen=True)
class FindDeals:
    text: str


Command = (
    Help
    | OpenNewDealModal
    | NewDeal
    | UpdateDeal
    | AddNote
    | MarkWon
    | MarkLost
    | ShowDeal
    | ListDeals
    | FindDeals
)

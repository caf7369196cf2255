"""What a parsed `/deal` command asks for: plain data, no Slack and no database.

The values inside (`DealFields`, `Ref`, `ListQuery`) are the services' own types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.fields import DealFields, ListQuery, Ref


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


# `/deal list …` asks exactly for a list query.
ListDeals = ListQuery


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

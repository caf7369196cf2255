"""What buttons and forms carry through Slack, as small typed values: encoded and decoded here only.

A button's `value` and a modal's `private_metadata` come back in a request that anyone holding a
signed payload could have edited, so `decode` is as strict as typed input: anything dealbot did
not issue raises `StaleAction` (the person is told the button is out of date), never a
traceback. Formats are compact, because Slack caps a button value at 2,000 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.errors import StaleAction
from bot.services.fields import Amount, DealFields

_ID = re.compile(r"[1-9][0-9]{0,17}")
MAX_ID = 2**63 - 1


def _id(text: str, what: str) -> int:
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise StaleAction(what)
    return int(text)


@dataclass(frozen=True)
class DealButton:
    """A button on one deal (Edit, Add note, Won, Lost, Show, Snooze, Log update): `12`."""

    deal_id: int

    def encode(self) -> str:
        return str(self.deal_id)

    @classmethod
    def decode(cls, raw: object) -> Self:
        return cls(_id(str(raw), "deal button"))


@dataclass(frozen=True)
class PickButton:
    """A deal chosen after an ambiguous reference; it finishes the typed command: `12:update acme …`."""

    deal_id: int
    command: str

    def encode(self) -> str:
        return f"{self.deal_id}:{self.command}"

    @classmethod
    def decode(cls, raw: object) -> Self:
        deal_id, sep, command = str(raw).partition(":")
        if not sep:
            raise StaleAction("pick button")
        return cls(_id(deal_id, "pick button"), command)


@dataclass(frozen=True)
class MemoDealButton:
    """File a transcribed memo (job) on this deal: `7:12`."""

    job_id: int
    deal_id: int

    def encode(self) -> str:
        return f"{self.job_id}:{self.deal_id}"

    @classmethod
    def decode(cls, raw: object) -> Self:
        job_id, sep, deal_id = str(raw).partition(":")
        if not sep:
            raise StaleAction("memo deal button")
        return cls(_id(job_id, "memo deal button"), _id(deal_id, "memo deal button"))


@dataclass(frozen=True)
class MemoJobButton:
    """A button about one memo job (New deal from this memo): `7`."""

    job_id: int

    def encode(self) -> str:
        return str(self.job_id)

    @classmethod
    def decode(cls, raw: object) -> Self:
        return cls(_id(str(raw), "memo button"))


class MemoApplyButton(BaseModel):
    """One field update heard in a memo, to apply to a deal. The value is as history stores it
    (`60000 USD`, `2026-12-15`, `proposal`, `40`, text), and goes through the deal rules as if
    typed when applied."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"amount", "close_date", "next_step_due", "probability", "stage", "next_step"}
    )

    deal: int
    field: str
    value: str

    @field_validator("deal")
    @classmethod
    def _deal(cls, value: int) -> int:
        if not 0 < value <= MAX_ID:
            raise ValueError("not a deal id")
        return value

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        if value not in cls.FIELDS:
            raise ValueError("not a suggestible field")
        return value

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, raw: object) -> MemoApplyButton:
        try:
            button = cls.model_validate_json(str(raw))
            button.fields()
        except (ValidationError, ValueError, InvalidOperation):
            raise StaleAction("memo apply button") from None
        return button

    def fields(self) -> DealFields:
        """The change this button applies (ValueError when the value is not of the field's kind)."""
        if self.field == "amount":
            major, _, currency = self.value.partition(" ")
            return DealFields(amount=Amount(Decimal(major), currency or None))
        if self.field == "close_date":
            return DealFields(close_date=date.fromisoformat(self.value))
        if self.field == "next_step_due":
            return DealFields(next_step_due=date.fromisoformat(self.value))
        if self.field == "probability":
            return DealFields(probability=int(self.value))
        if self.field == "stage":
            return DealFields(stage=self.value)
        return DealFields(next_step=self.value)


class ModalMetadata(BaseModel):
    """What a modal carries between opening and submit (`private_metadata`)."""

    model_config = ConfigDict(extra="forbid")

    deal_id: int | None = None
    version: int | None = None
    channel_id: str | None = None
    memo_job_id: int | None = None  # a new deal made from a voice memo gets the memo as its note

    @field_validator("channel_id")
    @classmethod
    def _slack_channel_only(cls, value: str | None) -> str | None:
        # Taken from the request that opened the modal: anything but a Slack id (a forged or
        # garbled payload) is dropped, so the metadata stays within Slack's 3,000 characters
        # and the confirmation goes by DM instead.
        return value if value and value.isalnum() and len(value) <= 32 else None

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, raw: str | None) -> ModalMetadata:
        try:
            return cls.model_validate_json(raw) if raw else cls()
        except ValidationError:
            raise StaleAction("form metadata") from None

    def require_deal(self) -> int:
        if self.deal_id is None:
            raise StaleAction("form without a deal")
        return self.deal_id

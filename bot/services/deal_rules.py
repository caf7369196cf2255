"""What a valid deal is: text limits, field checks and normalisation, a new deal's row, and how a
change is written into history. Pure: no session, no clock of its own.

Every entry point that creates or changes a deal (slash command, modal, button, voice memo,
import) goes through `DealRules`, so a value is accepted or refused the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.errors import InvalidChange
from bot.money import Money, exponent, is_known_currency, stored_amount
from bot.pipeline import LOST, WON, Pipeline, Stage
from bot.services.fields import Amount, DealFields, without_nul
from storage.enums import DealStatus
from storage.models import Deal, lookup_keys

MAX_NAME = 200
MAX_COMPANY = 200
MAX_NEXT_STEP = 500
MAX_REASON = 500
MAX_NOTE = 40_000  # Slack's own limit on a message: whatever a rep can paste fits


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


def status_of(stage_key: str) -> DealStatus:
    """The status a stage implies: won and lost close the deal, every other stage is open."""
    return DealStatus(stage_key) if stage_key in (WON, LOST) else DealStatus.OPEN


def stored(value: object) -> str | None:
    """How a field value is written into history: plain, locale-free text."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def clean_text(value: str, field: str, limit: int, *, required: bool = False) -> str | None:
    """Text as stored: NUL removed, trimmed (a name's inner whitespace runs become one space)."""
    value = without_nul(value)
    value = " ".join(value.split()) if field == "name" else value.strip()
    if not value:
        if required:
            raise InvalidChange("missing_name", field=field)
        return None
    if len(value) > limit:
        raise InvalidChange("too_long", field=field, limit=limit)
    return value


def optional_reason(reason: str | None, field: str) -> str | None:
    """A lost or snooze reason: optional, at most `MAX_REASON` characters."""
    return clean_text(reason or "", field, MAX_REASON)


@dataclass(frozen=True)
class DealRules:
    pipeline: Pipeline
    default_currency: str

    def stage(self, key: str) -> Stage:
        stage = self.pipeline.get(key)
        if stage is None:
            raise InvalidChange(
                "unknown_stage", field="stage", value=key, stages=", ".join(self.pipeline.keys)
            )
        return stage

    def values(
        self, fields: DealFields, *, current_currency: str | None, current_amount: int | None
    ) -> dict[str, object]:
        """The columns `fields` sets (except stage, probability and status), checked and normalised."""
        values: dict[str, object] = {}
        if fields.name is not None:
            values["name"] = clean_text(fields.name, "name", MAX_NAME, required=True)
        if fields.company is not None:
            values["company"] = clean_text(fields.company, "company", MAX_COMPANY)
        if fields.next_step is not None:
            values["next_step"] = clean_text(fields.next_step, "next_step", MAX_NEXT_STEP)
        if fields.owner is not None:
            values["owner"] = fields.owner
        if fields.close_date is not None:
            values["close_date"] = fields.close_date
        if fields.next_step_due is not None:
            values["next_step_due"] = fields.next_step_due
        if fields.probability is not None and not 0 <= fields.probability <= 100:
            raise InvalidChange("bad_probability", field="probability", value=fields.probability)
        currency = self._currency(fields.amount, fields.currency, current_currency)
        if fields.amount is not None:
            values["amount"] = Money.from_major(fields.amount.value, currency).minor
            values["currency"] = currency
        elif fields.currency is not None and currency != current_currency:
            values["currency"] = currency
            if current_amount is not None and current_currency is not None:
                # Keep the amount in major units: $5,000 → ¥5,000, not ¥500,000.
                major = Money(current_amount, current_currency).major
                values["amount"] = Money.from_major(major, currency).minor
        return values

    def new_row(
        self,
        team_id: str,
        actor: str,
        fields: DealFields,
        *,
        moment: datetime,
        status: DealStatus | None = None,
    ) -> dict[str, Any]:
        """Every column of a new deal: the one definition behind `/deal new`, forms and imports.

        `status` (imports only) may close a deal at a stage that does not imply it; by default
        the stage decides. The owner is the creator unless `fields.owner` says otherwise.
        """
        if not fields.name or not fields.name.strip():
            raise InvalidChange("missing_name", field="name")
        stage = self.stage(fields.stage) if fields.stage else self.pipeline.first
        values = self.values(fields, current_currency=None, current_amount=None)
        name = str(values["name"])
        company = values.get("company")
        name_key, search_key = lookup_keys(name, str(company) if company else None)
        return {
            "team_id": team_id,
            "name": name,
            "name_key": name_key,
            "search_key": search_key,
            "company": company,
            "owner": fields.owner or actor,
            "stage": stage.key,
            "amount": values.get("amount"),
            "currency": values.get("currency", self.default_currency),
            "probability": stage.probability if fields.probability is None else fields.probability,
            "close_date": fields.close_date,
            "next_step": values.get("next_step"),
            "next_step_due": fields.next_step_due,
            "source": None,
            "competitors": None,
            "status": status or status_of(stage.key),
            "lost_reason": None,
            "created_by": actor,
            "created_at": moment,
            "updated_at": moment,
            "last_activity_at": moment,
            "version": 1,
        }

    def apply(self, deal: Deal, fields: DealFields, lost_reason: str | None = None) -> list[FieldChange]:
        """Set what `fields` changes on `deal`; the changes, in history's terms (nothing set twice)."""
        values = self.values(fields, current_currency=deal.currency, current_amount=deal.amount)
        if fields.stage is not None:
            stage = self.stage(fields.stage)
            values["stage"] = stage.key
            values["status"] = status_of(stage.key)
            if fields.probability is None:
                values["probability"] = stage.probability
            if stage.key == LOST:
                values["lost_reason"] = lost_reason
            elif deal.status == DealStatus.LOST:
                values["lost_reason"] = None
        if fields.probability is not None:
            values["probability"] = fields.probability
        changes = []
        old_currency = deal.currency
        new_currency = str(values.get("currency", deal.currency))
        for key, value in values.items():
            old = getattr(deal, key)
            if old != value:
                if key == "amount":
                    changes.append(
                        FieldChange(key, stored_amount(old, old_currency), stored_amount(value, new_currency))
                    )
                else:
                    changes.append(FieldChange(key, stored(old), stored(value)))
                setattr(deal, key, value)
        if "name" in values or "company" in values:
            deal.refresh_keys()
        return changes

    def _currency(self, amount: Amount | None, given: str | None, current: str | None) -> str:
        implied = amount.currency if amount is not None else None
        if given is not None:
            given = given.upper()
            if not is_known_currency(given):
                raise InvalidChange("bad_currency", field="currency", value=given)
            if implied is not None and implied != given:
                raise InvalidChange("currency_conflict", field="currency", amount=implied, currency=given)
        chosen = implied or given or current or self.default_currency
        exponent(chosen)  # raises for an unknown code
        return chosen

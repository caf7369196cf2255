"""When a deal is stale: the one rule behind App Home, `/deal list stale`, reminders and the digest.

A deal is stale when it is open and its last change or note is at least N days old, where N is
`DEALBOT_STALE_DAYS` unless `DEALBOT_STALE_DAYS_BY_STAGE` sets a window for the deal's stage.
The rule answers for one deal in Python (`is_stale`) and for many in SQL (`condition`), from the
same cutoffs, so both always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from storage.models import Deal


def stale_cutoff(as_of: datetime, days: int) -> datetime:
    """Activity at or before this moment is `days` or more old at `as_of`.

    Days of elapsed time (in UTC): across a DST change, 7 days are 168 hours, not the same
    wall-clock time a week earlier.
    """
    return as_of.astimezone(UTC) - timedelta(days=days)


@dataclass(frozen=True)
class StaleRule:
    days: int = 7
    by_stage: Mapping[str, int] = field(default_factory=dict)

    def days_for(self, stage: str) -> int:
        return self.by_stage.get(stage, self.days)

    def is_stale(self, deal: Deal, as_of: datetime, *, factor: int = 1) -> bool:
        cutoff = stale_cutoff(as_of, self.days_for(deal.stage) * factor)
        return deal.status == "open" and deal.last_activity_at <= cutoff

    def condition(self, as_of: datetime, *, factor: int = 1) -> ColumnElement[bool]:
        """SQL: the deal's last activity is at least `factor` stale windows old (status not checked)."""
        return self.per_stage(Deal.last_activity_at, lambda days: stale_cutoff(as_of, days * factor))

    def per_stage(
        self, column: Any, cutoff: Callable[[int], datetime], *, strict: bool = False
    ) -> ColumnElement[bool]:
        """SQL: `column <= cutoff(window of the deal's stage)` (`<` when `strict`)."""

        def compare(days: int) -> ColumnElement[bool]:
            moment = cutoff(days)
            return column < moment if strict else column <= moment

        overridden = [stage for stage, days in self.by_stage.items() if days != self.days]
        if not overridden:
            return compare(self.days)
        return or_(
            *(and_(Deal.stage == stage, compare(self.by_stage[stage])) for stage in overridden),
            and_(Deal.stage.not_in(overridden), compare(self.days)),
        )

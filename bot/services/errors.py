"""Domain errors. Entry points (Slack handlers, CLI) turn them into messages.

DealbotError
├── DealNotFound        no deal matches the reference (in this team)
├── AmbiguousDeal       several deals match; `candidates` lists them
├── NotAllowed          the user may not change this deal; `deal` and `managers` say who may
├── DealChanged         someone saved the deal first; `current` holds its values now
└── InvalidChange       the change itself is not valid (`code` is a catalog key under `invalid.`)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.models import Deal


class DealbotError(Exception):
    """Base of every error a person should be told about."""


class DealNotFound(DealbotError):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class AmbiguousDeal(DealbotError):
    def __init__(self, reference: str, candidates: list[Deal]) -> None:
        super().__init__(reference)
        self.reference = reference
        self.candidates = candidates


class NotAllowed(DealbotError):
    def __init__(self, deal: Deal, managers: tuple[str, ...]) -> None:
        super().__init__(deal.id)
        self.deal = deal
        self.managers = managers


class DealChanged(DealbotError):
    def __init__(self, current: Deal) -> None:
        super().__init__(current.id)
        self.current = current


class InvalidChange(DealbotError):
    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

"""The closed sets of values some columns hold, as `StrEnum`s; the tables guard each with a CHECK.

A member compares equal to its value (`DealStatus.OPEN == "open"`), so rows written before these
types existed read back unchanged, and the value is what the database stores.
"""

from __future__ import annotations

from enum import StrEnum


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class EventKind(StrEnum):
    """What one history event records."""

    CREATED = "created"
    CHANGED = "changed"  # one field: `field`, `old_value` → `new_value`
    NOTE = "note"


class Source(StrEnum):
    """The entry point a change came through, shown in history."""

    SLASH = "slash"
    MODAL = "modal"
    BUTTON = "button"
    VOICE = "voice"
    IMPORT = "import"
    CLI = "cli"
    SCHEDULER = "scheduler"

    @property
    def acts_for_team(self) -> bool:
        """The CLI, imports and the scheduler act for the whole team: no owner/manager check."""
        return self in (Source.IMPORT, Source.CLI, Source.SCHEDULER)


class NoteKind(StrEnum):
    TEXT = "text"
    VOICE = "voice"


class JobStatus(StrEnum):
    """Where a voice-memo job is."""

    QUEUED = "queued"  # waiting for a worker (or for its lease to run out)
    RUNNING = "running"  # claimed by a worker until lease_until
    AWAITING_DEAL = "awaiting_deal"  # transcribed; the rep picks the deal from buttons
    FILED = "done"  # the note is on the deal (stored as "done" since the first release)
    FAILED = "failed"  # gave up; the rep was told why
    IGNORED = "ignored"  # the file turned out not to be audio


class DeliveryKind(StrEnum):
    REMINDER = "reminder"
    DIGEST = "digest"


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"

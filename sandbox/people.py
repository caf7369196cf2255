"""The workspace's fixed identities, defined once: team, bot, two reps, a manager, #sales and the DMs.

The Slack stand-in (and so the tests' fake Slack), the client that signs requests into the app,
the page and the demo data all use these, so a deal seeded for Alex shows up in Alex's App Home
and the digest reaches Morgan's DM with the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TEAM_ID = "T0TEAM"
TEAM_NAME = "Sandbox Sales"
TEAM_DOMAIN = "sandbox-sales"
APP_ID = "A0APP"  # the Slack app dealbot is installed as
BOT_USER_ID = "U0BOT"  # the app's bot user: its user id, bot id and handle
BOT_ID = "B0BOT"
BOT_NAME = "dealbot"

Role = Literal["rep", "manager"]


@dataclass(frozen=True)
class Person:
    """A workspace member; `dm` is the id of their direct-message channel with the bot."""

    id: str
    name: str  # the handle (@alex)
    real_name: str
    role: Role
    locale: str  # Slack's form: en-US, ja-JP
    tz: str
    dm: str

    @property
    def language(self) -> str:
        """`en` or `ja`: the first part of the Slack locale."""
        return self.locale.split("-")[0]


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    kind: Literal["channel", "im"]
    user: str | None = None  # the person, for a DM with the bot


ALEX = Person("U0ALEX", "alex", "Alex Rivera", "rep", "en-US", "America/Los_Angeles", "D0ALEX")
HANA = Person("U0HANA", "hana", "Hana Sato / 佐藤 花", "rep", "ja-JP", "Asia/Tokyo", "D0HANA")
MORGAN = Person("U0MORGAN", "morgan", "Morgan Lee", "manager", "en-US", "America/New_York", "D0MORGAN")

PEOPLE: tuple[Person, ...] = (ALEX, HANA, MORGAN)
REPS: tuple[Person, ...] = tuple(p for p in PEOPLE if p.role == "rep")
MANAGERS: tuple[Person, ...] = tuple(p for p in PEOPLE if p.role == "manager")

SALES = Channel("C0SALES", "sales", "channel")
CHANNELS: tuple[Channel, ...] = (SALES, *(Channel(p.dm, p.name, "im", p.id) for p in PEOPLE))


def person(user_id: str) -> Person | None:
    return next((p for p in PEOPLE if p.id == user_id), None)


def dm_channels() -> dict[str, str]:
    """User id → the id of their DM with the bot (what `conversations.open` answers)."""
    return {p.id: p.dm for p in PEOPLE}


def visible_channels(user_id: str) -> tuple[Channel, ...]:
    """What one person sees in the sidebar: #sales and their own DM with the bot."""
    return tuple(c for c in CHANNELS if c.kind == "channel" or c.user == user_id)

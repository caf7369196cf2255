"""Slack listeners: ack fast, parse, call a service, render a view. No SQL here."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import actions, commands, errors, events, memos, modals, reminders
from bot.handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    modals.register(app, deps)
    events.register(app, deps)
    memos.register(app, deps)
    reminders.register(app, deps)
    errors.register(app, deps)

"""Replies that are not a deal: help, errors with their usage line, confirmations."""

from __future__ import annotations

import re

from bot.errors import (
    DealChanged,
    DealNotFound,
    InvalidChange,
    MemoUnavailable,
    NotAllowed,
    ParseError,
    StaleAction,
)
from bot.pipeline import Pipeline
from bot.views.blocks import Block, context, section
from bot.views.format import Display, mention, safe

SUBCOMMANDS = ("new", "update", "note", "won", "lost", "show", "list", "find", "help")


CODE_SPAN = re.compile(r"`([^`]*)`")


def usage(display: Display, subcommand: str) -> str:
    """The usage line and an example for one subcommand."""
    return (
        f"`{display.t(f'usage.{subcommand}')}`\n"
        f"{display.t('usage.example')} `{display.t(f'example.{subcommand}')}`"
    )


def help_blocks(display: Display, pipeline: Pipeline) -> list[Block]:
    d = display
    lines = "\n".join(f"• `{d.t(f'usage.{name}')}` — {d.t(f'help.{name}')}" for name in SUBCOMMANDS)
    stages = ", ".join(f"`{s.key}` ({d.stage(s.key)} {s.probability}%)" for s in pipeline.stages)
    return [
        section(f"*{d.t('help.title')}*\n{d.t('help.intro')}"),
        section(lines),
        section(f"*{d.t('help.fields_title')}*\n{d.t('help.fields')}\n*{d.t('help.stages')}* {stages}"),
        section(
            f"*{d.t('help.examples_title')}*\n"
            + "\n".join(f"`{d.t(f'example.{n}')}`" for n in SUBCOMMANDS[:8])
        ),
    ]


def parse_error_blocks(error: ParseError, display: Display, pipeline: Pipeline) -> list[Block]:
    params = {key: safe(str(value), 300) for key, value in error.params.items()}
    if error.code == "unknown_stage":
        params["stages"] = ", ".join(f"`{key}`" for key in pipeline.keys)
    text = f":warning: {display.t(f'parse.{error.code}', **params)}"
    subcommand = error.subcommand if error.subcommand in SUBCOMMANDS else None
    if subcommand is None:
        return [section(text), section(display.t("help.short")), context(display.t("usage.see_help"))]
    return [section(text), section(usage(display, subcommand))]


def error_text(error: Exception, display: Display) -> str:
    """A domain error in one friendly line (the caller picks how to show it)."""
    d = display
    if isinstance(error, DealNotFound):
        return d.t("error.not_found", ref=safe(error.reference, 100))
    if isinstance(error, NotAllowed):
        managers = ", ".join(mention(m) for m in error.managers) or d.t("error.no_managers")
        return d.t("error.not_allowed", owner=mention(error.deal.owner), managers=managers)
    if isinstance(error, DealChanged):
        return d.t("error.changed", id=error.current.id)
    if isinstance(error, InvalidChange):
        params = {key: safe(str(value), 300) for key, value in error.params.items()}
        return d.t(f"invalid.{error.code}", **params)
    if isinstance(error, StaleAction):
        return d.t("error.stale_action")
    if isinstance(error, MemoUnavailable):
        return d.t("memo.not_yours" if error.reason == "not_yours" else "memo.already_saved")
    if isinstance(error, ParseError):
        return d.t(
            f"parse.{error.code}", **{key: safe(str(value), 300) for key, value in error.params.items()}
        )
    return d.t("error.unexpected", ref="—")


def modal_errors(errors: dict[str, str]) -> dict[str, str]:
    """Errors shown under a modal's fields are plain text in Slack: our messages' `code` marks
    would show as literal backticks there, so the quoted parts get quotation marks instead."""
    return {block: CODE_SPAN.sub(r"“\1”", message) for block, message in errors.items()}

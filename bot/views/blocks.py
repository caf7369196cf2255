"""Small constructors for the Block Kit elements dealbot uses."""

from __future__ import annotations

from typing import Any

from bot.views.format import BUTTON_TEXT, CONTEXT_TEXT, HEADER_TEXT, SECTION_TEXT, clip

Block = dict[str, Any]
BUTTON_VALUE = 2000  # Slack's limit on a button's value


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(*texts: str) -> Block:
    # A section holds at most 10 fields.
    return {"type": "section", "fields": [mrkdwn(text, 2000) for text in texts[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT) for text in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": value[:BUTTON_VALUE],
    }
    if style is not None:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id is not None:
        block["block_id"] = block_id
    return block

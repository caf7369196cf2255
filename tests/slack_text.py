"""Reading Slack messages in tests as a person would: every text in a message or view."""

from __future__ import annotations

from typing import Any


def text_of(payload: dict[str, Any]) -> str:
    """The message's text and every text inside its blocks, one per line."""
    found: list[str] = [payload.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    return "\n".join(found)

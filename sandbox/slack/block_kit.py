"""Block Kit limits as Slack enforces them: Slack-style `[ERROR] … [json-pointer:…]` messages.

The stand-in Web API answers `invalid_blocks` / `invalid_arguments` with these, and the view tests
check every builder against them (https://docs.slack.dev/reference/block-kit).
"""

from __future__ import annotations

from typing import Any

Payload = dict[str, Any]

MESSAGE_BLOCKS = 50  # the most blocks a message may carry (a view: 100)

_BUTTON_LIMITS = {"action_id": 255, "value": 2000, "url": 3000}
_MAX_OPTIONS = {"overflow": 5}


def _too_long(value: Any, limit: int, pointer: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _text_errors(text: Any, limit: int, pointer: str, *, plain_only: bool = False) -> list[str]:
    kinds = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
    if not isinstance(text, dict) or text.get("type") not in kinds:
        return [f"[ERROR] must provide an object [json-pointer:{pointer}]"]
    if not isinstance(text.get("text"), str) or not text["text"]:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    return _too_long(text["text"], limit, f"{pointer}/text")


def _count_errors(items: Any, limit: int, pointer: str) -> list[str]:
    if not isinstance(items, list):
        return [f"[ERROR] must provide an array [json-pointer:{pointer}]"]
    if len(items) > limit:
        return [f"[ERROR] must provide no more than {limit} items [json-pointer:{pointer}]"]
    return []


def _option_errors(options: Any, limit: int, pointer: str) -> list[str]:
    errors = _count_errors(options, limit, pointer)
    for i, option in enumerate(options if not errors else []):
        errors += _text_errors(
            option.get("text") if isinstance(option, dict) else None, 75, f"{pointer}/{i}/text"
        )
        errors += _too_long(
            option.get("value") if isinstance(option, dict) else None, 150, f"{pointer}/{i}/value"
        )
    return errors


def _element_errors(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    kind = element["type"]
    errors = _too_long(element.get("action_id"), 255, f"{pointer}/action_id")
    if "placeholder" in element:
        errors += _text_errors(
            element["placeholder"], 150, f"{pointer}/placeholder", plain_only=True
        )
    if kind == "button":
        errors += _text_errors(element.get("text"), 75, f"{pointer}/text", plain_only=True)
        for key, limit in _BUTTON_LIMITS.items():
            errors += _too_long(element.get(key), limit, f"{pointer}/{key}")
    if "options" in element:
        errors += _option_errors(
            element["options"], _MAX_OPTIONS.get(kind, 100), f"{pointer}/options"
        )
    return errors


def _elements_errors(elements: Any, limit: int, pointer: str) -> list[str]:
    errors = _count_errors(elements, limit, pointer)
    for i, element in enumerate(elements if not errors else []):
        if isinstance(element, dict) and element.get("type") in {"mrkdwn", "plain_text"}:
            errors += _text_errors(element, 3000, f"{pointer}/{i}")
        elif not (isinstance(element, dict) and element.get("type") == "image"):
            errors += _element_errors(element, f"{pointer}/{i}")
    return errors


def _section_errors(block: Payload, pointer: str) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"[ERROR] must provide either text or fields [json-pointer:{pointer}]"]
    errors: list[str] = []
    if "text" in block:
        errors += _text_errors(block["text"], 3000, f"{pointer}/text")
    if "fields" in block:
        errors += _count_errors(block["fields"], 10, f"{pointer}/fields")
        for i, item in enumerate(block["fields"] if isinstance(block["fields"], list) else []):
            errors += _text_errors(item, 2000, f"{pointer}/fields/{i}")
    if "accessory" in block:
        errors += _element_errors(block["accessory"], f"{pointer}/accessory")
    return errors


def _input_errors(block: Payload, pointer: str) -> list[str]:
    errors = _text_errors(block.get("label"), 2000, f"{pointer}/label", plain_only=True)
    errors += _element_errors(block.get("element"), f"{pointer}/element")
    if "hint" in block:
        errors += _text_errors(block["hint"], 2000, f"{pointer}/hint", plain_only=True)
    return errors


def _block_errors(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    errors = _too_long(block.get("block_id"), 255, f"{pointer}/block_id")
    kind = block["type"]
    if kind == "section":
        errors += _section_errors(block, pointer)
    elif kind == "header":
        errors += _text_errors(block.get("text"), 150, f"{pointer}/text", plain_only=True)
    elif kind == "actions":
        errors += _elements_errors(block.get("elements"), 25, f"{pointer}/elements")
    elif kind == "context":
        errors += _elements_errors(block.get("elements"), 10, f"{pointer}/elements")
    elif kind == "input":
        errors += _input_errors(block, pointer)
    return errors


def blocks_errors(blocks: Any, limit: int, pointer: str = "/blocks") -> list[str]:
    """Slack-style `[ERROR] … [json-pointer:…]` messages for blocks breaking Block Kit limits."""
    errors = _count_errors(blocks, limit, pointer)
    for i, block in enumerate(blocks if not errors else []):
        errors += _block_errors(block, f"{pointer}/{i}")
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style error messages for a modal/home view breaking Block Kit limits."""
    if not isinstance(view, dict):
        return ["[ERROR] failed to match all allowed schemas [json-pointer:/view]"]
    if view.get("type") not in {"modal", "home"}:
        return ["[ERROR] must be one of modal, home [json-pointer:/view/type]"]
    errors = blocks_errors(view.get("blocks"), 100, "/view/blocks")
    if view["type"] == "modal":
        errors += _text_errors(view.get("title"), 24, "/view/title", plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors += _text_errors(view[key], 24, f"/view/{key}", plain_only=True)
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        errors += _too_long(view.get(key), limit, f"/view/{key}")
    return errors

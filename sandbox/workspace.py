"""What people do in the sandbox workspace, played to the bot the way Slack's own client would.

A message typed in a channel, a click on a button, a modal submitted or closed, the App Home tab
opened, an audio file shared: each changes the stand-in's workspace (`SlackStandIn`) and reaches
the bot as the signed request Slack sends (`SlackClient`), with a trigger_id and response_url
that tie what the bot answers to the person and the place it came from. What Slack's client
checks itself (an unknown slash command, a required field left empty, a button that is not
there) is refused here with a clear message, and the bot never hears of it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.views.format import escape
from sandbox import people
from sandbox.slack.block_kit import MESSAGE_BLOCKS, blocks_errors
from sandbox.slack.client import Response, SlackClient
from sandbox.slack.http import Payload
from sandbox.slack.stand_in import SlackStandIn
from sandbox.slack.state import HookContext

SLASH_COMMAND = "/deal"
# What Slack's client says about a form before sending it, in the person's language.
_CLIENT_CHECKS = {
    "en": {
        "required": "Please complete this required field.",
        "too_long": "Please enter no more than {n} characters.",
        "number": "Please enter a number.",
        "whole": "Please enter a whole number.",
        "range": "Please enter a number between {low} and {high}.",
    },
    "ja": {
        "required": "この項目は必須です。",
        "too_long": "{n} 文字以内で入力してください。",
        "number": "数値を入力してください。",
        "whole": "整数を入力してください。",
        "range": "{low} から {high} までの数値を入力してください。",
    },
}


class SandboxError(Exception):
    """A request the page made that Slack would refuse (status 4xx), or the bot failed (502)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Submission:
    """How a modal submission ended: Slack's `response_action` and any errors per block."""

    response_action: str | None
    errors: dict[str, str] = field(default_factory=dict)


class Workspace:
    """The people of `sandbox.people` using Slack: each method is one thing a person does."""

    def __init__(self, slack: SlackStandIn, bot: SlackClient) -> None:
        self.slack = slack
        self.bot = bot

    # -- messages and commands

    def send(self, user_id: str, channel: str, text: str) -> None:
        """The message box: `/deal …` is a slash command; anything else a message in the channel."""
        person = self._person(user_id)
        self._channel(person, channel)
        if not text.strip():
            raise SandboxError("Type a message or a /deal command first.")
        if text.lstrip().startswith("/"):
            self._command(person, channel, text.strip())
            return
        message = self.slack.post_user_message(person.id, channel, escape(text))
        self._event({**message, "channel": channel, "channel_type": _channel_type(channel)})

    def _command(self, person: people.Person, channel: str, text: str) -> None:
        name, _, rest = text.partition(" ")
        if name != SLASH_COMMAND:
            raise SandboxError(
                f"{name} is not a valid command. In Slack, all messages that start with the "
                '"/" character are interpreted as commands.'
            )
        response = self.bot.command(
            escape(rest.strip()),  # Slack escapes &, <, > in what people type
            person.id,
            channel,
            name,
            user_name=person.name,
            channel_name=_channel_name(channel),
            trigger_id=self.slack.issue_trigger(person.id),
            response_url=self.slack.response_url("commands", HookContext(person.id, channel)),
        )
        answer = _answer(response, f"{SLASH_COMMAND} failed")
        if not answer:
            return  # acknowledged without a message (a modal opened, or respond() follows)
        content: Payload = {k: answer[k] for k in ("text", "blocks", "attachments") if k in answer}
        if "blocks" in content and blocks_errors(content["blocks"], MESSAGE_BLOCKS):
            raise SandboxError(f"{SLASH_COMMAND} failed with the error \"invalid_blocks\"", 502)
        if answer.get("response_type") == "in_channel":
            self.slack.post_bot_message(channel, content)
        else:
            self.slack.post_ephemeral(person.id, channel, content)

    def upload(
        self, user_id: str, channel: str, filename: str, content: bytes, mimetype: str | None, text: str = ""
    ) -> str:
        """Share a file (a voice memo) with an optional message; returns the new file's id."""
        person = self._person(user_id)
        self._channel(person, channel)
        if not content:
            raise SandboxError("The file is empty.")
        name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "upload"
        kind = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
        filetype = name.rpartition(".")[2].lower() if "." in name else "binary"
        file_id = f"F{secrets.token_hex(5).upper()}"
        self.slack.add_file(file_id, content, name, kind, filetype, user=person.id)
        message = self.slack.post_user_message(person.id, channel, escape(text), file_ids=[file_id])
        self._event(
            {
                **message,
                "subtype": "file_share",
                "channel": channel,
                "channel_type": _channel_type(channel),
                "display_as_bot": False,
            }
        )
        self._event(
            {
                "type": "file_shared",
                "file_id": file_id,
                "user_id": person.id,
                "file": {"id": file_id},
                "channel_id": channel,
            }
        )
        return file_id

    def open_home(self, user_id: str) -> None:
        """The person opens the bot's App Home tab."""
        person = self._person(user_id)
        event: Payload = {"type": "app_home_opened", "user": person.id, "channel": person.dm, "tab": "home"}
        current = self.slack.home_view(person.id)
        if current is not None:
            event["view"] = current
        self._event(event)

    # -- interactivity

    def click(
        self,
        user_id: str,
        action: Mapping[str, Any],
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """A button, select or date picker used in a message, a modal or App Home."""
        person = self._person(user_id)
        action_id = str(action.get("action_id") or "")
        if not action_id:
            raise SandboxError("action.action_id is missing.")
        trigger_id = self.slack.issue_trigger(person.id)
        where: dict[str, Any]
        if view_id:
            view = self._view_of(person, view_id)
            block, element = _find_element(view.get("blocks") or [], action)
            where = {"view": view, "state_values": form_state(view, values or {}, person.language)[0]}
        else:
            if not channel or not message_ts:
                raise SandboxError("Say where the click was: view_id, or channel and message_ts.")
            self._channel(person, channel)
            message, ephemeral = self._message_of(person, channel, message_ts)
            block, element = _find_element(message.get("blocks") or [], action)
            context = HookContext(person.id, channel, message_ts, ephemeral)
            where = {
                "channel_id": channel,
                "message": {k: v for k, v in message.items() if k != "channel"},
                "response_url": self.slack.response_url("actions", context),
                "is_ephemeral": ephemeral,
            }
        response = self.bot.block_action(
            action_id,
            user_id=person.id,
            user_name=person.name,
            block_id=_block_id(block, action),
            action_type=str(element.get("type")),
            action=_action_fields(element, action),
            trigger_id=trigger_id,
            **where,
        )
        _answer(response, "The app did not answer the click")

    def submit(self, user_id: str, view_id: str, values: Mapping[str, Any]) -> Submission:
        """The person presses the modal's submit button with these inputs."""
        person = self._person(user_id)
        stack = self.slack.modal_stack(person.id)
        if not stack or stack[-1]["id"] != view_id:
            raise SandboxError("That modal is not open (only the top one can be submitted).", 409)
        view = stack[-1]
        state, problems = form_state(view, values, person.language)
        if problems:  # Slack's client checks these itself; the app never sees the submission
            return Submission("errors", problems)
        response = self.bot.submit_view(
            view, state, person.id, trigger_id=self.slack.issue_trigger(person.id), user_name=person.name
        )
        answer = _answer(response, "The app did not answer the submission")
        refused = self.slack.finish_submission(person.id, view_id, answer)
        if refused:
            raise SandboxError(f"Slack refused the app's answer to the submission: {refused}", 502)
        action = answer.get("response_action") if answer else None
        errors = answer.get("errors") if answer and action == "errors" else None
        return Submission(action, dict(errors or {}))

    def close(self, user_id: str, view_id: str) -> None:
        """The person closes a modal; the app hears of it when the view asked (notify_on_close)."""
        person = self._person(user_id)
        view = self.slack.close_view(person.id, view_id)
        if view is None:
            raise SandboxError("That modal is not open.", 409)
        if view.get("notify_on_close"):
            _answer(self.bot.view_closed(view, person.id, user_name=person.name), "view_closed failed")

    # -- lookups

    def _person(self, user_id: str) -> people.Person:
        person = people.person(user_id)
        if person is None:
            raise SandboxError(f"Unknown user {user_id!r}; the sandbox has {_names()}.", 404)
        return person

    def _channel(self, person: people.Person, channel: str) -> None:
        if channel not in {c.id for c in people.visible_channels(person.id)}:
            raise SandboxError(f"{person.real_name} cannot see channel {channel!r}.", 404)

    def _view_of(self, person: people.Person, view_id: str) -> Payload:
        home = self.slack.home_view(person.id)
        if home is not None and home["id"] == view_id:
            return home
        view = next((v for v in self.slack.modal_stack(person.id) if v["id"] == view_id), None)
        if view is None:
            raise SandboxError("That view is not open.", 409)
        return view

    def _message_of(self, person: people.Person, channel: str, ts: str) -> tuple[Payload, bool]:
        found = self.slack.message(channel, ts)
        if found is not None:
            return found, False
        ephemeral = self.slack.ephemeral_message(person.id, channel, ts)
        if ephemeral is not None:
            return ephemeral, True
        raise SandboxError("That message is gone.", 404)

    def _event(self, event: Payload) -> None:
        _answer(self.bot.event(event), f"The app did not take the {event['type']} event")


def form_state(
    view: Mapping[str, Any], values: Mapping[str, Any], language: str = "en"
) -> tuple[dict[str, Any], dict[str, str]]:
    """Slack's `view.state.values` for a modal: every input block, what the person entered or else
    the initial value; and the problems Slack's client itself would show (required, too long)."""
    state: dict[str, Any] = {}
    problems: dict[str, str] = {}
    says = _CLIENT_CHECKS.get(language, _CLIENT_CHECKS["en"])
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or not block.get("block_id"):
            continue
        block_id, action_id = str(block["block_id"]), str(element.get("action_id"))
        sent = (values.get(block_id) or {}).get(action_id)
        entry = _element_state(element, sent)
        state[block_id] = {action_id: entry}
        filled = next((v for k, v in entry.items() if k != "type"), None)
        if not filled:
            if not block.get("optional"):
                problems[block_id] = says["required"]
            continue
        problem = _input_problem(element, filled)
        if problem is not None:
            key, params = problem
            problems[block_id] = says[key].format(**params)
    return state, problems


def _input_problem(element: Mapping[str, Any], filled: Any) -> tuple[str, dict[str, Any]] | None:
    """What Slack's client refuses in a filled-in text or number input: (message key, params)."""
    limit = element.get("max_length")
    if isinstance(filled, str) and isinstance(limit, int) and len(filled) > limit:
        return "too_long", {"n": limit}
    if element.get("type") != "number_input":
        return None
    try:
        number = Decimal(str(filled).strip())
    except InvalidOperation:
        return "number", {}
    if not number.is_finite():
        return "number", {}
    if not element.get("is_decimal_allowed") and number != number.to_integral_value():
        return "whole", {}
    low, high = element.get("min_value"), element.get("max_value")
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        return "range", {"low": low if low is not None else "-∞", "high": high if high is not None else "∞"}
    return None


def _element_state(element: Mapping[str, Any], sent: Mapping[str, Any] | None) -> dict[str, Any]:
    kind = str(element.get("type"))
    given = sent is not None
    sent = sent or {}
    if kind in ("static_select", "radio_buttons", "overflow"):
        chosen = sent.get("selected_option") if given else element.get("initial_option")
        option = _option(element, chosen) if chosen else None
        if chosen and option is None:
            raise SandboxError(f"{chosen!r} is not one of the options of {element.get('action_id')!r}.")
        return {"type": kind, "selected_option": option}
    if kind == "datepicker":
        picked = sent.get("selected_date") if given else element.get("initial_date")
        if picked:
            try:
                date.fromisoformat(str(picked))
            except ValueError:
                raise SandboxError(f"{picked!r} is not a date (YYYY-MM-DD).") from None
        return {"type": kind, "selected_date": picked or None}
    if kind == "users_select":
        user = sent.get("selected_user") if given else element.get("initial_user")
        return {"type": kind, "selected_user": user or None}
    value = sent.get("value") if given else element.get("initial_value")
    return {"type": kind, "value": value if value not in ("", None) else None}


def _options(element: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from element.get("options") or []
    for group in element.get("option_groups") or []:
        yield from group.get("options") or []


def _option(element: Mapping[str, Any], chosen: Any) -> dict[str, Any] | None:
    """The element's own option object for the chosen value (Slack sends the whole option)."""
    value = chosen.get("value") if isinstance(chosen, Mapping) else chosen
    found = next((o for o in _options(element) if o.get("value") == value), None)
    return dict(found) if found is not None else None


def _elements(block: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    return [e for e in (block.get("accessory"), block.get("element")) if isinstance(e, Mapping)]


def _find_element(
    blocks: list[Mapping[str, Any]], action: Mapping[str, Any]
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The block and element the person used; a button is told apart by its value too."""
    wanted_block, value = action.get("block_id"), action.get("value")
    for block in blocks:
        if wanted_block and block.get("block_id") and block["block_id"] != wanted_block:
            continue
        for element in _elements(block):
            if element.get("action_id") != action.get("action_id"):
                continue
            if element.get("type") == "button" and value is not None and element.get("value") != value:
                continue
            return block, element
    raise SandboxError(f"There is no {action.get('action_id')!r} element there to use.", 404)


def _block_id(block: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    """The block's id; Slack makes one up for blocks sent without (stable for the same block)."""
    if block.get("block_id"):
        return str(block["block_id"])
    digest = hashlib.sha1(repr(sorted(block.items())).encode()).hexdigest()
    return str(action.get("block_id") or digest[:5])


def _action_fields(element: Mapping[str, Any], action: Mapping[str, Any]) -> dict[str, Any]:
    """What Slack puts in `actions[0]` for this element, beyond action_id/block_id/type/action_ts."""
    kind = element.get("type")
    if kind == "button":
        fields: dict[str, Any] = {"text": element.get("text")}
        if "value" in element:
            fields["value"] = element["value"]
        if "style" in element:
            fields["style"] = element["style"]
        return fields
    if kind in ("static_select", "overflow", "radio_buttons"):
        option = _option(element, action.get("selected_option"))
        if option is None:
            raise SandboxError(f"Choose one of the options of {element.get('action_id')!r}.")
        return {"selected_option": option}
    if kind == "datepicker":
        return {"selected_date": _element_state(element, action)["selected_date"]}
    if kind == "users_select":
        return {"selected_user": action.get("selected_user")}
    return {k: action[k] for k in ("value",) if k in action}


def _answer(response: Response, failure: str) -> dict[str, Any] | None:
    """The app's JSON answer (None for an empty 200); a failure is the bot's, not the person's."""
    if response.status != 200:
        raise SandboxError(f"{failure}: HTTP {response.status} {response.body[:200]}", 502)
    return response.json if isinstance(response.json, dict) else None


def _channel_type(channel: str) -> str:
    return "im" if channel.startswith("D") else "channel"


def _channel_name(channel: str) -> str:
    found = next((c for c in people.CHANNELS if c.id == channel), None)
    return "directmessage" if found is None or found.kind == "im" else found.name


def _names() -> str:
    return ", ".join(f"{p.id} ({p.real_name})" for p in people.PEOPLE)

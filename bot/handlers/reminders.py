"""The reminder's Snooze button and the snooze form (Log update and Mark lost reuse the deal buttons)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import InvalidChange, NotAllowed, StaleAction
from bot.handlers.actions import open_form
from bot.handlers.deps import Caller, Deps
from bot.ids import INPUT_ACTION, Action, Block, Callback
from bot.services.snoozes import SnoozeFor
from bot.slack.notifier import Notifier
from bot.slack.values import ModalMetadata
from bot.views.format import safe
from bot.views.messages import error_text, modal_errors
from bot.views.reminders import snooze_modal
from storage.enums import Source

SOURCE = Source.MODAL

_BLOCK_OF_FIELD = {"snoozed_until": Block.SNOOZE_UNTIL, "snooze_reason": Block.REASON}


def _element(values: dict[str, Any], block: Block) -> dict[str, Any]:
    element = values.get(block, {}).get(INPUT_ACTION, {})
    return element if isinstance(element, dict) else {}


def open_snooze(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    ack()
    open_form(body, client, deps, caller, snooze_modal)


def submit_snooze(ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    meta = ModalMetadata.load(view.get("private_metadata"))
    values = view["state"]["values"]
    choice = (_element(values, Block.SNOOZE_FOR).get("selected_option") or {}).get("value")
    picked = _element(values, Block.SNOOZE_UNTIL).get("selected_date")
    reason = _element(values, Block.REASON).get("value")
    d = deps.display
    try:
        result = deps.deals.snooze(
            caller.team_id,
            caller.user_id,
            meta.require_deal(),
            _choice(choice),
            date.fromisoformat(picked) if picked else None,
            reason,
            source=SOURCE,
        )
    except (InvalidChange, NotAllowed) as exc:
        field = exc.field if isinstance(exc, InvalidChange) else None
        block = _BLOCK_OF_FIELD.get(field or "", Block.SNOOZE_FOR)
        ack(response_action="errors", errors=modal_errors({str(block): error_text(exc, d)}))
        return
    ack()
    text = d.t(
        "reply.snoozed", id=result.deal.id, name=safe(result.deal.name, 200), date=d.date(result.until)
    )
    Notifier(client).tell(caller.user_id, meta.channel_id, text)


def _choice(value: object) -> SnoozeFor:
    try:
        return SnoozeFor(str(value or SnoozeFor.THREE_DAYS))
    except ValueError:
        raise StaleAction("snooze choice") from None


def register(app: App) -> None:
    app.action(Action.SNOOZE)(open_snooze)
    app.view(Callback.SNOOZE)(submit_snooze)

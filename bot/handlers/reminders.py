"""The reminder's Snooze button and the snooze modal (Log update and Mark lost reuse the deal buttons)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import InvalidChange, NotAllowed
from bot.handlers.deps import Deps
from bot.ids import INPUT_ACTION, Action, Block, Callback
from bot.services.snoozes import SnoozeFor, SnoozeService
from bot.slack.notifier import Notifier
from bot.views.format import safe
from bot.views.messages import error_text, modal_errors
from bot.views.modals import ModalMetadata
from bot.views.reminders import snooze_modal

SOURCE = "modal"

_BLOCK_OF_FIELD = {"snoozed_until": Block.SNOOZE_UNTIL, "snooze_reason": Block.REASON}


def _element(values: dict[str, Any], block: Block) -> dict[str, Any]:
    return values.get(block, {}).get(INPUT_ACTION, {})


def register(app: App, deps: Deps) -> None:
    snoozes = SnoozeService(deps.deals, deps.settings.tz)

    @app.action(Action.SNOOZE)
    def open_snooze(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team, user = body["team"]["id"], body["user"]["id"]
        deal = deps.deals.get(team, int(str(body["actions"][0]["value"])))
        if not deps.deals.can_edit(deal, user):
            raise NotAllowed(deal, deps.settings.managers)
        channel = (body.get("channel") or body.get("container") or {}).get("id")
        client.views_open(trigger_id=body["trigger_id"], view=snooze_modal(deps.display, deal, channel))

    @app.view(Callback.SNOOZE)
    def submit_snooze(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team = body.get("team", {}).get("id") or body["user"]["team_id"]
        user = body["user"]["id"]
        meta = ModalMetadata.load(view.get("private_metadata"))
        values = view["state"]["values"]
        choice = (_element(values, Block.SNOOZE_FOR).get("selected_option") or {}).get("value")
        picked = _element(values, Block.SNOOZE_UNTIL).get("selected_date")
        reason = _element(values, Block.REASON).get("value")
        d = deps.display
        if meta.deal_id is None:
            raise ValueError("this form carries no deal id")
        try:
            result = snoozes.snooze(
                team,
                user,
                meta.deal_id,
                SnoozeFor(choice or SnoozeFor.THREE_DAYS),
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
        Notifier(client).tell(user, meta.channel_id, text)

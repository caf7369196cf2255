"""The stale-deal reminder (Block Kit and plain text for `dealbot remind --dry-run`) and the snooze modal.

The reminder lists the owner's stale deals oldest first, each with buttons: Log update (the
note modal), Snooze (the snooze modal) and Mark lost (the lost modal). Both renderings take
their lines from `_deal_facts`, so they always say the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.ids import Action, Block, Callback
from bot.services.snoozes import SnoozeFor

# The modal frame and inputs are shared with the deal modals (one look for every form).
from bot.slack.values import ModalMetadata
from bot.views.blocks import Block as BlockDict
from bot.views.blocks import actions, button, context, header, plain, section
from bot.views.format import OPTION_TEXT, Display, clip, safe
from bot.views.modals import View, input_block, modal_view, text_input

if TYPE_CHECKING:
    from bot.services.reminders import OwnerReminder
    from storage.models import Deal

NAME_LIMIT = 200


def _idle_days(deal: Deal, as_of: datetime) -> int:
    return (as_of - deal.last_activity_at).days


def _deal_facts(deal: Deal, d: Display, as_of: datetime) -> list[str]:
    """Stage, amount, close date and idle time: the parts after the deal's name (no user text)."""
    parts = [d.stage(deal.stage), d.money(deal.amount, deal.currency)]
    if deal.close_date:
        parts.append(d.date(deal.close_date))
    parts.append(d.t("home.stale", days=_idle_days(deal, as_of)))
    return parts


def reminder_blocks(reminder: OwnerReminder, display: Display, as_of: datetime) -> list[BlockDict]:
    d = display
    blocks: list[BlockDict] = [
        header(d.t("reminder.title", count=reminder.total)),
        context(d.t("reminder.intro")),
    ]
    for deal in reminder.deals:
        name = f"*#{deal.id} {safe(deal.name, NAME_LIMIT)}*"
        company = f" · {safe(deal.company, NAME_LIMIT)}" if deal.company else ""
        lines = [name + company + " · " + " · ".join(_deal_facts(deal, d, as_of))]
        if deal.snooze_reason:
            lines.append(f"_{d.t('reminder.snoozed_before', reason=safe(deal.snooze_reason, 300))}_")
        blocks.append(section("\n".join(lines)))
        blocks.append(
            actions(
                button(d.t("button.log_update"), Action.NOTE, str(deal.id), style="primary"),
                button(d.t("button.snooze"), Action.SNOOZE, str(deal.id)),
                button(d.t("button.mark_lost"), Action.LOST, str(deal.id), style="danger"),
                block_id=f"reminder_actions_{deal.id}",
            )
        )
    if reminder.more:
        blocks.append(context(d.t("reminder.more", count=reminder.more)))
    return blocks


def reminder_text(reminder: OwnerReminder, display: Display, as_of: datetime, *, plain_text: bool) -> str:
    """The same reminder as text: Slack's notification text, or plain for `--dry-run` (`plain_text`)."""
    d = display
    title = d.t("reminder.title", count=reminder.total)
    if not plain_text:
        return title
    lines = [f"@{reminder.owner}: {title}"]
    for deal in reminder.deals:
        company = f" · {clip(deal.company, NAME_LIMIT)}" if deal.company else ""
        lines.append(
            f"• #{deal.id} {clip(deal.name, NAME_LIMIT)}{company} · "
            + " · ".join(_deal_facts(deal, d, as_of))
        )
    if reminder.more:
        lines.append(d.t("reminder.more", count=reminder.more))
    return "\n".join(lines)


def snooze_modal(display: Display, deal: Deal, channel_id: str | None) -> View:
    d = display
    options = [
        {"text": plain(clip(d.t(f"snooze.{choice.value}"), OPTION_TEXT)), "value": choice.value}
        for choice in SnoozeFor
    ]
    until: dict[str, Any] = {"type": "datepicker"}
    return modal_view(
        d,
        Callback.SNOOZE,
        d.t("snooze.title"),
        d.t("snooze.submit"),
        [
            context(f"*#{deal.id} {safe(deal.name, NAME_LIMIT)}*"),
            input_block(
                Block.SNOOZE_FOR,
                d.t("snooze.for"),
                {"type": "radio_buttons", "options": options, "initial_option": options[0]},
                optional=False,
            ),
            input_block(Block.SNOOZE_UNTIL, d.t("snooze.until"), until, hint=d.t("snooze.until_hint")),
            input_block(Block.REASON, d.t("snooze.reason"), text_input(None, max_length=500, multiline=True)),
        ],
        ModalMetadata(deal_id=deal.id, channel_id=channel_id),
    )

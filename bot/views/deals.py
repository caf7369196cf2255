"""Deal card, deal lists and ambiguity choices."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.errors import AmbiguousDeal
from bot.ids import Action
from bot.money import parse_stored_amount
from bot.views.blocks import BUTTON_VALUE, Block, actions, button, context, divider, fields, header, section
from bot.views.format import Display, mention, safe

if TYPE_CHECKING:
    from bot.services.deal_lists import DealPage
    from bot.services.deal_work import DealDetails
    from storage.models import Deal, DealEvent

MONEY_FIELDS = frozenset({"amount"})
DATE_FIELDS = frozenset({"close_date", "next_step_due"})


def deal_card(deal: Deal, display: Display, details: DealDetails | None = None) -> list[Block]:
    """The deal with its key fields, recent history and the buttons to act on it."""
    d = display
    next_step = safe(deal.next_step, 500) if deal.next_step else "—"
    if deal.next_step_due:
        next_step += f" ({d.t('card.due', date=d.date(deal.next_step_due))})"
    blocks: list[Block] = [
        header(f"#{deal.id} {safe(deal.name, 140)}"),
        fields(
            f"*{d.t('field.company')}*\n{safe(deal.company, 200) or '—'}",
            f"*{d.t('field.owner')}*\n{mention(deal.owner)}",
            f"*{d.t('field.stage')}*\n{d.stage(deal.stage)}{_status_suffix(deal, d)}",
            f"*{d.t('field.amount')}*\n{d.money(deal.amount, deal.currency)}",
            f"*{d.t('field.probability')}*\n{deal.probability}%",
            f"*{d.t('field.close_date')}*\n{d.date(deal.close_date)}",
            f"*{d.t('field.next_step')}*\n{next_step}",
            f"*{d.t('card.updated')}*\n{d.when(deal.updated_at)}",
        ),
    ]
    if details is not None and details.notes:
        latest = details.notes[0]
        blocks.append(
            section(
                f"*{d.t('card.latest_note', count=details.note_count)}*\n"
                f"{safe(latest.text, 600)}\n_{mention(latest.author)} · {d.when(latest.created_at)}_"
            )
        )
    if details is not None and details.events:
        blocks.append(context(*(event_line(event, d) for event in details.events)))
    blocks.append(
        actions(
            button(d.t("button.edit"), Action.EDIT, str(deal.id)),
            button(d.t("button.note"), Action.NOTE, str(deal.id)),
            *(
                ()
                if deal.status != "open"
                else (
                    button(d.t("button.won"), Action.WON, str(deal.id), style="primary"),
                    button(d.t("button.lost"), Action.LOST, str(deal.id), style="danger"),
                )
            ),
            block_id=f"deal_actions_{deal.id}",
        )
    )
    return blocks


def _status_suffix(deal: Deal, d: Display) -> str:
    if deal.status == "lost" and deal.lost_reason:
        return f" — {safe(deal.lost_reason, 300)}"
    return ""


def event_line(event: DealEvent, d: Display) -> str:
    """`Nov 23, 2026 14:05 · @maria · stage: Lead → Proposal (slash)`."""
    who = mention(event.actor) if event.source not in ("import", "cli", "scheduler") else event.source
    when = d.when(event.created_at)
    source = d.t(f"source.{event.source}")
    if event.kind == "created":
        what = d.t("history.created")
    elif event.kind == "note":
        what = d.t("history.note", text=safe(event.new_value, 80))
    else:
        field = event.field or ""
        what = (
            f"{d.t(f'field.{field}')}: {change_value(field, event.old_value, d)} → "
            f"{change_value(field, event.new_value, d)}"
        )
    return f"{when} · {who} · {what} ({source})"


def change_value(field: str, value: str | None, d: Display) -> str:
    """A stored history value shown in the team's language and formats."""
    if value is None or value == "":
        return "—"
    if field == "stage":
        return d.stage(value)
    if field == "owner":
        return mention(value)
    if field == "probability":
        return f"{value}%"
    if field in DATE_FIELDS:
        return d.date(date.fromisoformat(value))
    if field in MONEY_FIELDS:
        money = parse_stored_amount(value)
        return d.money(money.minor, money.currency)
    return safe(value, 80)


def deal_list(page: DealPage, title: str, display: Display) -> list[Block]:
    """At most one page of deals, a Show button on each, and how many more there are."""
    d = display
    if not page.deals:
        return [section(f"*{title}*\n{d.t('list.empty')}")]
    blocks: list[Block] = [section(f"*{title}* ({page.total})")]
    for deal in page.deals:
        blocks.append(
            section(d.deal_line(deal), accessory=button(d.t("button.show"), Action.SHOW, str(deal.id)))
        )
    if page.more:
        blocks.append(context(d.t("list.more", count=page.more)))
    return blocks


def candidates(error: AmbiguousDeal, command_text: str, display: Display) -> list[Block]:
    """Several deals match: one button each; choosing one completes the original command."""
    d = display
    blocks: list[Block] = [section(d.t("error.ambiguous", ref=safe(error.reference, 100)))]
    # A button carries the whole command; one that would not fit (a long note) would finish a
    # truncated command, so the deals are listed with their numbers instead.
    carried = all(len(f"{deal.id}:{command_text}") <= BUTTON_VALUE for deal in error.candidates)
    if not carried:
        blocks.append(section(d.t("error.ambiguous_too_long")))
    for deal in error.candidates:
        choose = button(d.t("button.choose"), Action.PICK, f"{deal.id}:{command_text}")
        blocks.append(section(d.deal_line(deal), accessory=choose if carried else None))
    blocks.append(divider())
    return blocks

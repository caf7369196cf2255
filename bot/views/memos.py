"""Voice-memo replies: the saved note with suggested updates, the deal choice, failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ids import Action
from bot.services.suggestions import encode
from bot.slack.values import MemoApplyButton, MemoDealButton, MemoJobButton
from bot.views.blocks import Block, actions, button, context, section
from bot.views.deals import change_value
from bot.views.format import Display, safe

if TYPE_CHECKING:
    from bot.services.memos import FiledMemo
    from storage.memos import MemoJob
    from storage.models import Deal

SHOWN_TRANSCRIPT = 1200  # longer transcripts are folded; the note keeps every word


def transcript_block(text: str, d: Display) -> Block:
    shown = safe(text, SHOWN_TRANSCRIPT)
    if len(text) > SHOWN_TRANSCRIPT:
        shown += f"\n_{d.t('memo.folded', count=len(text) - SHOWN_TRANSCRIPT + 1)}_"
    return section(f">>> {shown}")


def memo_meta(job: MemoJob, d: Display) -> Block:
    minutes, seconds = divmod(round(job.duration_seconds or 0), 60)
    return context(
        d.t(
            "memo.meta",
            language=job.language or "?",
            duration=f"{minutes}:{seconds:02}",
            engine=job.engine or "?",
        )
    )


def saved_blocks(filed: FiledMemo, d: Display) -> list[Block]:
    """The memo's note is on the deal; here is what we heard, and what you may want to update."""
    job, deal, suggestions = filed.job, filed.details.deal, filed.suggestions
    blocks: list[Block] = [
        section(d.t("memo.saved", id=deal.id, name=safe(deal.name, 200))),
        transcript_block(job.transcript or "", d),
        memo_meta(job, d),
    ]
    if suggestions:
        blocks.append(section(f"*{d.t('memo.suggestions')}*"))
        for suggestion in suggestions[:8]:
            encoded = encode(suggestion, deal.currency)
            value = MemoApplyButton(deal=deal.id, field=suggestion.field, value=encoded).encode()
            shown = change_value(suggestion.field, encoded, d)  # encoded as history stores it
            blocks.append(
                section(
                    f"{d.t(f'field.{suggestion.field}')}: *{shown}*\n_“{safe(suggestion.heard, 200)}”_",
                    accessory=button(d.t("button.apply"), Action.MEMO_APPLY, value, style="primary"),
                )
            )
    return blocks


def choose_deal_blocks(job: MemoJob, candidates: list[Deal], d: Display) -> list[Block]:
    """No deal named: the rep's likeliest deals as buttons, plus a new deal from this memo."""
    blocks: list[Block] = [
        section(d.t("memo.which_deal")),
        transcript_block(job.transcript or "", d),
        memo_meta(job, d),
    ]
    for deal in candidates:
        blocks.append(
            section(
                d.deal_line(deal),
                accessory=button(
                    d.t("button.this_deal"), Action.MEMO_DEAL, MemoDealButton(job.id, deal.id).encode()
                ),
            )
        )
    blocks.append(
        actions(button(d.t("button.memo_new_deal"), Action.MEMO_NEW_DEAL, MemoJobButton(job.id).encode()))
    )
    return blocks

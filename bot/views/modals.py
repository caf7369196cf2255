"""The modals: new deal, edit deal (pre-filled), add note, lost reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.ids import INPUT_ACTION, Block, Callback
from bot.money import Money
from bot.pipeline import Pipeline
from bot.slack.values import ModalMetadata
from bot.views.blocks import context, plain, section
from bot.views.format import OPTION_TEXT, Display, clip, safe

if TYPE_CHECKING:
    from storage.models import Deal

View = dict[str, Any]


def modal_view(
    display: Display,
    callback: Callback,
    title: str,
    submit: str,
    blocks: list[dict[str, Any]],
    meta: ModalMetadata,
) -> View:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(display.t("modal.cancel"), 24),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def input_block(
    block: Block, label: str, element: dict[str, Any], *, optional: bool = True, hint: str | None = None
) -> dict[str, Any]:
    element = {**element, "action_id": INPUT_ACTION}
    result: dict[str, Any] = {
        "type": "input",
        "block_id": block,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        result["hint"] = plain(hint, 2000)
    return result


def text_input(
    initial: str | None, *, max_length: int, multiline: bool = False, placeholder: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _date(initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def _stage_select(pipeline: Pipeline, display: Display, initial: str) -> dict[str, Any]:
    options = [
        {"text": plain(clip(f"{display.stage(s.key)} ({s.probability}%)", OPTION_TEXT)), "value": s.key}
        for s in pipeline.stages
    ]
    chosen = next((o for o in options if o["value"] == initial), options[0])
    return {"type": "static_select", "options": options, "initial_option": chosen}


def deal_form_blocks(
    display: Display, pipeline: Pipeline, deal: Deal | None, owner: str, default_currency: str
) -> list[dict[str, Any]]:
    d = display
    amount = None
    if deal is not None and deal.amount is not None:
        amount = f"{Money(deal.amount, deal.currency).major:f}"
    probability: dict[str, Any] = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "100",
    }
    if deal is not None:
        probability["initial_value"] = str(deal.probability)
    return [
        input_block(
            Block.NAME,
            d.t("field.name"),
            text_input(deal.name if deal else None, max_length=200),
            optional=False,
        ),
        input_block(
            Block.COMPANY, d.t("field.company"), text_input(deal.company if deal else None, max_length=200)
        ),
        input_block(
            Block.OWNER,
            d.t("field.owner"),
            {"type": "users_select", "initial_user": deal.owner if deal else owner},
            optional=False,
        ),
        input_block(
            Block.STAGE,
            d.t("field.stage"),
            _stage_select(pipeline, d, deal.stage if deal else pipeline.first.key),
            optional=False,
        ),
        input_block(
            Block.AMOUNT,
            d.t("field.amount"),
            text_input(amount, max_length=40, placeholder=d.t("modal.amount_placeholder")),
            hint=d.t("modal.amount_hint"),
        ),
        input_block(
            Block.CURRENCY,
            d.t("field.currency"),
            text_input(deal.currency if deal else default_currency, max_length=3),
        ),
        input_block(
            Block.PROBABILITY, d.t("field.probability"), probability, hint=d.t("modal.probability_hint")
        ),
        input_block(Block.CLOSE_DATE, d.t("field.close_date"), _date(deal.close_date if deal else None)),
        input_block(
            Block.NEXT_STEP,
            d.t("field.next_step"),
            text_input(deal.next_step if deal else None, max_length=500),
        ),
        input_block(
            Block.NEXT_STEP_DUE, d.t("field.next_step_due"), _date(deal.next_step_due if deal else None)
        ),
    ]


def new_deal_modal(
    display: Display,
    pipeline: Pipeline,
    owner: str,
    default_currency: str,
    channel_id: str | None,
    *,
    memo_job_id: int | None = None,
) -> View:
    return modal_view(
        display,
        Callback.NEW_DEAL,
        display.t("modal.new_title"),
        display.t("modal.create"),
        deal_form_blocks(display, pipeline, None, owner, default_currency),
        ModalMetadata(channel_id=channel_id, memo_job_id=memo_job_id),
    )


def edit_deal_modal(
    display: Display, pipeline: Pipeline, deal: Deal, channel_id: str | None, *, conflict: str | None = None
) -> View:
    blocks = deal_form_blocks(display, pipeline, deal, deal.owner, deal.currency)
    if conflict is not None:
        blocks.insert(0, section(conflict))
    return modal_view(
        display,
        Callback.EDIT_DEAL,
        display.t("modal.edit_title"),
        display.t("modal.save"),
        blocks,
        ModalMetadata(deal_id=deal.id, version=deal.version, channel_id=channel_id),
    )


def note_modal(display: Display, deal: Deal, channel_id: str | None) -> View:
    return modal_view(
        display,
        Callback.NOTE,
        display.t("modal.note_title"),
        display.t("modal.save"),
        [
            context(f"*#{deal.id} {safe(deal.name, 200)}*"),
            input_block(
                Block.NOTE,
                display.t("field.note"),
                text_input(None, max_length=3000, multiline=True),
                optional=False,
            ),
        ],
        ModalMetadata(deal_id=deal.id, channel_id=channel_id),
    )


def lost_modal(display: Display, deal: Deal, channel_id: str | None) -> View:
    return modal_view(
        display,
        Callback.LOST,
        display.t("modal.lost_title"),
        display.t("modal.mark_lost"),
        [
            context(f"*#{deal.id} {safe(deal.name, 200)}*"),
            input_block(
                Block.REASON, display.t("field.lost_reason"), text_input(None, max_length=500, multiline=True)
            ),
        ],
        ModalMetadata(deal_id=deal.id, channel_id=channel_id),
    )

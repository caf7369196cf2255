"""The App Home tab: the user's open deals by stage, stale ones marked, a New deal button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.ids import Action
from bot.pipeline import Pipeline
from bot.views.blocks import Block, actions, button, context, divider, header, section
from bot.views.format import Display

if TYPE_CHECKING:
    from storage.models import Deal

MAX_BLOCKS = 100  # Slack's limit for a Home tab
PER_STAGE = 15


def home_view(
    deals: Sequence[Deal],
    total: int,
    display: Display,
    pipeline: Pipeline,
    *,
    is_stale: Callable[[Deal], bool],
    now: datetime,
) -> dict[str, Any]:
    d = display
    blocks: list[Block] = [
        header(d.t("home.title")),
        actions(button(d.t("button.new_deal"), Action.NEW, "home", style="primary")),
    ]
    if not deals:
        blocks.append(section(d.t("home.empty")))
    by_stage: dict[str, list[Deal]] = {}
    for deal in deals:
        by_stage.setdefault(deal.stage, []).append(deal)
    for stage in pipeline.open_keys:
        group = by_stage.get(stage, [])
        if not group:
            continue
        blocks += [divider(), section(f"*{d.stage(stage)}* ({len(group)})")]
        for deal in group[:PER_STAGE]:
            line = d.deal_line(deal)
            if is_stale(deal):
                days = (now - deal.last_activity_at).days
                line = f":warning: {line}\n_{d.t('home.stale', days=days)}_"
            blocks.append(section(line, accessory=button(d.t("button.edit"), Action.EDIT, str(deal.id))))
        if len(group) > PER_STAGE:
            blocks.append(context(d.t("list.more", count=len(group) - PER_STAGE)))
    if total > len(deals):
        blocks.append(context(d.t("list.more", count=total - len(deals))))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}

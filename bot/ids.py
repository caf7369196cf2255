"""Every Slack action, callback and block id dealbot uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    EDIT = "deal_edit"
    NOTE = "deal_note"
    WON = "deal_won"
    LOST = "deal_lost"
    SHOW = "deal_show"
    PICK = "deal_pick"  # a candidate chosen after an ambiguous reference
    NEW = "deal_new"  # New deal button (App Home)
    SNOOZE = "deal_snooze"  # Snooze button (stale-deal reminder)
    MEMO_APPLY = "memo_apply"  # apply one field update heard in a voice memo
    MEMO_DEAL = "memo_deal"  # attach a voice memo to this deal
    MEMO_NEW_DEAL = "memo_new_deal"  # create a deal from a voice memo


class Callback(StrEnum):
    NEW_DEAL = "deal_new_modal"
    EDIT_DEAL = "deal_edit_modal"
    NOTE = "deal_note_modal"
    LOST = "deal_lost_modal"
    SNOOZE = "deal_snooze_modal"


class Block(StrEnum):
    """Input blocks of the deal modals; each holds one element whose action id is `value`."""

    NAME = "name"
    COMPANY = "company"
    OWNER = "owner"
    STAGE = "stage"
    AMOUNT = "amount"
    CURRENCY = "currency"
    PROBABILITY = "probability"
    CLOSE_DATE = "close_date"
    NEXT_STEP = "next_step"
    NEXT_STEP_DUE = "next_step_due"
    NOTE = "note"
    REASON = "reason"
    SNOOZE_FOR = "snooze_for"
    SNOOZE_UNTIL = "snooze_until"


INPUT_ACTION = "value"  # the action id of the single element inside each input block

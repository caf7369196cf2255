"""Modal submissions: new deal, edit deal, add note, lost reason.

Input problems go back next to the field (`response_action: errors`) and nothing is written;
a deal saved meanwhile by someone else reopens the form with the current values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import DealChanged, InvalidChange, MemoUnavailable, NotAllowed, ParseError
from bot.handlers.deps import Caller, Deps
from bot.i18n import t
from bot.ids import INPUT_ACTION, Block, Callback
from bot.parsing.amounts import parse_amount, parse_currency
from bot.services.deal_work import DealDetails
from bot.services.fields import DealFields
from bot.slack.memo_replies import tell_filed
from bot.slack.notifier import Notifier
from bot.slack.values import ModalMetadata
from bot.views.blocks import section
from bot.views.deals import deal_card
from bot.views.format import safe
from bot.views.messages import error_text, modal_errors
from bot.views.modals import edit_deal_modal
from storage.enums import Source

SOURCE = Source.MODAL
T = TypeVar("T")

# Which form block shows a service error about a deal field.
_BLOCK_OF_FIELD = {
    "name": Block.NAME,
    "company": Block.COMPANY,
    "owner": Block.OWNER,
    "stage": Block.STAGE,
    "amount": Block.AMOUNT,
    "currency": Block.CURRENCY,
    "probability": Block.PROBABILITY,
    "close_date": Block.CLOSE_DATE,
    "next_step": Block.NEXT_STEP,
    "next_step_due": Block.NEXT_STEP_DUE,
    "text": Block.NOTE,
    "lost_reason": Block.REASON,
}


# A form's work, one use case: (caller, metadata) → (the deal's card, catalog key of the confirmation).
FormAction = Callable[[Caller, ModalMetadata], tuple[DealDetails, str]]


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _element(values: dict[str, Any], block: Block) -> dict[str, Any]:
    return values.get(block, {}).get(INPUT_ACTION, {})


def _text(values: dict[str, Any], block: Block) -> str | None:
    value = _element(values, block).get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_deal_form(values: dict[str, Any], locale: str, *, clearing: bool) -> DealFields:
    """The deal form's state as DealFields; bad inputs raise FormErrors keyed by block id.

    `clearing`: an edit form sends every field, so an emptied text field clears it ("").
    """
    errors: dict[str, str] = {}
    empty = "" if clearing else None

    def parsed(block: Block, parser: Callable[[str], T]) -> T | None:
        text = _text(values, block)
        if not text:
            return None
        try:
            return parser(text)
        except ParseError as exc:
            errors[block] = t(locale, f"parse.{exc.code}", **exc.params)
            return None

    amount = parsed(Block.AMOUNT, parse_amount)
    currency = parsed(Block.CURRENCY, parse_currency)
    probability_text = _text(values, Block.PROBABILITY)
    probability = int(probability_text) if probability_text and probability_text.isdigit() else None
    if probability_text and (probability is None or probability > 100):
        errors[Block.PROBABILITY] = t(locale, "parse.bad_probability", value=probability_text)
    if errors:
        raise FormErrors(errors)

    stage = _element(values, Block.STAGE).get("selected_option") or {}
    return DealFields(
        name=_text(values, Block.NAME) or "",
        company=_text(values, Block.COMPANY) or empty,
        owner=_element(values, Block.OWNER).get("selected_user"),
        stage=stage.get("value"),
        probability=probability,
        amount=amount,
        currency=currency,
        close_date=_date(values, Block.CLOSE_DATE),
        next_step=_text(values, Block.NEXT_STEP) or empty,
        next_step_due=_date(values, Block.NEXT_STEP_DUE),
    )


def _date(values: dict[str, Any], block: Block) -> date | None:
    selected = _element(values, block).get("selected_date")
    return date.fromisoformat(selected) if selected else None


def _field_errors(error: InvalidChange | NotAllowed, message: str) -> dict[str, str]:
    field = error.field if isinstance(error, InvalidChange) else None
    return {str(_BLOCK_OF_FIELD.get(field or "", Block.NAME)): message}


def finish(
    ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller, action: FormAction
) -> DealDetails | None:
    """Run the form's action: a problem the user can fix goes back next to the field and nothing
    is written; success closes the modal and confirms with the deal card."""
    meta = ModalMetadata.load(view.get("private_metadata"))
    d = deps.display
    try:
        details, headline_key = action(caller, meta)
    except FormErrors as exc:
        ack(response_action="errors", errors=modal_errors(exc.errors))
        return None
    except (InvalidChange, NotAllowed) as exc:
        ack(response_action="errors", errors=modal_errors(_field_errors(exc, error_text(exc, d))))
        return None
    except DealChanged as exc:
        # Someone saved first: show their values; nothing of ours was written.
        warning = f":warning: {error_text(exc, d)}"
        current = edit_deal_modal(d, deps.settings.pipeline, exc.current, meta.channel_id, conflict=warning)
        ack(response_action="update", view=current)
        return None
    ack()
    deal = details.deal
    headline = d.t(headline_key, id=deal.id, name=safe(deal.name, 200))
    notifier = Notifier(client)
    notifier.tell(
        caller.user_id, meta.channel_id, headline, [section(headline), *deal_card(deal, d, details)]
    )
    deps.refresh_home(notifier, caller.team_id, caller.user_id)
    return details


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    return view["state"]["values"]


def new_deal(ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    def create(who: Caller, meta: ModalMetadata) -> tuple[DealDetails, str]:
        fields = read_deal_form(form_values(view), deps.settings.locale, clearing=False)
        return deps.deals.create(who.team_id, who.user_id, fields, source=SOURCE), "reply.created"

    created = finish(ack, view, client, deps, caller, create)
    meta = ModalMetadata.load(view.get("private_metadata"))
    if created is not None and meta.memo_job_id is not None:
        # "New deal from this memo": the memo becomes the new deal's first note.
        file_memo_on(created.deal.id, meta.memo_job_id, client, deps, caller)


def file_memo_on(deal_id: int, job_id: int, client: WebClient, deps: Deps, caller: Caller) -> None:
    """File a memo that waited for its deal on the deal just made; tell the rep in the memo's thread."""
    try:
        filed = deps.memos.file(caller.team_id, caller.user_id, job_id, deal_id)
    except MemoUnavailable:
        return  # filed meanwhile (a second click); the new deal stays, without the memo
    tell_filed(Notifier(client), filed, deps.display)


def edit_deal(ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    def save(who: Caller, meta: ModalMetadata) -> tuple[DealDetails, str]:
        fields = read_deal_form(form_values(view), deps.settings.locale, clearing=True)
        result = deps.deals.update(
            who.team_id,
            who.user_id,
            meta.require_deal(),
            fields,
            source=SOURCE,
            expected_version=meta.version,
        )
        return result.details, "reply.saved" if result.changes else "reply.unchanged"

    finish(ack, view, client, deps, caller, save)


def add_note(ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    def note(who: Caller, meta: ModalMetadata) -> tuple[DealDetails, str]:
        text = _text(form_values(view), Block.NOTE) or ""
        added = deps.deals.add_note(who.team_id, who.user_id, meta.require_deal(), text, source=SOURCE)
        return added.details, "reply.noted"

    finish(ack, view, client, deps, caller, note)


def mark_lost(ack: Ack, view: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    def lose(who: Caller, meta: ModalMetadata) -> tuple[DealDetails, str]:
        reason = _text(form_values(view), Block.REASON)
        result = deps.deals.mark_lost(who.team_id, who.user_id, meta.require_deal(), reason, source=SOURCE)
        return result.details, "reply.lost"

    finish(ack, view, client, deps, caller, lose)


def register(app: App) -> None:
    app.view(Callback.NEW_DEAL)(new_deal)
    app.view(Callback.EDIT_DEAL)(edit_deal)
    app.view(Callback.NOTE)(add_note)
    app.view(Callback.LOST)(mark_lost)

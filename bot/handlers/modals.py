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

from bot.errors import DealChanged, InvalidChange, NotAllowed, ParseError
from bot.handlers.deps import Deps
from bot.i18n import t
from bot.ids import INPUT_ACTION, Block, Callback
from bot.parsing.amounts import parse_amount, parse_currency
from bot.services.fields import DealFields
from bot.slack.notifier import Notifier
from bot.views.blocks import section
from bot.views.deals import deal_card
from bot.views.format import safe
from bot.views.messages import error_text, modal_errors
from bot.views.modals import ModalMetadata, edit_deal_modal

SOURCE = "modal"
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


# A form's work: (team, user, metadata) → (deal id, catalog key of the confirmation).
FormAction = Callable[[str, str, ModalMetadata], tuple[int, str]]


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


def register(app: App, deps: Deps) -> None:
    def finish(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, action: FormAction
    ) -> int | None:
        """Run the form's action: a problem the user can fix goes back next to the field and
        nothing is written; success closes the modal and confirms with the deal card."""
        team = body.get("team", {}).get("id") or body["user"]["team_id"]
        user = body["user"]["id"]
        meta = ModalMetadata.load(view.get("private_metadata"))
        d = deps.display
        try:
            deal_id, headline_key = action(team, user, meta)
        except FormErrors as exc:
            ack(response_action="errors", errors=modal_errors(exc.errors))
            return None
        except (InvalidChange, NotAllowed) as exc:
            ack(response_action="errors", errors=modal_errors(_field_errors(exc, error_text(exc, d))))
            return None
        except DealChanged as exc:
            # Someone saved first: show their values; nothing of ours was written.
            warning = f":warning: {error_text(exc, d)}"
            current = edit_deal_modal(
                d, deps.settings.pipeline, exc.current, meta.channel_id, conflict=warning
            )
            ack(response_action="update", view=current)
            return None
        ack()
        details = deps.deals.details(team, deal_id)
        headline = d.t(headline_key, id=deal_id, name=safe(details.deal.name, 200))
        notifier = Notifier(client)
        notifier.tell(
            user, meta.channel_id, headline, [section(headline), *deal_card(details.deal, d, details)]
        )
        deps.refresh_home(notifier, team, user)
        return deal_id

    def form_values(view: dict[str, Any]) -> dict[str, Any]:
        return view["state"]["values"]

    @app.view(Callback.NEW_DEAL)
    def new_deal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        def create(team: str, user: str, meta: ModalMetadata) -> tuple[int, str]:
            fields = read_deal_form(form_values(view), deps.settings.locale, clearing=False)
            return deps.deals.create(team, user, fields, source=SOURCE).id, "reply.created"

        deal_id = finish(ack, body, view, client, create)
        meta = ModalMetadata.load(view.get("private_metadata"))
        if deal_id is not None and meta.memo_job_id is not None:
            # "New deal from this memo": the memo becomes the new deal's first note.
            deps.attach_memo(client, body["user"]["id"], body["team"]["id"], meta.memo_job_id, deal_id)

    @app.view(Callback.EDIT_DEAL)
    def edit_deal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        def save(team: str, user: str, meta: ModalMetadata) -> tuple[int, str]:
            fields = read_deal_form(form_values(view), deps.settings.locale, clearing=True)
            result = deps.deals.update(
                team, user, _deal_of(meta), fields, source=SOURCE, expected_version=meta.version
            )
            return result.deal.id, "reply.saved" if result.changes else "reply.unchanged"

        finish(ack, body, view, client, save)

    @app.view(Callback.NOTE)
    def add_note(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        def note(team: str, user: str, meta: ModalMetadata) -> tuple[int, str]:
            text = _text(form_values(view), Block.NOTE) or ""
            deps.deals.add_note(team, user, _deal_of(meta), text, source=SOURCE)
            return _deal_of(meta), "reply.noted"

        finish(ack, body, view, client, note)

    @app.view(Callback.LOST)
    def mark_lost(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        def lose(team: str, user: str, meta: ModalMetadata) -> tuple[int, str]:
            reason = _text(form_values(view), Block.REASON)
            deps.deals.mark_lost(team, user, _deal_of(meta), reason, source=SOURCE)
            return _deal_of(meta), "reply.lost"

        finish(ack, body, view, client, lose)


def _deal_of(meta: ModalMetadata) -> int:
    if meta.deal_id is None:
        raise ValueError("this form carries no deal id")
    return meta.deal_id

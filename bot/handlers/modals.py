"""Modal submissions: new deal, edit deal, add note, lost reason.

Input problems go back next to the field (`response_action: errors`) and nothing is written;
a deal saved meanwhile by someone else reopens the form with the current values.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.handlers.deps import Deps
from bot.i18n import t
from bot.ids import INPUT_ACTION, Block, Callback
from bot.parsing.amounts import parse_amount, parse_currency
from bot.parsing.commands import DealFields
from bot.parsing.errors import ParseError
from bot.services.errors import DealChanged, InvalidChange, NotAllowed
from bot.slack.notifier import Notifier
from bot.views.blocks import section
from bot.views.deals import deal_card
from bot.views.format import safe
from bot.views.messages import error_text
from bot.views.modals import ModalMetadata, edit_deal_modal

SOURCE = "modal"

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

    amount = None
    amount_text = _text(values, Block.AMOUNT)
    if amount_text:
        try:
            amount = parse_amount(amount_text)
        except ParseError as exc:
            errors[Block.AMOUNT] = t(locale, f"parse.{exc.code}", **exc.params)
    currency = None
    currency_text = _text(values, Block.CURRENCY)
    if currency_text:
        try:
            currency = parse_currency(currency_text)
        except ParseError as exc:
            errors[Block.CURRENCY] = t(locale, f"parse.{exc.code}", **exc.params)
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
    def context_of(body: dict[str, Any], view: dict[str, Any]) -> tuple[str, str, ModalMetadata]:
        team = body.get("team", {}).get("id") or body["user"]["team_id"]
        return team, body["user"]["id"], ModalMetadata.load(view.get("private_metadata"))

    def confirm(
        client: WebClient, team: str, user: str, meta: ModalMetadata, deal_id: int, headline: str
    ) -> None:
        details = deps.deals.details(team, deal_id)
        blocks = [section(headline), *deal_card(details.deal, deps.display, details)]
        notifier = Notifier(client)
        notifier.tell(user, meta.channel_id, headline, blocks)
        deps.refresh_home(notifier, team, user)

    def submit(ack: Ack, action: Any) -> bool:
        """Run `action`; on a problem the user can fix, answer next to the field."""
        d = deps.display
        try:
            action()
        except FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return False
        except (InvalidChange, NotAllowed) as exc:
            ack(response_action="errors", errors=_field_errors(exc, error_text(exc, d)))
            return False
        return True

    @app.view(Callback.NEW_DEAL)
    def new_deal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team, user, meta = context_of(body, view)
        created: list[int] = []

        def create() -> None:
            fields = read_deal_form(view["state"]["values"], deps.settings.locale, clearing=False)
            created.append(deps.deals.create(team, user, fields, source=SOURCE).id)

        if submit(ack, create):
            ack()
            deal = deps.deals.get(team, created[0])
            confirm(
                client,
                team,
                user,
                meta,
                deal.id,
                deps.display.t("reply.created", id=deal.id, name=safe(deal.name, 200)),
            )

    @app.view(Callback.EDIT_DEAL)
    def edit_deal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team, user, meta = context_of(body, view)
        assert meta.deal_id is not None
        d = deps.display
        try:
            fields = read_deal_form(view["state"]["values"], deps.settings.locale, clearing=True)
            result = deps.deals.update(
                team, user, meta.deal_id, fields, source=SOURCE, expected_version=meta.version
            )
        except FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except (InvalidChange, NotAllowed) as exc:
            ack(response_action="errors", errors=_field_errors(exc, error_text(exc, d)))
            return
        except DealChanged as exc:
            # Someone saved first: show their values; nothing of ours was written.
            warning = f":warning: {error_text(exc, d)}"
            ack(
                response_action="update",
                view=edit_deal_modal(
                    d, deps.settings.pipeline, exc.current, meta.channel_id, conflict=warning
                ),
            )
            return
        ack()
        key = "reply.unchanged" if not result.changes else "reply.saved"
        confirm(
            client,
            team,
            user,
            meta,
            result.deal.id,
            d.t(key, id=result.deal.id, name=safe(result.deal.name, 200)),
        )

    @app.view(Callback.NOTE)
    def add_note(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team, user, meta = context_of(body, view)
        assert meta.deal_id is not None
        deal_id = meta.deal_id
        text = _text(view["state"]["values"], Block.NOTE) or ""
        if submit(ack, lambda: deps.deals.add_note(team, user, deal_id, text, source=SOURCE)):
            ack()
            deal = deps.deals.get(team, deal_id)
            confirm(
                client,
                team,
                user,
                meta,
                deal_id,
                deps.display.t("reply.noted", id=deal_id, name=safe(deal.name, 200)),
            )

    @app.view(Callback.LOST)
    def mark_lost(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team, user, meta = context_of(body, view)
        assert meta.deal_id is not None
        deal_id = meta.deal_id
        reason = _text(view["state"]["values"], Block.REASON)
        if submit(ack, lambda: deps.deals.mark_lost(team, user, deal_id, reason, source=SOURCE)):
            ack()
            deal = deps.deals.get(team, deal_id)
            confirm(
                client,
                team,
                user,
                meta,
                deal_id,
                deps.display.t("reply.lost", id=deal_id, name=safe(deal.name, 200)),
            )

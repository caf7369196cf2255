"""Who may use the pipeline: members of the workspace dealbot serves, and nobody else.

Every query is scoped by the request's `team_id`; this middleware makes sure the person behind a
request belongs to that team. Slack Connect shares channels with other organizations, so an
outsider can press a deal card's buttons, submit a form opened from one, or share a voice memo in
a channel dealbot is in. Slack then names two workspaces: the one the app serves (`team.id`,
`view.app_installed_team_id`, `authorizations[0].team_id`) and the person's own (`user.team_id` in
interactivity payloads; `event.user_team` in events of externally shared channels, which bolt
reads into `context.actor_team_id`). When they differ, or when a request is for another workspace
than the bot token's (`auth.test`), every read and write is politely refused and nothing is
written; an outsider's voice memo is not turned into a note.

Events in an externally shared channel that do not say whose they are (`file_shared`) are skipped:
the `message` event of the same share names the person, and that one decides.

Limit: in an Enterprise Grid org `user.team_id` is a person's home workspace, so a member whose
home is another workspace of the org is refused too (dealbot is not deployed org-wide: the
manifest says `org_deploy_enabled: false`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond

from bot.settings import Settings
from bot.views.format import Display

log = logging.getLogger(__name__)


def home_team(context: BoltContext) -> str | None:
    """The workspace this bot serves: its token's (from `auth.test`), else the request's."""
    authorized = context.authorize_result
    return (authorized.team_id if authorized is not None else None) or context.team_id


def actor_team(body: dict[str, Any], context: BoltContext) -> str | None:
    """The workspace of the person behind the request, or None when Slack does not say."""
    user = body.get("user")
    if isinstance(user, dict):  # interactivity: the person's own workspace
        team = user.get("team_id")
        return None if team is None else str(team)
    if _in_shared_channel(body):
        return context.actor_team_id
    return context.team_id


def _in_shared_channel(body: dict[str, Any]) -> bool:
    """An event from a channel shared with another organization (Slack Connect)."""
    return body.get("type") == "event_callback" and body.get("is_ext_shared_channel") is True


def is_outsider(body: dict[str, Any], context: BoltContext) -> bool:
    home = home_team(context)
    if home is None:  # nothing to compare with; the handlers' team scoping still applies
        return False
    if context.team_id is not None and context.team_id != home:
        return True  # a workspace this bot token does not belong to
    actor = actor_team(body, context)
    if actor is None:
        return _in_shared_channel(body)
    return actor != home


def _first_input_block(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    values = ((view or {}).get("state") or {}).get("values") if isinstance(view, dict) else None
    return next(iter(values), None) if isinstance(values, dict) else None


def refusal(body: dict[str, Any], ack: Ack, respond: Respond, text: str) -> BoltResponse:
    """Tell the person, in the way this kind of request allows, and acknowledge it."""
    if "command" in body:
        return ack(text=text, response_type="ephemeral")
    if body.get("type") == "view_submission":
        block = _first_input_block(body)
        return ack(response_action="errors", errors={block: text}) if block else ack()
    if body.get("type") == "block_actions" and body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    return ack()  # events, and buttons in a modal or App Home: nothing to answer in


def register(app: App, settings: Settings) -> None:
    """Install the check; it must run before anything that writes (e.g. team adoption)."""
    display = Display(settings.locale, settings.tz)

    @app.middleware
    def members_only(
        body: dict[str, Any],
        context: BoltContext,
        ack: Ack,
        respond: Respond,
        resp: BoltResponse,
        next: Callable[[], None],
    ) -> BoltResponse:
        if not is_outsider(body, context):
            next()
            return resp
        log.info(
            "refused %s from user %s of workspace %s (this bot serves %s)",
            body.get("type") or ("slash_command" if "command" in body else "request"),
            context.user_id,
            actor_team(body, context),
            home_team(context),
        )
        return refusal(body, ack, respond, display.t("error.outsider"))

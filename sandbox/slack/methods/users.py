"""`users.info`: registered users; in lenient mode any `U…`/`W…` id gets a made-up profile."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.slack.http import Payload
from sandbox.slack.objects import error, truthy, user_object
from sandbox.slack.state import WorkspaceState


def info(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    """`locale` only with `include_locale=true`, as Slack does."""
    user_id = str(args.get("user", ""))
    user = state.users.get(user_id)
    if user is None:
        if state.strict or user_id[:1] not in {"U", "W"}:
            return error("user_not_found")
        user = user_object(user_id, user_id.lower(), "en-US", "UTC", user_id, None, False)
    user = copy.deepcopy(user)
    if not truthy(args.get("include_locale", False)):
        user.pop("locale", None)
    return {"ok": True, "user": user}


METHODS = {"users.info": info}

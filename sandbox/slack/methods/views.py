"""`views.*`: open and push modals (onto the stack of the person whose trigger_id it is), update
them by id or external id, publish App Home; trigger_ids work once in strict mode."""

from __future__ import annotations

from typing import Any

from sandbox.slack.http import Payload
from sandbox.slack.objects import error
from sandbox.slack.state import MAX_STACK, WorkspaceState


def _trigger_error(state: WorkspaceState, trigger_id: Any) -> Payload | None:
    if not trigger_id:
        return error("invalid_arguments", "[ERROR] missing required field: trigger_id")
    if state.strict and trigger_id in state.used_triggers:
        return error("exchanged_trigger_id")
    state.used_triggers.add(trigger_id)
    return None


def open_view(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    problem = _trigger_error(state, args.get("trigger_id")) or state.view_error(args.get("view"))
    if problem:
        return problem
    stored = state.store_view(args["view"], state.new_id("V"))
    user = state.trigger_users.get(str(args["trigger_id"]))
    if user is not None:
        state.stacks[user] = [stored["view"]["id"]]
    return stored


def push(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    user = state.trigger_users.get(str(args.get("trigger_id")))
    stack = state.stacks.get(user or "")
    if not stack:
        return open_view(state, args)
    if len(stack) >= MAX_STACK:
        return error("push_limit_reached")
    problem = _trigger_error(state, args.get("trigger_id")) or state.view_error(args.get("view"))
    return problem or state.push_view(stack, args["view"])


def _find_view(state: WorkspaceState, args: dict[str, Any]) -> str | None:
    if args.get("view_id"):
        return str(args["view_id"])
    external_id = args.get("external_id")
    return next(
        (v["id"] for v in state.views_by_id.values() if external_id and v.get("external_id") == external_id),
        None,
    )


def update(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    if not args.get("view_id") and not args.get("external_id"):
        return error("invalid_arguments", "[ERROR] missing required field: view_id")
    problem = state.view_error(args.get("view"))
    if problem:
        return problem
    view_id = _find_view(state, args)
    current = state.views_by_id.get(view_id or "")
    if current is None and state.strict:
        return error("not_found")
    if state.strict and current and args.get("hash") and args["hash"] != current["hash"]:
        return error("hash_conflict")
    kept = {k: current[k] for k in ("root_view_id", "previous_view_id")} if current else {}
    return state.store_view(args["view"], view_id or state.new_id("V"), **kept)


def publish(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    user_id = args.get("user_id")
    if not user_id:
        return error("invalid_arguments", "[ERROR] missing required field: user_id")
    problem = state.view_error(args.get("view"))
    if problem:
        return problem
    if args["view"].get("type") != "home":
        return error("invalid_arguments", "[ERROR] must be home [json-pointer:/view/type]")
    view_id = state.home_views.setdefault(user_id, state.new_id("V"))
    return state.store_view(args["view"], view_id)


METHODS = {"views.open": open_view, "views.push": push, "views.update": update, "views.publish": publish}

"""Slack's HTTP requests into bolt: a body not shaped like Slack's is a 400, never a 500.

bolt reads ids and payload parts out of the body (team, user, channel, the first action, the
view, the event…) while it builds the request and the arguments of every middleware, listener
and even the error handler, and assumes Slack's shapes: a `user` that is a number, `actions`
that is null or an event that is a string escapes as an exception, and waitress answers 500.
Slack never sends such a body, so it gets a plain 400 and nothing runs. Everything past the
envelope (values, ids inside it) is the listeners' business, and their errors reach the one
error handler, which answers 200 and tells the person.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

log = logging.getLogger(__name__)

# Envelope parts bolt reads, and the types Slack sends them as (None: the key may be null).
_ID_OR_OBJECT = ("team", "user", "enterprise", "channel")
_OBJECTS = ("container", "message", "previous_message", "item", "state", "assistant_thread", "function_data")
_LISTS_OF_OBJECTS = ("authorizations", "response_urls")
_STRINGS = ("type", "command", "response_url", "trigger_id", "callback_id", "action_id", "block_id")


class SlackRequests(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
            problem = shape_problem(bolt_request.body)
        except (ValueError, TypeError, AttributeError, LookupError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            log.info("refused a request not shaped like Slack's: %s", problem)
            return BoltResponse(status=400, body="bad request")
        return self.app.dispatch(bolt_request)


def shape_problem(body: Any) -> str | None:
    """Why `body` is not shaped like a Slack request, or None."""
    if not isinstance(body, dict):
        return "the body is not an object"
    problem = _parts_problem(body, "")
    if problem is not None:
        return problem
    if "event" in body:
        event = body["event"]
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event is not an object with a type"
        return _parts_problem(event, "event.")
    return None


def _parts_problem(node: dict[str, Any], where: str) -> str | None:
    for key in _ID_OR_OBJECT:
        if not isinstance(node.get(key), str | dict | None):
            return f"{where}{key} is neither an id nor an object"
    for key in _OBJECTS:
        if not isinstance(node.get(key), dict | None):
            return f"{where}{key} is not an object"
    for key in _LISTS_OF_OBJECTS:
        if key in node and not _list_of_objects(node[key]):
            return f"{where}{key} is not a list of objects"
    for key in _STRINGS:
        if not isinstance(node.get(key), str | None):
            return f"{where}{key} is not a string"
    if "actions" in node and not (_list_of_objects(node["actions"]) and node["actions"]):
        return f"{where}actions is not a list of objects"
    for action in node.get("actions") or ():
        if not all(isinstance(action.get(key), str | None) for key in _STRINGS):
            return f"{where}an action's ids are not strings"
    if "view" in node:
        view = node["view"]
        if not isinstance(view, dict) or not isinstance(view.get("type"), str):
            return f"{where}view is not an object with a type"
        if not all(isinstance(view.get(key), str | None) for key in _STRINGS):
            return f"{where}view's ids are not strings"
        if not isinstance(view.get("state"), dict | None):
            return f"{where}view.state is not an object"
    return None


def _list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)

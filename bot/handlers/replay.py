"""The replay guard: a global middleware that answers 401 to an exact replay of a signed request.

It runs after bolt has verified the signature (a forged or stale request never gets here), and
only for HTTP requests: Socket Mode requests carry no signature and cannot be replayed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse

from bot.services.replays import SeenRequests
from storage.db import Database

log = logging.getLogger("bot.replay")
SIGNATURE_HEADER = "x-slack-signature"


def register(app: App, db: Database) -> None:
    seen = SeenRequests(db)

    @app.middleware
    def refuse_replays(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse | None:
        signature = (req.headers.get(SIGNATURE_HEADER) or [""])[0]
        if req.mode != "http" or not signature or seen.first_time(signature):
            next()
            return None
        log.warning("refused a replayed request (signature already seen)")
        return BoltResponse(status=401, body="")

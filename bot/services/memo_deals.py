"""Which deal a voice memo is about: named in the message, else the rep's likeliest deals.

`#12` or a deal's name in the text shared with the memo decides. Otherwise the transcript is
matched against the rep's open deals (names and companies mentioned) with RapidFuzz.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.errors import AmbiguousDeal, DealNotFound
from bot.services.deals import DealService
from bot.services.fields import Ref
from storage.models import Deal

_NUMBER = re.compile(r"(?<![\w#])#(\d{1,9})\b")
MIN_SCORE = 75.0
MAX_CANDIDATES = 3


def deal_named_in(text: str | None, deals: DealService, team_id: str, owner: str) -> Deal | None:
    """The deal the message names: `#12`, else the longest open deal name of the rep it contains."""
    if not text:
        return None
    number = _NUMBER.search(text)
    if number is not None:
        try:
            return deals.resolve(team_id, Ref(number=int(number.group(1))))
        except DealNotFound:
            return None
    lowered = text.casefold()
    mine = deals.open_deals_of(team_id, owner).deals
    named = [deal for deal in mine if deal.name_key and deal.name_key in lowered]
    if named:
        return max(named, key=lambda deal: len(deal.name_key))
    try:
        return deals.resolve(team_id, Ref(text=text.strip())) if len(text) <= 200 else None
    except (DealNotFound, AmbiguousDeal):
        return None


def likely_deals(transcript: str, candidates: Sequence[Deal], limit: int = MAX_CANDIDATES) -> list[Deal]:
    """The rep's deals whose name or company the transcript mentions, best match first.

    With no mention above the threshold, the most recently active deals are offered instead.
    """
    text = transcript.casefold()
    scored: list[tuple[float, Deal]] = []
    for deal in candidates:
        names = [deal.name, deal.company or ""]
        score = max(fuzz.partial_ratio(name.casefold(), text) for name in names if name)
        if score >= MIN_SCORE:
            scored.append((score, deal))
    if scored:
        scored.sort(key=lambda pair: (-pair[0], -pair[1].last_activity_at.timestamp()))
        return [deal for _, deal in scored[:limit]]
    recent = sorted(candidates, key=lambda deal: deal.last_activity_at, reverse=True)
    return list(recent[:limit])


def vocabulary(candidates: Sequence[Deal]) -> list[str]:
    """Proper nouns to bias the transcription toward: the rep's deal names and companies."""
    words: dict[str, None] = {}
    for deal in candidates:
        for word in (deal.company, deal.name):
            if word:
                words[word] = None
    return list(words)[:60]

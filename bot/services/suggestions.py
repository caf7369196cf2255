"""Field updates heard in a voice memo (English and Japanese), offered to the rep to confirm.

The same parsers as `/deal` read amounts and dates; a few phrase patterns find the next step,
the stage and the probability. Nothing here changes a deal: the rep applies what is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.parsing.amounts import find_amount_in_text, parse_spoken_number
from bot.parsing.dates import find_date_in_text
from bot.pipeline import LOST, WON, Pipeline
from bot.services.fields import Amount, DealFields

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
_NEXT_STEP = re.compile(
    r"(?:next steps? (?:is|are|will be)(?: to)?|we need to|i(?:'ll| will) follow up (?:by|with)|"
    r"次のアクションは|次回は|ネクストステップは)\s*(?P<step>.+)",
    re.IGNORECASE,
)
_CLOSE_WORDS = re.compile(
    r"close|closing|sign|contract|decision|push|slip|move|契約|受注|決裁|締結|延期", re.I
)
_PERCENT = re.compile(
    r"(?P<number>(?:[a-z]+[- ])?(?:[0-9０-９]+|[a-z]+|[〇一二三四五六七八九十百]+))"
    r"\s*(?:%|％|percent|パーセント)",
    re.IGNORECASE,
)
_WON = (
    r"signed the (?:contract|deal|order)|closed the deal|we won|"
    r"受注(?:しました|が決定|確定)|契約(?:を)?(?:締結|いただき|決定|が決まり)"
)
_LOST = r"went with (?:a|another|the other) (?:competitor|vendor)|we lost|失注|見送り|他社に決定"
_STAGE_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (WON, re.compile(_WON, re.I)),
    (LOST, re.compile(_LOST, re.I)),
    ("negotiation", re.compile(r"negotiat|price discussion|価格交渉|条件交渉|交渉", re.I)),
    ("proposal", re.compile(r"sent (?:the|a|our) (?:proposal|quote)|提案書|見積(?:書)?を(?:送|提出)", re.I)),
)


@dataclass(frozen=True)
class Suggestion:
    """One field update to offer: `fields` holds just that field, ready for DealService.update."""

    field: str
    fields: DealFields
    heard: str  # the words it came from, shown to the rep


def suggest(transcript: str, today: date, pipeline: Pipeline) -> list[Suggestion]:
    sentences = [s for s in _SENTENCE_END.split(transcript) if s.strip()]
    found: dict[str, Suggestion] = {}
    for sentence in sentences:
        for suggestion in _from_sentence(sentence.strip(), today, pipeline):
            found.setdefault(suggestion.field, suggestion)  # the first mention wins
    return list(found.values())


def _from_sentence(sentence: str, today: date, pipeline: Pipeline) -> list[Suggestion]:
    found: list[Suggestion] = []
    amount = find_amount_in_text(sentence)
    if amount is not None and not _PERCENT.search(sentence):
        found.append(Suggestion("amount", DealFields(amount=amount), sentence))
    step = _NEXT_STEP.search(sentence)
    when = find_date_in_text(sentence, today)
    if step is not None:
        text = step.group("step").strip(" .。")
        found.append(Suggestion("next_step", DealFields(next_step=text[:500]), sentence))
        if when is not None:
            found.append(Suggestion("next_step_due", DealFields(next_step_due=when), sentence))
    elif when is not None and _CLOSE_WORDS.search(sentence):
        found.append(Suggestion("close_date", DealFields(close_date=when), sentence))
    for stage, pattern in _STAGE_PHRASES:
        if pipeline.get(stage) is not None and pattern.search(sentence):
            found.append(Suggestion("stage", DealFields(stage=stage), sentence))
            break
    percent = _PERCENT.search(sentence)
    if percent is not None:
        number = _percent_value(percent.group("number"))
        if number is not None and 0 <= number <= 100 and number == int(number):
            found.append(Suggestion("probability", DealFields(probability=int(number)), sentence))
    return found


def _percent_value(words: str) -> Decimal | None:
    # "sixty five" / "sixty-five" / "65" / "六十五"; "about forty" keeps only the number.
    value = parse_spoken_number(words)
    if value is None and " " in words.strip():
        value = parse_spoken_number(words.split()[-1])
    return value


def encode(suggestion: Suggestion, currency: str) -> str:
    """The suggested value as plain text (as history stores it), to travel in a button."""
    value = suggestion.fields.given()[suggestion.field]
    if isinstance(value, Amount):
        return f"{value.value} {value.currency or currency}"
    return value.isoformat() if isinstance(value, date) else str(value)

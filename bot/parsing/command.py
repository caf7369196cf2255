"""The `/deal` grammar: subcommands, deal references and `field:value` pairs → a Command."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.errors import ParseError
from bot.i18n import stage_aliases
from bot.parsing.amounts import parse_amount, parse_currency, parse_probability
from bot.parsing.commands import (
    AddNote,
    Command,
    FindDeals,
    Help,
    ListDeals,
    MarkLost,
    MarkWon,
    NewDeal,
    OpenNewDealModal,
    ShowDeal,
    UpdateDeal,
)
from bot.parsing.dates import parse_date
from bot.parsing.tokens import Token, iter_tokens, normalize
from bot.pipeline import Pipeline
from bot.services.fields import DealFields, Ref, without_nul

FIELD_NAMES = "amount, currency, stage, prob, close, next, due, company, owner, name"
# What people type → the DealFields attribute it sets.
FIELD_ALIASES: dict[str, str] = {
    "name": "name",
    "company": "company",
    "owner": "owner",
    "stage": "stage",
    "prob": "probability",
    "probability": "probability",
    "amount": "amount",
    "currency": "currency",
    "close": "close_date",
    "close_date": "close_date",
    "next": "next_step",
    "next_step": "next_step",
    "due": "next_step_due",
    "next_step_due": "next_step_due",
}
Scope = Literal["mine", "all", "stale"]
_SCOPES: dict[str, Scope] = {"mine": "mine", "all": "all", "stale": "stale"}
# A Slack user id fits the owner column (32): a longer "id" is not one, and says so.
_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,31})(?:\|[^>]*)?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{6,31}")
_NUMBER_REF = re.compile(r"#?([0-9]+)")
_MAX_DEAL_NUMBER = 10**9


@dataclass
class _Input:
    """The text after the subcommand word, read a word at a time."""

    text: str
    tokens: Iterator[Token]
    today: date
    pipeline: Pipeline
    last_end: int = 0

    def take(self) -> Token | None:
        token = next(self.tokens, None)
        if token is not None:
            self.last_end = token.end
        return token

    def rest(self) -> list[Token]:
        tokens = list(self.tokens)
        if tokens:
            self.last_end = tokens[-1].end
        return tokens

    def rest_text(self) -> str:
        """The original text after the last word read: quotes and spacing as typed."""
        return _slack_text(self.text[self.last_end :].strip())


def parse_command(text: str, today: date, pipeline: Pipeline) -> Command:
    """Read the text of `/deal …` (as Slack sends it) into a Command, or raise ParseError.

    Every error raised after the subcommand word carries `subcommand`, so the caller can show
    that subcommand's usage line and example.
    """
    text = without_nul(text)
    tokens = iter_tokens(text)
    first = next(tokens, None)
    if first is None:
        return OpenNewDealModal()
    word = normalize(first.value).casefold()
    handler = _SUBCOMMANDS.get(word)
    if handler is None:
        raise ParseError("unknown_subcommand", word=first.value)
    try:
        return handler(_Input(text, tokens, today, pipeline, last_end=first.end))
    except ParseError as error:
        error.subcommand = error.subcommand or word
        raise


# --- subcommands ---------------------------------------------------------------------------


def _help(words: _Input) -> Command:
    return Help()


def _new(words: _Input) -> Command:
    name_words, field_tokens = _split_at_fields(words.rest())
    fields = _fields(field_tokens, words)
    typed_name = _joined(name_words)
    if typed_name and fields.name:
        raise ParseError("duplicate_field", field="name")
    name = typed_name or fields.name
    if not name:
        raise ParseError("missing_name")
    return NewDeal(name, replace(fields, name=None))


def _update(words: _Input) -> Command:
    ref_words, field_tokens = _split_at_fields(words.rest())
    ref = _ref(ref_words)
    if not field_tokens:
        raise ParseError("missing_fields")
    return UpdateDeal(ref, _fields(field_tokens, words))


def _note(words: _Input) -> Command:
    ref = _ref(_taken(words))
    text = words.rest_text()
    if not text:
        raise ParseError("missing_text")
    return AddNote(ref, text)


def _won(words: _Input) -> Command:
    return MarkWon(_whole_ref(words))


def _lost(words: _Input) -> Command:
    ref = _ref(_taken(words))
    return MarkLost(ref, words.rest_text() or None)


def _show(words: _Input) -> Command:
    return ShowDeal(_whole_ref(words))


def _list(words: _Input) -> Command:
    scope: Scope | None = None
    given: dict[str, str] = {}
    for token in words.rest():
        pair = token.field()
        word = token.value.casefold()
        if pair is None and word in _SCOPES and scope is None:
            scope = _SCOPES[word]
        elif pair is not None and pair[0] in ("stage", "owner") and pair[0] not in given:
            given[pair[0]] = str(_field_value(pair[0], pair[1], words))
        else:
            raise ParseError("bad_list_filter", value=token.value)
    return ListDeals(scope or "mine", stage=given.get("stage"), owner=given.get("owner"))


def _find(words: _Input) -> Command:
    query = _joined(words.rest())
    if not query:
        raise ParseError("missing_query")
    return FindDeals(query)


_SUBCOMMANDS: dict[str, Callable[[_Input], Command]] = {
    "help": _help,
    "new": _new,
    "update": _update,
    "note": _note,
    "won": _won,
    "lost": _lost,
    "show": _show,
    "list": _list,
    "find": _find,
}


# --- pieces --------------------------------------------------------------------------------


def _taken(words: _Input) -> list[Token]:
    token = words.take()
    return [token] if token is not None else []


def _joined(tokens: list[Token]) -> str:
    return _slack_text(" ".join(token.value for token in tokens).strip())


def _slack_text(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` in what people typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _split_at_fields(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """Words before the first `field:value`, and everything from there on."""
    first_field = next((i for i, token in enumerate(tokens) if token.field()), len(tokens))
    return tokens[:first_field], tokens[first_field:]


def _whole_ref(words: _Input) -> Ref:
    """A reference that is all the rest of the text (`show Acme Corp`), with no fields after it."""
    ref_words, extra = _split_at_fields(words.rest())
    if extra:
        raise ParseError("unexpected_text", value=extra[0].value)
    return _ref(ref_words)


def _ref(tokens: list[Token]) -> Ref:
    """`#12`/`12` → Ref(number=12); other words (quoted or not) → Ref(text=…)."""
    if not tokens or not _joined(tokens):
        raise ParseError("missing_ref")
    first = normalize(tokens[0].value)
    number = _NUMBER_REF.fullmatch(first)
    if number is not None:
        if not 0 < int(number.group(1)) <= _MAX_DEAL_NUMBER:
            raise ParseError("bad_ref", value=tokens[0].value)
        if len(tokens) > 1:
            raise ParseError("unexpected_text", value=tokens[1].value)
        return Ref(number=int(number.group(1)))
    if first.startswith(("#", "<")):
        raise ParseError("bad_ref", value=tokens[0].value)
    return Ref(text=_joined(tokens))


def _fields(tokens: list[Token], words: _Input) -> DealFields:
    """`field:value` words → DealFields; a stray word (often an unquoted space) is reported first."""
    pairs = [token.field() for token in tokens]
    for token, pair in zip(tokens, pairs, strict=True):
        if pair is None:
            raise ParseError("unexpected_text", value=token.value)
    values: dict[str, object] = {}
    for name, value in filter(None, pairs):
        attribute = FIELD_ALIASES.get(name)
        if attribute is None:
            raise ParseError("unknown_field", field=name, fields=FIELD_NAMES)
        if attribute in values:
            raise ParseError("duplicate_field", field=name)
        values[attribute] = _field_value(name, value, words)
    return DealFields(**values)  # type: ignore[arg-type]


def _field_value(name: str, value: str, words: _Input) -> object:
    """The typed value of one field, checked: a stage key, a Slack user id, an Amount, a date…"""
    value = value.strip()
    if not value:
        raise ParseError("empty_value", field=name)
    attribute = FIELD_ALIASES[name]
    if attribute == "owner":
        return _owner(value)
    if attribute == "stage":
        return _stage(value, words.pipeline)
    if attribute in ("close_date", "next_step_due"):
        return parse_date(value, words.today)
    readers: dict[str, Callable[[str], object]] = {
        "probability": parse_probability,
        "amount": parse_amount,
        "currency": parse_currency,
    }
    reader = readers.get(attribute, _slack_text)
    return reader(value)


def _owner(value: str) -> str:
    """Slack's `<@U012ABC>`/`<@U012ABC|maria>`, or a bare user id; a plain `@maria` has no id."""
    mention = _MENTION.fullmatch(value)
    if mention is not None:
        return mention.group(1)
    if _USER_ID.fullmatch(value):
        return value
    raise ParseError("bad_owner", value=value)


def _stage(value: str, pipeline: Pipeline) -> str:
    """A stage key (`proposal`) or any localized label (`提案・見積`, `Negotiation`, `交渉`)."""
    wanted = normalize(value).casefold()
    aliases = {normalize(label).casefold(): key for label, key in stage_aliases().items()}
    key = wanted if pipeline.get(wanted) else aliases.get(wanted)
    if key is None or key not in pipeline.keys:
        raise ParseError("unknown_stage", value=value, stages=", ".join(pipeline.keys))
    return key

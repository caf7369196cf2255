"""Splitting `/deal` text into words: quotes (ASCII, typographic, 「」), Slack markup, `field:value`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from bot.errors import ParseError

# Opening quote → the characters that close it. Phones autocorrect `"` to “ ” (and sometimes
# to two right quotes), so typographic quotes close with either of their pair.
_CLOSERS: dict[str, str] = {
    '"': '"',
    "'": "'",
    "“": "”“",
    "”": "”“",
    "‘": "’‘",
    "’": "’‘",
    "「": "」",
    "『": "』",
}
# Single quotes double as apostrophes (`O'Brien`, `don’t`): they open a quote only at the start
# of a word or right after `field:`, and close one only where a word does not go on.
_APOSTROPHES = frozenset("'‘’")
_FIELD = re.compile(r"([A-Za-z_]+)[:：](?!//)")


@dataclass(frozen=True)
class Token:
    """One word: `value` without its quotes, `raw` as typed, `start`/`end` in the source text."""

    value: str
    raw: str
    start: int
    end: int

    def field(self) -> tuple[str, str] | None:
        """(field name, value) when the word is `name:value` outside quotes, else None."""
        split = field_value(self.raw)
        if split is None:
            return None
        name = split[0]
        return name, self.value[len(name) + 1 :]


def normalize(text: str) -> str:
    """Full-width letters, digits and spaces to ASCII (NFKC), runs of whitespace to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def field_value(token: str) -> tuple[str, str] | None:
    """Split `stage:proposal` / `stage：提案` into ("stage", "proposal"); None if not a field.

    Only a plain ASCII word before the first colon counts, so `http://…`, `<@U1>`, `10:30` and
    `"Acme: Phase 2"` stay text. The name is lower-cased; the value is returned as is.
    """
    match = _FIELD.match(token)
    if match is None:
        return None
    return match.group(1).lower(), token[match.end() :]


def split_tokens(text: str) -> list[str]:
    """Shell-like words of `text`, quotes removed; ParseError("unclosed_quote") on a lone quote."""
    return [token.value for token in iter_tokens(text)]


def iter_tokens(text: str) -> Iterator[Token]:
    """The words of `text` one at a time, so a caller can stop early and keep the raw rest."""
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        token = _read_token(text, position)
        position = token.end
        yield token


def _read_token(text: str, start: int) -> Token:
    parts: list[str] = []
    position = start
    while position < len(text) and not text[position].isspace():
        char = text[position]
        if char == "<" and (close := text.find(">", position)) != -1:
            # Slack markup (`<@U012ABC|maria>`, `<https://…|label>`) is one piece, spaces and all.
            parts.append(text[position : close + 1])
            position = close + 1
        elif char in _CLOSERS and _opens_quote(text, start, position):
            close = _find_closer(text, position)
            parts.append(text[position + 1 : close])
            position = close + 1
        else:
            parts.append(char)
            position += 1
    return Token("".join(parts), text[start:position], start, position)


def _opens_quote(text: str, start: int, position: int) -> bool:
    if text[position] not in _APOSTROPHES:
        return True
    return position == start or text[position - 1] in ":："


def _find_closer(text: str, opening: int) -> int:
    closers = _CLOSERS[text[opening]]
    apostrophe = text[opening] in _APOSTROPHES
    for position in range(opening + 1, len(text)):
        if text[position] not in closers:
            continue
        following = text[position + 1 : position + 2]
        if not (apostrophe and following.isalnum()):
            return position
    raise ParseError("unclosed_quote", text=text.strip())

"""Message catalogs (English, Japanese) and the one function that looks a message up.

Every piece of text the bot shows goes through `t(locale, key, **params)`. Parameters are
substituted with `str.format`; callers escape user text before passing it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from bot.i18n import en, ja

LOCALES: tuple[str, ...] = ("en", "ja")
_CATALOGS: Mapping[str, Mapping[str, str]] = {"en": en.MESSAGES, "ja": ja.MESSAGES}


def t(locale: str, key: str, /, **params: object) -> str:
    """The message `key` in `locale`, falling back to English, then to the key itself."""
    catalog = _CATALOGS.get(locale, en.MESSAGES)
    template = catalog.get(key) or en.MESSAGES.get(key)
    if template is None:
        return key
    return template.format(**params) if params else template


def stage_label(locale: str, stage: str) -> str:
    """Display name of a pipeline stage; custom stages without a translation show their key."""
    label = t(locale, f"stage.{stage}")
    return stage if label == f"stage.{stage}" else label


@cache
def stage_aliases() -> dict[str, str]:
    """Every display name of every built-in stage (any locale), casefolded → stage key."""
    aliases: dict[str, str] = {}
    for catalog in _CATALOGS.values():
        for key, label in catalog.items():
            if key.startswith("stage."):
                aliases[label.casefold()] = key.removeprefix("stage.")
    return aliases

"""Message catalogs: Japanese and English say the same things with the same placeholders."""

from __future__ import annotations

import string

from bot.i18n import en, ja, stage_aliases, stage_label, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys() -> None:
    assert set(en.MESSAGES) == set(ja.MESSAGES)


def test_translations_use_the_same_placeholders() -> None:
    mismatched = [
        key for key in en.MESSAGES if placeholders(en.MESSAGES[key]) != placeholders(ja.MESSAGES[key])
    ]
    assert mismatched == []


def test_stage_labels_follow_the_locale() -> None:
    assert stage_label("en", "proposal") == "Proposal"
    assert stage_label("ja", "proposal") == "提案・見積"
    assert stage_label("ja", "demo") == "demo"  # a custom stage shows its key


def test_japanese_stage_names_map_back_to_keys() -> None:
    aliases = stage_aliases()
    assert aliases["交渉"] == "negotiation" and aliases["受注"] == "won" and aliases["lead"] == "lead"


def test_unknown_locale_falls_back_to_english() -> None:
    assert t("fr", "button.edit") == "Edit"

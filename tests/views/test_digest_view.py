"""The digest message (Block Kit and plain text) and its chart, from digests built on a real database."""

from __future__ import annotations

import json
import struct
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.services.deals import DealService
from bot.services.digest import Digest, build_digest
from bot.services.fields import Amount, DealFields
from bot.views.chart import pipeline_chart_png
from bot.views.digest import MAX_BLOCKS, digest_blocks, digest_text, message
from bot.views.format import Display
from storage.db import Database
from tests.conftest import OTHER_REP, REP, TEAM

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
EN = Display("en", TOKYO)
JA = Display("ja", TOKYO)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def create(deals: DealService, name: str, owner: str, stage: str, amount: str, currency: str) -> int:
    fields = DealFields(
        name=name,
        stage=stage,
        amount=Amount(Decimal(amount), currency),
        close_date=date(2026, 11, 25),
    )
    return deals.create(TEAM, owner, fields, source="slash").deal.id


def build(db: Database, deals: DealService) -> Digest:
    return build_digest(
        db,
        TEAM,
        pipeline=deals.pipeline,
        as_of=AS_OF,
        since=AS_OF - timedelta(days=7),
        stale_days=7,
        tz=TOKYO,
    )


@pytest.fixture
def small(db: Database, deals: DealService) -> Digest:
    """A deal named `<!channel>` (and a hostile lost reason), USD and JPY, a win and a loss."""
    with time_machine.travel(START, tick=False):
        create(deals, "Old lead", REP, "lead", "10000", "USD")
    with time_machine.travel(datetime(2026, 11, 10, tzinfo=UTC), tick=False):
        create(deals, "<!channel> & <@U999>", REP, "proposal", "60000", "USD")
        create(deals, "東京物流 更新", OTHER_REP, "negotiation", "5000000", "JPY")
        won = create(deals, "Won deal", OTHER_REP, "proposal", "25000", "USD")
        lost = create(deals, "Lost deal", REP, "lead", "1000", "USD")
        deals.mark_won(TEAM, OTHER_REP, won, source="slash")
        deals.mark_lost(TEAM, REP, lost, "<!here> price", source="slash")
    return build(db, deals)


def all_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(item["text"] for item in block.get("fields", []) + block.get("elements", []))
    return texts


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "context", "divider"}
        if kind == "header":
            assert block["text"]["type"] == "plain_text" and 0 < len(block["text"]["text"]) <= 150
        if kind == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
        if kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(element["text"]) <= 2000 for element in block["elements"])
    assert len(json.dumps(blocks)) < 40_000


def test_blocks_are_valid_and_carry_the_figures(small: Digest, deals: DealService) -> None:
    blocks = digest_blocks(small, EN, deals.pipeline)
    assert_valid_blocks(blocks)
    text = "\n".join(all_texts(blocks))
    assert blocks[0]["text"]["text"] == "Weekly pipeline digest"
    assert "Total: $70,000 / ¥5,000,000" in text  # per currency, never added up
    assert "Weighted forecast: $31,000 / ¥3,500,000" in text  # 10% of 10,000 + 50% of 60,000; 70%
    assert "Won (1) · $25,000" in text
    assert f"<@{REP}>" in text and f"<@{OTHER_REP}>" in text  # owners are mentions


def test_user_text_is_escaped_never_a_mention_or_broadcast(small: Digest, deals: DealService) -> None:
    text = "\n".join(all_texts(digest_blocks(small, EN, deals.pipeline)))
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in text
    assert "&lt;!here&gt; price" in text
    assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text


def test_japanese_digest(small: Digest, deals: DealService) -> None:
    blocks = digest_blocks(small, JA, deals.pipeline)
    assert_valid_blocks(blocks)
    text = "\n".join(all_texts(blocks))
    assert blocks[0]["text"]["text"] == "週次パイプラインレポート"
    assert "提案・見積(1件)" in text and "交渉(1件)" in text
    assert "受注(1件) · $25,000" in text
    assert "東京物流 更新" in text and "¥5,000,000" in text


def test_plain_text_says_the_same_without_markup(small: Digest, deals: DealService) -> None:
    text = digest_text(small, EN, deals.pipeline)
    assert "Total: $70,000 / ¥5,000,000" in text
    assert "<!channel> & <@U999>" in text  # plain text for a terminal: shown as typed
    assert f"@{REP}" in text and f"<@{REP}>" not in text
    assert "*" not in text


def test_a_big_digest_stays_within_slack_limits(db: Database, deals: DealService) -> None:
    with time_machine.travel(datetime(2026, 11, 10, tzinfo=UTC), tick=False):
        for number in range(25):
            owner = f"U{number:04d}"
            deal = create(deals, "<&>" * 60 + str(number), owner, "lead", "1000", "USD")
            deals.update(TEAM, owner, deal, DealFields(stage="proposal"), source="slash")
    blocks = digest_blocks(build(db, deals), EN, deals.pipeline)
    assert_valid_blocks(blocks)
    text = "\n".join(all_texts(blocks))
    assert "…and 17 more" in text  # 25 advances: 8 lines, then the count of the rest


def test_an_empty_digest_renders(db: Database, deals: DealService) -> None:
    digest = build(db, deals)
    assert_valid_blocks(digest_blocks(digest, JA, deals.pipeline))
    assert message(JA, "digest.none") in digest_text(digest, JA, deals.pipeline)


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return width, height


@pytest.mark.parametrize("display", [EN, JA], ids=["en", "ja"])
def test_chart_is_a_png_of_sensible_size(small: Digest, deals: DealService, display: Display) -> None:
    png = pipeline_chart_png(small, display, deals.pipeline)
    assert png.startswith(PNG_MAGIC)
    width, height = png_size(png)
    assert 600 <= width <= 1200 and 2 * 250 <= height <= 2 * 400  # two panels: USD and JPY
    assert 10_000 < len(png) < 500_000


def test_chart_of_an_empty_pipeline(db: Database, deals: DealService) -> None:
    png = pipeline_chart_png(build(db, deals), JA, deals.pipeline)
    assert png.startswith(PNG_MAGIC) and png_size(png)[0] >= 600


def test_digest_messages_are_in_both_main_catalogs() -> None:
    from bot.i18n import en, ja

    keys = {key for key in en.MESSAGES if key.startswith("digest.")}
    assert "digest.title" in keys and keys <= set(ja.MESSAGES)

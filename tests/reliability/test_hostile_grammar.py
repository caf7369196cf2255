"""Hostile `/deal` text: any unicode in, a ParseError or a command out, and always a valid reply.

tests/parsing already checks the parsers on short arbitrary text and on grammar-shaped text.
This goes further: text built from the characters that break parsers in practice (full-width
forms, right-to-left and zero-width marks, control characters, emoji, combining marks, tokens
thousands of characters long), run through the same reply path a slash command takes (parse,
the deal service on a real database, the views) and checked against Slack's Block Kit limits;
and amounts and dates as they land in the database: minor units that fit the column, real dates.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidChange, ParseError
from bot.handlers.commands import CommandRunner, Reply, parse, parse_error_reply
from bot.handlers.deps import Caller, Deps
from bot.parsing.amounts import parse_amount
from bot.parsing.command import parse_command
from bot.parsing.commands import AddNote, OpenNewDealModal
from bot.parsing.dates import parse_date
from bot.pipeline import Pipeline
from bot.services.deals import DealService
from bot.services.fields import DealFields, Ref
from bot.services.memo_queue import MemoQueue
from bot.services.memos import MemoService
from bot.settings import Settings
from bot.views.modals import new_deal_modal
from storage.db import Database
from storage.models import Deal
from tests.conftest import REP, TEAM
from tests.fakes.slack_api import blocks_errors, view_errors

TODAY = date(2026, 11, 23)
PIPELINE = Pipeline.default()
BIGINT = 2**63 - 1  # deals.amount is a BigInteger
ON_A_DATABASE = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- hostile text --------------------------------------------------------------------------------

FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)  # ！ … ～, ｎｅｗ, ＃１２
MARKS = st.sampled_from(
    [
        "\u200b",  # zero-width space
        "\u200c",
        "\u200d",  # zero-width joiner (emoji sequences)
        "\u2060",  # word joiner
        "\ufeff",  # byte order mark
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u00ad",  # soft hyphen
        "\u0301",  # combining acute accent
        "\u3000",  # ideographic space
        "\u00a0",  # no-break space
        "\u2028",  # line separator
    ]
)
CONTROL = st.characters(codec="ascii", categories=["Cc"])  # NUL, tab, newline, ESC, DEL…
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
RTL = st.characters(min_codepoint=0x0590, max_codepoint=0x06FF)  # Hebrew, Arabic
ANY = st.characters(codec="utf-8")  # everything but lone surrogates (Slack sends UTF-8)
CHARACTER = st.one_of(FULL_WIDTH, MARKS, CONTROL, EMOJI, RTL, ANY)
WORD = st.text(CHARACTER, min_size=1, max_size=12)
LONG_TOKEN = st.builds(lambda c, n: c * n, CHARACTER, st.integers(200, 5000))
GRAMMAR = st.sampled_from(
    [
        "new",
        "ｎｅｗ",
        "update",
        "ｕｐｄａｔｅ",
        "note",
        "won",
        "lost",
        "show",
        "list",
        "find",
        "help",
        "#1",
        "＃１",
        "1",
        '"',
        "「",
        "」",
        "amount:",
        "amount：",
        "stage:",
        "close:",
        "due:",
        "next:",
        "owner:",
        "prob:",
        "currency:",
        "company:",
        "name:",
        "<@U0REP>",
        "<!here>",
        "&amp;",
        "&lt;",
        "\x00",  # PostgreSQL text cannot hold NUL
        "owner:<@U" + "A" * 40 + ">",  # longer than any Slack id (and the owner column)
        "owner:W" + "1" * 40,
    ]
)
TEXT = st.lists(st.one_of(GRAMMAR, WORD, LONG_TOKEN, GRAMMAR.map(lambda g: g + "x")), max_size=8).map(
    lambda parts: " ".join(parts)
)
GLUED = st.lists(st.one_of(GRAMMAR, WORD), min_size=1, max_size=8).map("".join)  # no spaces between


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXT, GLUED))
def test_hostile_unicode_parses_to_a_command_or_a_parse_error(text: str) -> None:
    try:
        command = parse_command(text, TODAY, PIPELINE)
    except ParseError as error:
        assert error.code
    else:
        assert command is not None


def test_a_nul_character_is_dropped_from_the_command_text() -> None:
    assert parse_command("note #1 met\x00 the CFO", TODAY, PIPELINE) == AddNote(Ref(number=1), "met the CFO")


def test_an_owner_id_longer_than_any_slack_id_is_refused_by_name() -> None:
    with pytest.raises(ParseError) as refused:
        parse_command("update #1 owner:<@U" + "A" * 40 + ">", TODAY, PIPELINE)
    assert refused.value.code == "bad_owner"


# --- the reply a slash command gets ------------------------------------------------------------------


@pytest.fixture
def deps(settings: Settings, db: Database, deals: DealService) -> Deps:
    return Deps(settings=settings, deals=deals, memos=MemoService(deals), queue=MemoQueue(db))


def run(deps: Deps, text: str, channel: str | None = None) -> Reply:
    """What `/deal <text>` answers, the way the slash-command listener answers it."""
    try:
        command = parse(text, deps)
    except ParseError as error:
        return parse_error_reply(error, deps)
    return CommandRunner(deps, Caller(TEAM, REP, channel), text).run(command)


def assert_valid_reply(text: str, blocks: list[dict[str, object]]) -> None:
    assert text.strip()
    assert blocks_errors(blocks, 50) == []


@ON_A_DATABASE
@given(text=st.one_of(TEXT, GLUED))
def test_any_command_text_gets_a_valid_block_kit_reply(deps: Deps, settings: Settings, text: str) -> None:
    try:
        command = parse(text, deps)
    except ParseError as error:
        reply = parse_error_reply(error, deps)
        assert_valid_reply(reply.text, reply.blocks)
        return
    if isinstance(command, OpenNewDealModal):
        view = new_deal_modal(deps.display, settings.pipeline, REP, settings.default_currency, None)
        assert view_errors(view) == []
        return
    reply = run(deps, text, "C0SALES")
    assert_valid_reply(reply.text, reply.blocks)


@ON_A_DATABASE
@given(
    name=st.text(CHARACTER, min_size=1, max_size=200), words=st.lists(st.one_of(GRAMMAR, WORD), max_size=6)
)
def test_commands_on_a_deal_with_a_hostile_name_get_valid_replies(
    deps: Deps, deals: DealService, name: str, words: list[str]
) -> None:
    """Every subcommand aimed at the deal by number, with hostile words after it."""
    try:
        deal = deals.create(TEAM, REP, DealFields(name=name), source="slash").deal
    except InvalidChange as refused:  # blank once NUL and spaces are gone
        assert refused.code == "missing_name" and not name.replace("\x00", "").split()
        return
    rest = " ".join(words)
    ref = f"#{deal.id}"
    for text in (
        f"show {ref}",
        f"note {ref} {rest}",
        f"update {ref} {rest}",
        f"lost {ref} {rest}",
        f"won {ref}",
    ):
        reply = run(deps, text)
        assert_valid_reply(reply.text, reply.blocks)
    found = run(deps, "list all")
    assert_valid_reply(found.text, found.blocks)


# --- amounts and dates as they are stored -----------------------------------------------------------

AMOUNT_LIKE = st.lists(
    st.one_of(
        st.sampled_from(list("0123456789０１２３４５６７８９,.，．kKmMbB万億千百十兆$¥€£円 -+e")),
        st.sampled_from(["USD", "JPY", "EUR", "BHD", "bn", "million", "万円", "億円", "1e9", "9" * 25]),
    ),
    max_size=12,
).map("".join)
CURRENCIES = st.sampled_from(["USD", "JPY", "EUR", "BHD", "KWD", "CLF"])  # 2, 0, 2, 3, 3, 4 decimals


@settings(max_examples=400, deadline=None)
@given(st.one_of(AMOUNT_LIKE, st.text(CHARACTER, max_size=30)))
def test_a_parsed_amount_is_finite_and_not_negative(text: str) -> None:
    try:
        amount = parse_amount(text)
    except ParseError as error:
        assert error.code == "bad_amount"
    else:
        assert amount.value.is_finite() and amount.value >= 0


@ON_A_DATABASE
@given(text=AMOUNT_LIKE, currency=CURRENCIES)
def test_a_parsed_amount_is_stored_as_minor_units_that_fit_the_column(
    deals: DealService, text: str, currency: str
) -> None:
    try:
        amount = parse_amount(text)
    except ParseError:
        return
    try:
        deal = deals.create(
            TEAM, REP, DealFields(name="Acme", amount=amount, currency=currency), source="slash"
        ).deal
    except InvalidChange as change:
        assert change.field in ("amount", "currency")
        return
    assert deal.amount is not None and 0 <= deal.amount <= BIGINT
    with deals.db.read() as session:
        assert session.get_one(Deal, deal.id).amount == deal.amount


DATE_LIKE = st.lists(
    st.sampled_from(
        [
            "in",
            " ",
            "9" * 12,
            "99999",
            "０",
            "１２",
            "/",
            "／",
            "-",
            "－",
            "年",
            "月",
            "日",
            "後",
            "週間",
            "days",
            "weeks",
            "months",
            "years",
            "next",
            "friday",
            "来週",
            "金曜",
            "月末",
            "来月末",
            "end of month",
            "2026",
            "9999",
            "0000",
            "31",
            "02",
            "29",
            "\u200b",
            "\u202e",
        ]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(DATE_LIKE, st.text(CHARACTER, max_size=30)), st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_a_parsed_date_is_a_real_date_in_sane_years(text: str, today: date) -> None:
    try:
        found = parse_date(text, today)
    except ParseError as error:
        assert error.code == "bad_date"
    else:
        assert 1970 <= found.year <= 2200
        assert abs(found.year - today.year) <= 50

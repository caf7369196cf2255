"""The `/deal` grammar: every subcommand, references, fields and the errors each one reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.parsing.command import FIELD_NAMES, parse_command
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
from bot.pipeline import Pipeline, parse_stage_spec
from bot.services.fields import Amount, DealFields, Ref

TODAY = date(2026, 11, 23)  # a Monday
PIPELINE = Pipeline.default()
STAGES = "lead, qualified, proposal, negotiation, won, lost"


def parse(text: str, pipeline: Pipeline = PIPELINE) -> Command:
    return parse_command(text, TODAY, pipeline)


def parse_error(text: str, pipeline: Pipeline = PIPELINE) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text, pipeline)
    return caught.value


def update_fields(text: str) -> DealFields:
    command = parse(f"update #12 {text}")
    assert isinstance(command, UpdateDeal)
    return command.fields


# --- subcommand words ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\u3000", "\n"])
def test_empty_text_opens_the_new_deal_modal(text: str) -> None:
    assert parse(text) == OpenNewDealModal()


@pytest.mark.parametrize("text", ["help", "HELP", "Help", " help ", "help new"])
def test_help_asks_for_help(text: str) -> None:
    assert parse(text) == Help()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("NEW Acme", NewDeal("Acme")),
        ("Show #3", ShowDeal(Ref(number=3))),
        ("LIST", ListDeals()),
        ("ｎｅｗ Acme", NewDeal("Acme")),  # full-width letters from a Japanese keyboard
    ],
)
def test_subcommand_words_ignore_case_and_width(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("frobnicate", "frobnicate"),
        ("add Acme", "add"),
        ("#12", "#12"),
        ("stage:lead", "stage:lead"),
        ("新規 Acme", "新規"),
    ],
)
def test_an_unknown_subcommand_is_reported_with_its_word(text: str, word: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand, error.params) == ("unknown_subcommand", None, {"word": word})


# --- new -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("new Acme", "Acme"),
        ("new Acme Corp", "Acme Corp"),
        ("new   Acme    Corp  ", "Acme Corp"),
        ('new "Acme Corp"', "Acme Corp"),
        ("new “Acme Corp”", "Acme Corp"),
        ("new 「アクメ商事」", "アクメ商事"),
        ("new アクメ商事\u3000東京支店", "アクメ商事 東京支店"),
        ('new "Acme: Phase 2"', "Acme: Phase 2"),
        ("new O'Brien & Sons", "O'Brien & Sons"),
        ("new AT&amp;T renewal", "AT&T renewal"),  # Slack escapes &, < and >
        ("new Meeting at 10:30", "Meeting at 10:30"),
        ("new See https://acme.com", "See https://acme.com"),
        ("new Site <https://acme.com|acme.com>", "Site <https://acme.com|acme.com>"),
        ("new name:Acme", "Acme"),
        ('new name:"Acme Corp" amount:5k', "Acme Corp"),
    ],
)
def test_new_takes_the_name_from_the_words_before_the_fields(text: str, name: str) -> None:
    command = parse(text)
    assert isinstance(command, NewDeal)
    assert command.name == name
    assert command.fields.name is None


def test_new_reads_every_field() -> None:
    command = parse(
        'new Acme Corp amount:$50k stage:proposal prob:40 close:2026-12-15 next:"send quote" '
        "due:friday company:Acme owner:<@U012ABC|maria> currency:usd"
    )
    assert command == NewDeal(
        "Acme Corp",
        DealFields(
            company="Acme",
            owner="U012ABC",
            stage="proposal",
            probability=40,
            amount=Amount(Decimal(50000), "USD"),
            currency="USD",
            close_date=date(2026, 12, 15),
            next_step="send quote",
            next_step_due=date(2026, 11, 27),
        ),
    )


def test_new_reads_a_japanese_command() -> None:
    command = parse(
        "new アクメ商事 amount:500万円 stage:提案・見積 close:来月末 next：「見積を再送」 due:来週金曜"
    )
    assert command == NewDeal(
        "アクメ商事",
        DealFields(
            stage="proposal",
            amount=Amount(Decimal(5_000_000), "JPY"),
            close_date=date(2026, 12, 31),
            next_step="見積を再送",
            next_step_due=date(2026, 12, 4),
        ),
    )


@pytest.mark.parametrize("text", ["new", "new   ", "new amount:5k", 'new ""', "new stage:lead prob:10"])
def test_new_without_a_name_is_missing_name(text: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("missing_name", "new")


def test_new_with_a_name_and_a_name_field_is_a_duplicate() -> None:
    error = parse_error("new Acme name:Other")
    assert (error.code, error.subcommand, error.params) == ("duplicate_field", "new", {"field": "name"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("new Acme amount:5k oops", "oops"),
        ("new Acme close:next friday", "friday"),  # values with spaces need quotes
        ("new Acme next:send quote", "quote"),
        ("new Acme amount:5k http://acme.com", "http://acme.com"),
    ],
)
def test_new_rejects_plain_words_after_the_fields(text: str, value: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand, error.params) == ("unexpected_text", "new", {"value": value})


# --- references ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref_text", "ref"),
    [
        ("#12", Ref(number=12)),
        ("12", Ref(number=12)),
        ("#007", Ref(number=7)),
        ("＃１２", Ref(number=12)),
        ("Acme", Ref(text="Acme")),
        ('"Acme Corp"', Ref(text="Acme Corp")),
        ("“Acme Corp”", Ref(text="Acme Corp")),
        ("「アクメ 商事」", Ref(text="アクメ 商事")),
        ("Acme Corp", Ref(text="Acme Corp")),
        ("3M", Ref(text="3M")),
        ('"#12"', Ref(number=12)),
        ("AT&amp;T", Ref(text="AT&T")),
    ],
)
def test_a_deal_reference_is_a_number_or_the_start_of_a_name(ref_text: str, ref: Ref) -> None:
    assert parse(f"show {ref_text}") == ShowDeal(ref)
    assert parse(f"won {ref_text}") == MarkWon(ref)
    assert parse(f"update {ref_text} stage:lead") == UpdateDeal(ref, DealFields(stage="lead"))


@pytest.mark.parametrize("subcommand", ["update", "note", "won", "lost", "show"])
@pytest.mark.parametrize("rest", ["", "   ", '""'])
def test_a_missing_reference_is_reported_for_its_subcommand(subcommand: str, rest: str) -> None:
    error = parse_error(f"{subcommand} {rest}")
    assert (error.code, error.subcommand) == ("missing_ref", subcommand)


@pytest.mark.parametrize("ref_text", ["#0", "0", "#abc", "#", "<#C123|general>", "#99999999999"])
def test_a_malformed_reference_is_bad_ref(ref_text: str) -> None:
    error = parse_error(f"show {ref_text}")
    assert (error.code, error.subcommand, error.params) == ("bad_ref", "show", {"value": ref_text})


@pytest.mark.parametrize(
    ("text", "value"), [("won #12 yay", "yay"), ("show 12 Acme", "Acme"), ("won Acme stage:won", "stage:won")]
)
def test_words_after_a_whole_reference_are_unexpected(text: str, value: str) -> None:
    error = parse_error(text)
    assert (error.code, error.params) == ("unexpected_text", {"value": value})


# --- update --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("update #12 stage:proposal", UpdateDeal(Ref(number=12), DealFields(stage="proposal"))),
        (
            'update "Acme Corp" stage:proposal',
            UpdateDeal(Ref(text="Acme Corp"), DealFields(stage="proposal")),
        ),
        ("update Acme Corp stage:proposal", UpdateDeal(Ref(text="Acme Corp"), DealFields(stage="proposal"))),
        (
            "update 12 amount:1.2M currency:EUR prob:60%",
            UpdateDeal(
                Ref(number=12),
                DealFields(amount=Amount(Decimal(1_200_000)), currency="EUR", probability=60),
            ),
        ),
    ],
)
def test_update_reads_a_reference_and_fields(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize("text", ["update 12", "update #12", 'update "Acme Corp"', "update Acme Corp"])
def test_update_without_fields_is_missing_fields(text: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("missing_fields", "update")


@pytest.mark.parametrize("text", ["update stage:lead", "update amount:5k"])
def test_update_with_fields_but_no_reference_is_missing_ref(text: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("missing_ref", "update")


# --- fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("name:Acme", DealFields(name="Acme")),
        ('name:"Acme Corp"', DealFields(name="Acme Corp")),
        ("company:Acme", DealFields(company="Acme")),
        ("company:「アクメ 商事」", DealFields(company="アクメ 商事")),
        ("company:AT&amp;T", DealFields(company="AT&T")),
        ("next:call", DealFields(next_step="call")),
        ('next:"send revised quote"', DealFields(next_step="send revised quote")),
        ("next:“send revised quote”", DealFields(next_step="send revised quote")),
        ("next_step:call", DealFields(next_step="call")),
        ('next:"see <https://acme.com|the doc>"', DealFields(next_step="see <https://acme.com|the doc>")),
        ("Next:call", DealFields(next_step="call")),
        ("NEXT：電話", DealFields(next_step="電話")),
    ],
)
def test_text_fields_keep_what_was_typed(text: str, fields: DealFields) -> None:
    assert update_fields(text) == fields


@pytest.mark.parametrize(
    ("value", "owner"),
    [
        ("<@U012ABC>", "U012ABC"),
        ("<@U012ABC|maria>", "U012ABC"),
        ("<@W012ABC|maria lopez>", "W012ABC"),
        ("U012ABCDEF", "U012ABCDEF"),
    ],
)
def test_owner_takes_the_user_id_slack_sends(value: str, owner: str) -> None:
    assert update_fields(f"owner:{value}") == DealFields(owner=owner)


@pytest.mark.parametrize("value", ["@maria", "maria", "<@maria>", "u012abcdef", "<#C123|general>", "U12"])
def test_owner_without_a_slack_user_id_is_bad_owner(value: str) -> None:
    error = parse_error(f"update 12 owner:{value}")
    assert (error.code, error.subcommand, error.params) == ("bad_owner", "update", {"value": value})


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("lead", "lead"),
        ("Proposal", "proposal"),
        ("NEGOTIATION", "negotiation"),
        ("won", "won"),
        ("交渉", "negotiation"),
        ("提案・見積", "proposal"),
        ("提案･見積", "proposal"),  # half-width middle dot
        ("見込み評価", "qualified"),
        ("リード", "lead"),
        ("ﾘｰﾄﾞ", "lead"),  # half-width katakana
        ("受注", "won"),
        ("失注", "lost"),
        ('"Qualified"', "qualified"),
    ],
)
def test_stage_accepts_keys_and_localized_labels(value: str, stage: str) -> None:
    assert update_fields(f"stage:{value}") == DealFields(stage=stage)


@pytest.mark.parametrize("value", ["prop", "closed", "提案", "won!", "demo"])
def test_an_unknown_stage_lists_the_pipeline_stages(value: str) -> None:
    error = parse_error(f"update 12 stage:{value}")
    assert (error.code, error.subcommand) == ("unknown_stage", "update")
    assert error.params == {"value": value, "stages": STAGES}


def test_stage_must_exist_in_the_configured_pipeline() -> None:
    pipeline = parse_stage_spec("discovery:20,demo:40,trial:60")
    assert parse("update 12 stage:demo", pipeline) == UpdateDeal(Ref(number=12), DealFields(stage="demo"))
    error = parse_error("update 12 stage:交渉", pipeline)  # a built-in label, not in this pipeline
    assert error.params == {"value": "交渉", "stages": "discovery, demo, trial, won, lost"}


@pytest.mark.parametrize(("alias", "value"), [("prob", "40"), ("probability", "40%"), ("prob", "４０％")])
def test_prob_and_probability_read_a_whole_percentage(alias: str, value: str) -> None:
    assert update_fields(f"{alias}:{value}") == DealFields(probability=40)


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("50k", Amount(Decimal(50000))),
        ("$1.2M", Amount(Decimal(1_200_000), "USD")),
        ("500万円", Amount(Decimal(5_000_000), "JPY")),
        ('"USD 5000"', Amount(Decimal(5000), "USD")),
        ("¥3,000,000", Amount(Decimal(3_000_000), "JPY")),
    ],
)
def test_amount_field_reads_symbols_scales_and_yen(value: str, amount: Amount) -> None:
    assert update_fields(f"amount:{value}") == DealFields(amount=amount)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("close:2026-12-15", DealFields(close_date=date(2026, 12, 15))),
        ("close_date:12/15", DealFields(close_date=date(2026, 12, 15))),
        ('close:"end of month"', DealFields(close_date=date(2026, 11, 30))),
        ("close:eoq", DealFields(close_date=date(2026, 12, 31))),
        ("close:月末", DealFields(close_date=date(2026, 11, 30))),
        ("due:tomorrow", DealFields(next_step_due=date(2026, 11, 24))),
        ('due:"next friday"', DealFields(next_step_due=date(2026, 11, 27))),
        ("next_step_due:来週金曜", DealFields(next_step_due=date(2026, 12, 4))),
        ("close:2025-01-31", DealFields(close_date=date(2025, 1, 31))),  # the past is allowed
        ("due:yesterday", DealFields(next_step_due=date(2026, 11, 22))),
    ],
)
def test_close_and_due_read_dates_in_both_languages_past_included(text: str, fields: DealFields) -> None:
    assert update_fields(text) == fields


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("amount:lots", "bad_amount", {"value": "lots"}),
        ("amount:-5", "bad_amount", {"value": "-5"}),
        ("currency:dollarz", "bad_currency", {"value": "dollarz"}),
        ("prob:0.4", "bad_probability", {"value": "0.4"}),
        ("prob:150", "bad_probability", {"value": "150"}),
        ("close:someday", "bad_date", {"value": "someday"}),
        ("due:2026-02-30", "bad_date", {"value": "2026-02-30"}),
        ("stage:", "empty_value", {"field": "stage"}),
        ('next:""', "empty_value", {"field": "next"}),
        ('company:"  "', "empty_value", {"field": "company"}),
        ("foo:bar", "unknown_field", {"field": "foo", "fields": FIELD_NAMES}),
        ("Value:10", "unknown_field", {"field": "value", "fields": FIELD_NAMES}),
        ("amount:5k amount:6k", "duplicate_field", {"field": "amount"}),
        ("prob:40 probability:50", "duplicate_field", {"field": "probability"}),
        ("close:eom close_date:eoq", "duplicate_field", {"field": "close_date"}),
    ],
)
def test_bad_field_values_are_reported_with_the_subcommand(
    text: str, code: str, params: dict[str, object]
) -> None:
    error = parse_error(f"update #12 {text}")
    assert (error.code, error.subcommand, error.params) == (code, "update", params)


def test_the_unknown_field_message_lists_the_fields_in_the_documented_order() -> None:
    assert FIELD_NAMES == "amount, currency, stage, prob, close, next, due, company, owner, name"


def test_a_stray_word_is_reported_before_bad_values() -> None:
    error = parse_error("update 12 close:last friday")
    assert (error.code, error.params) == ("unexpected_text", {"value": "friday"})


# --- note, won, lost, show -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("note #12 called them", AddNote(Ref(number=12), "called them")),
        ('note 12 they said "maybe in Q1"', AddNote(Ref(number=12), 'they said "maybe in Q1"')),
        ("note 12 keep   the   spacing", AddNote(Ref(number=12), "keep   the   spacing")),
        ("note 12 don't forget the 'big' demo", AddNote(Ref(number=12), "don't forget the 'big' demo")),
        ('note 12 unclosed " quote', AddNote(Ref(number=12), 'unclosed " quote')),
        ("note 12 stage:proposal is next", AddNote(Ref(number=12), "stage:proposal is next")),
        ('note "Acme Corp" first call', AddNote(Ref(text="Acme Corp"), "first call")),
        ("note 12 line one\nline two", AddNote(Ref(number=12), "line one\nline two")),
        ("note 12 a &lt;b&gt; &amp; c", AddNote(Ref(number=12), "a <b> & c")),
        (
            "note #12 先方は前向き。「来月決裁」とのこと",
            AddNote(Ref(number=12), "先方は前向き。「来月決裁」とのこと"),
        ),
    ],
)
def test_note_keeps_the_original_text_after_the_reference(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize("text", ["note 12", "note #12   ", "note Acme"])
def test_an_empty_note_is_missing_text(text: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("missing_text", "note")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("won #12", MarkWon(Ref(number=12))),
        ("won Acme Corp", MarkWon(Ref(text="Acme Corp"))),
        ("lost #12", MarkLost(Ref(number=12))),
        ("lost 12 went with a competitor", MarkLost(Ref(number=12), "went with a competitor")),
        ('lost "Acme Corp" price: too high', MarkLost(Ref(text="Acme Corp"), "price: too high")),
        ("lost 12 予算が取れなかった", MarkLost(Ref(number=12), "予算が取れなかった")),
        ("show #12", ShowDeal(Ref(number=12))),
        ("show 「アクメ」", ShowDeal(Ref(text="アクメ"))),
    ],
)
def test_won_and_show_take_a_reference_and_lost_an_optional_reason(text: str, command: Command) -> None:
    assert parse(text) == command


# --- list and find ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("list", ListDeals("mine")),
        ("list mine", ListDeals("mine")),
        ("list all", ListDeals("all")),
        ("list ALL", ListDeals("all")),
        ("list stale", ListDeals("stale")),
        ("list stage:proposal", ListDeals("mine", stage="proposal")),
        ("list all stage:proposal", ListDeals("all", stage="proposal")),
        ("list stage:交渉 all", ListDeals("all", stage="negotiation")),
        ("list owner:<@U012ABC|maria>", ListDeals("mine", owner="U012ABC")),
        ("list all stage:lead owner:<@U012ABC>", ListDeals("all", stage="lead", owner="U012ABC")),
    ],
)
def test_list_combines_a_scope_with_filters(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("list everything", "everything"),
        ("list mine all", "all"),
        ("list amount:5k", "amount:5k"),
        ("list stage:lead stage:won", "stage:won"),
        ("list http://x.com", "http://x.com"),
    ],
)
def test_list_rejects_unknown_filters(text: str, value: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand, error.params) == ("bad_list_filter", "list", {"value": value})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("list stage:nope", "unknown_stage"),
        ("list owner:@maria", "bad_owner"),
        ("list stage:", "empty_value"),
    ],
)
def test_list_reports_bad_filter_values_precisely(text: str, code: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == (code, "list")


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("find Acme", "Acme"),
        ("find Acme   Corp", "Acme Corp"),
        ('find "Acme Corp"', "Acme Corp"),
        ("find アクメ", "アクメ"),
        ("find AT&amp;T", "AT&T"),
    ],
)
def test_find_searches_for_the_rest_of_the_text(text: str, query: str) -> None:
    assert parse(text) == FindDeals(query)


@pytest.mark.parametrize("text", ["find", "find   ", 'find ""'])
def test_find_without_words_is_missing_query(text: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("missing_query", "find")


# --- errors carry their subcommand -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subcommand"),
    [
        ('new "Acme', "new"),
        ("update 12 next:'call", "update"),
        ('find "Acme', "find"),
        ("show “Acme", "show"),
    ],
)
def test_an_unclosed_quote_after_the_subcommand_carries_it(text: str, subcommand: str) -> None:
    error = parse_error(text)
    assert (error.code, error.subcommand) == ("unclosed_quote", subcommand)


def test_an_unclosed_quote_in_the_subcommand_word_has_no_subcommand() -> None:
    error = parse_error('"new Acme')
    assert (error.code, error.subcommand) == ("unclosed_quote", None)


_SUBCOMMAND_WORDS = st.sampled_from(
    ["new", "update", "note", "won", "lost", "show", "list", "find", "help", ""]
)
_PIECES = st.sampled_from(
    [
        "#12",
        "12",
        "Acme",
        '"Acme Corp"',
        "stage:",
        "stage:lead",
        "stage:交渉",
        "amount:5k",
        "amount:x",
        "prob:40",
        "close:eom",
        "due:来週金曜",
        "owner:<@U1ABCDEF>",
        "owner:@x",
        "foo:bar",
        "next:'a b'",
        "'",
        '"',
        "「",
        "<@U1>",
        "http://x",
        "all",
        "mine",
        "：",
        "\u3000",
        "&amp;",
    ]
)


@settings(deadline=None)
@given(st.text(max_size=60))
def test_parse_command_on_any_text_returns_a_command_or_raises_parse_error(text: str) -> None:
    try:
        command = parse(text)
    except ParseError as error:
        assert error.code
    else:
        assert command is not None


@settings(deadline=None)
@given(_SUBCOMMAND_WORDS, st.lists(_PIECES, max_size=6))
def test_parse_command_on_command_like_text_returns_a_command_or_raises_parse_error(
    word: str, pieces: list[str]
) -> None:
    text = " ".join([word, *pieces])
    try:
        parse(text)
    except ParseError as error:
        if word:  # every error after a known subcommand word names it
            assert error.subcommand == word

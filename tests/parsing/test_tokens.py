"""Tokenizer: whitespace, quotes of every kind, Slack markup and `field:value` splitting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.parsing.tokens import field_value, iter_tokens, normalize, split_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("   ", []),
        ("new Acme", ["new", "Acme"]),
        ("  new   Acme  Corp  ", ["new", "Acme", "Corp"]),
        ("new\tAcme\nCorp", ["new", "Acme", "Corp"]),
        ("new\u3000アクメ\u3000商事", ["new", "アクメ", "商事"]),  # ideographic space
        ("new\u00a0Acme", ["new", "Acme"]),  # no-break space
    ],
)
def test_split_tokens_splits_on_any_whitespace(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ('new "Acme Corp" amount:5k', ["new", "Acme Corp", "amount:5k"]),
        ("new 'Acme Corp' amount:5k", ["new", "Acme Corp", "amount:5k"]),
        ("new “Acme Corp” amount:5k", ["new", "Acme Corp", "amount:5k"]),
        ("new ‘Acme Corp’ amount:5k", ["new", "Acme Corp", "amount:5k"]),
        ("new 「アクメ 商事」 amount:5k", ["new", "アクメ 商事", "amount:5k"]),
        ("new 『アクメ 商事』", ["new", "アクメ 商事"]),
        ("new ”Acme Corp” x", ["new", "Acme Corp", "x"]),  # autocorrect sent two right quotes
        ("new “Acme Corp“ x", ["new", "Acme Corp", "x"]),
        ('new "  spaced  "', ["new", "  spaced  "]),
        ('"Acme\u3000Corp"', ["Acme\u3000Corp"]),
    ],
)
def test_split_tokens_groups_quoted_words(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ('next:"send revised quote"', ["next:send revised quote"]),
        ("next:'send revised quote'", ["next:send revised quote"]),
        ("next:“send revised quote”", ["next:send revised quote"]),
        ("next：「見積を再送」", ["next：見積を再送"]),
        ('a"b c"d', ["ab cd"]),
        ('"a""b"', ["ab"]),
    ],
)
def test_split_tokens_accepts_a_quote_starting_mid_token(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ('""', [""]),
        ('name:""', ["name:"]),
        ("「」", [""]),
    ],
)
def test_split_tokens_keeps_empty_quotes_as_an_empty_word(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("O'Brien deal", ["O'Brien", "deal"]),
        ("don't forget", ["don't", "forget"]),
        ("don’t forget", ["don’t", "forget"]),  # iOS turns the apostrophe into ’
        ("'Bob's deal' won", ["Bob's deal", "won"]),
        ("rock'n'roll", ["rock'n'roll"]),
        ("the 90's", ["the", "90's"]),
    ],
)
def test_split_tokens_treats_apostrophes_inside_words_as_letters(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("owner:<@U012ABC|maria lopez> x", ["owner:<@U012ABC|maria lopez>", "x"]),
        ("<https://example.com/a b|the doc> x", ["<https://example.com/a b|the doc>", "x"]),
        ('<@U1|"quoted"> x', ['<@U1|"quoted">', "x"]),
        ("a < b", ["a", "<", "b"]),  # no closing >: a plain character
    ],
)
def test_split_tokens_keeps_slack_markup_whole(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    "text",
    ['new "Acme', "new 'Acme Corp", "new “Acme", "new 「アクメ", 'next:"send quote', 'a "b" "c'],
)
def test_split_tokens_rejects_an_unclosed_quote(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        split_tokens(text)
    assert caught.value.code == "unclosed_quote"
    assert caught.value.params == {"text": text}


def test_iter_tokens_reports_raw_text_and_positions() -> None:
    text = 'update  "Acme Corp" next:"call back"'
    tokens = list(iter_tokens(text))
    assert [(t.value, t.raw) for t in tokens] == [
        ("update", "update"),
        ("Acme Corp", '"Acme Corp"'),
        ("next:call back", 'next:"call back"'),
    ]
    assert all(text[t.start : t.end] == t.raw for t in tokens)


def test_iter_tokens_is_lazy_so_an_unclosed_quote_later_does_not_stop_earlier_words() -> None:
    tokens = iter_tokens('note 12 he said "hi')
    assert [next(tokens).value, next(tokens).value] == ["note", "12"]
    with pytest.raises(ParseError):
        list(tokens)


@pytest.mark.parametrize(
    ("token", "pair"),
    [
        ("stage:proposal", ("stage", "proposal")),
        ("Stage:Proposal", ("stage", "Proposal")),
        ("stage：提案・見積", ("stage", "提案・見積")),  # full-width colon
        ("next_step:call", ("next_step", "call")),
        ("stage:", ("stage", "")),
        ("note:a:b", ("note", "a:b")),
        ("next:see https://x.com", ("next", "see https://x.com")),
        ("re:renewal", ("re", "renewal")),
    ],
)
def test_field_value_splits_at_the_first_colon_after_an_ascii_word(token: str, pair: tuple[str, str]) -> None:
    assert field_value(token) == pair


@pytest.mark.parametrize(
    "token",
    [
        "Acme",
        "http://example.com",
        "https://example.com/path",
        "<https://example.com|site>",
        "<@U012ABC>",
        "10:30",
        "v2:beta",
        "ステージ:提案",
        '"stage:proposal"',
        ":proposal",
        "next-step:call",
        "",
    ],
)
def test_field_value_leaves_urls_times_mentions_and_quoted_colons_as_text(token: str) -> None:
    assert field_value(token) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('next:"send revised quote"', ("next", "send revised quote")),
        ('"Acme: Phase 2"', None),
        ("company:「アクメ 商事」", ("company", "アクメ 商事")),
        ("http://x.com", None),
    ],
)
def test_token_field_uses_the_unquoted_value(text: str, field: tuple[str, str] | None) -> None:
    (token,) = iter_tokens(text)
    assert token.field() == field


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("５００万円", "500万円"),
        ("ＵＳＤ　５０００", "USD 5000"),
        ("  a \t b  ", "a b"),
        ("４０％", "40%"),
    ],
)
def test_normalize_folds_full_width_and_collapses_spaces(text: str, normal: str) -> None:
    assert normalize(text) == normal


_NO_QUOTES = st.text(alphabet=st.characters(exclude_characters="\"'“”‘’「」『』<", codec="utf-8"))


@given(_NO_QUOTES)
def test_split_tokens_without_quotes_matches_str_split(text: str) -> None:
    assert split_tokens(text) == text.split()


@given(st.text())
def test_split_tokens_returns_words_or_raises_parse_error(text: str) -> None:
    try:
        tokens = split_tokens(text)
    except ParseError as error:
        assert error.code == "unclosed_quote"
    else:
        assert all(isinstance(token, str) for token in tokens)

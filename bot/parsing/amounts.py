"""Reading money people type or say: `50k`, `$1.2M`, `500万円`, `1億2000万円`, `sixty thousand dollars`."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

from bot.errors import ParseError
from bot.money import is_known_currency
from bot.parsing.tokens import normalize
from bot.services.fields import Amount

MAX_AMOUNT = Decimal(10) ** 15  # major units; anything above is a typo, not a deal
_MAX_LENGTH = 64

_KANJI_DIGITS = {char: n for n, char in enumerate("〇一二三四五六七八九")} | {"零": 0}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10**4, "萬": 10**4, "億": 10**8, "兆": 10**12}
_LATIN_SCALES = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}
_NUMERALS = "".join([*_KANJI_DIGITS, *_SMALL_UNITS, *_LARGE_UNITS])

_SYMBOLS = {
    "$": "USD",
    "us$": "USD",
    "ca$": "CAD",
    "c$": "CAD",
    "au$": "AUD",
    "a$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
}
_WORDS = {
    "円": "JPY",
    "yen": "JPY",
    "ドル": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "ユーロ": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "ポンド": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
}

_SYMBOL = r"(?:us|ca|c|au|a|nz|hk|s)?\$|[€£¥]"
_WORD = r"円|ドル|ユーロ|ポンド|yen|dollars?|bucks|euros?|pounds?"
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_SYMBOL}|[a-z]{{3}}(?![a-z]))\s*)?"
    r"(?P<body>.+?)"
    rf"(?:\s*(?P<post>{_WORD}|{_SYMBOL}|(?<![a-z])[a-z]{{3}}))?",
    re.IGNORECASE,
)
_NUMBER_PART = re.compile(
    r"\s*(?:"
    r"(?P<digits>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
    rf"|(?P<kanji>[{''.join(_KANJI_DIGITS)}])"
    rf"|(?P<small>[{''.join(_SMALL_UNITS)}])"
    rf"|(?P<large>[{''.join(_LARGE_UNITS)}])"
    r"|(?P<latin>thousand|million|billion|bn|k|m|b)(?![a-z])"
    r")",
    re.IGNORECASE,
)

# Free text: a number (digits, kanji or both) with an optional scale word, then the currency
# said before (`$`, `USD `) or after it (`円`, ` dollars`, ` EUR`).
_SPOKEN_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z.,{_NUMERALS}])[0-9{_NUMERALS}][0-9,.{_NUMERALS}]*"
    r"(?:\s?(?:thousand|million|billion)|bn|k|m|b)?(?![A-Za-z])",
    re.IGNORECASE,
)
_SPOKEN_BEFORE = re.compile(rf"(?:(?i:{_SYMBOL})|(?<![A-Za-z])[A-Z]{{3}})\s?$")
_SPOKEN_AFTER = re.compile(rf"\s?(?:(?i:{_WORD})|{_SYMBOL}|[A-Z]{{3}}(?![A-Za-z]))")
_BIG_SCALES = re.compile(r"[万萬億兆]|[0-9.]\s?(?:thousand|million|billion|bn|k|m|b)$", re.I)

_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS = {**{w: n for n, w in enumerate(_UNITS)}, **{w: 10 * n for n, w in enumerate(_TENS, 2)}}
_SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_ANY_NUMBER_WORD = "|".join([*_NUMBER_WORDS, "hundred", *_SCALE_WORDS, "point"])
_NUMBER_WORD_RUN = re.compile(
    r"\b(?:an?\s+(?=(?:hundred|thousand|million|billion)\b))?"
    rf"(?:{_ANY_NUMBER_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_ANY_NUMBER_WORD}))*\b",
    re.IGNORECASE,
)


def parse_amount(text: str) -> Amount:
    """`50k`, `$1.2M`, `US$5k`, `€12k`, `500万円`, `1.2億`, `3000000 JPY`, `５００万円` → Amount.

    Explicit currency (`$`, `€`, `£`, `¥`, `円`, an ISO code before or after) wins; otherwise a
    Japanese numeral (万, 億, 千, 五…) means JPY; otherwise the currency is None.
    """
    clean = normalize(text)
    match = _AMOUNT.fullmatch(clean) if len(clean) <= _MAX_LENGTH else None
    value = parse_number(match.group("body")) if match else None
    if match is None or value is None or value > MAX_AMOUNT:
        raise ParseError("bad_amount", value=text)
    explicit = [currency_code(word) for word in (match.group("pre"), match.group("post")) if word]
    if None in explicit or len(set(explicit)) > 1:
        raise ParseError("bad_amount", value=text)
    return Amount(value, explicit[0] if explicit else _implied_currency(match.group("body")))


def parse_currency(text: str) -> str:
    """`usd` → USD, `円`/`¥` → JPY, `$` → USD, `€` → EUR; ParseError("bad_currency") otherwise."""
    code = currency_code(normalize(text))
    if code is None:
        raise ParseError("bad_currency", value=text)
    return code


def parse_probability(text: str) -> int:
    """A whole percentage 0–100, `%` optional: `40`, `40%`, `４０％`."""
    match = re.fullmatch(r"([0-9]{1,3})\s*%?", normalize(text))
    if match is None or int(match.group(1)) > 100:
        raise ParseError("bad_probability", value=text)
    return int(match.group(1))


def currency_code(word: str) -> str | None:
    """The ISO code for a symbol (`$`), a word (`円`, `dollars`) or a known code (`eur`)."""
    key = word.strip().casefold()
    code = _SYMBOLS.get(key) or _WORDS.get(key)
    if code is None and re.fullmatch(r"[a-z]{3}", key) and is_known_currency(key):
        code = key.upper()
    return code


def parse_number(text: str) -> Decimal | None:
    """A non-negative number: `60,000.50`, `1.2M`, `50k`, `500万`, `1億2000万`, `五百`; None if not.

    Japanese numerals combine the usual way: digits or kanji digits, then 十百千 within a group
    of four, then 万/億/兆 for the group, largest first. A latin scale (k, m, bn, million) may
    follow one plain number.
    """
    parts = _number_parts(text)
    if not parts:
        return None
    with localcontext() as context:
        context.prec = 60
        value = _combine_number_parts(parts)
    if value is None:
        return None
    return Decimal(int(value)) if value == value.to_integral_value() else value


def parse_spoken_number(text: str) -> Decimal | None:
    """A number written (`40`, `四十`) or spoken in English words (`forty`, `sixty-five`)."""
    written = parse_number(text)
    if written is not None:
        return written
    words = text.lower().replace("-", " ").split()
    return _number_words_value(words) if words else None


def find_amount_in_text(text: str) -> Amount | None:
    """The amount said in free text (a voice memo), or None.

    `budget is around sixty thousand dollars` → 60000 USD, `$60,000`, `1.2 million dollars`,
    `500万円`, `五百万円`, `1,200万円`. A number counts only with a currency or a scale
    (`50k`, `2 million`, `300万`); the first one with a currency wins over scale-only ones.
    """
    spoken = _NUMBER_WORD_RUN.sub(_digits_for_number_words, normalize(text))
    scaled: Amount | None = None
    for match in _SPOKEN_NUMBER.finditer(spoken):
        found = _spoken_amount(spoken, match)
        if found is None:
            continue
        amount, explicit = found
        if explicit:
            return amount
        scaled = scaled or amount
    return scaled


def _implied_currency(body: str) -> str | None:
    return "JPY" if any(char in _NUMERALS for char in body) else None


def _number_parts(text: str) -> list[tuple[str, Decimal]]:
    parts: list[tuple[str, Decimal]] = []
    position = 0
    while position < len(text):
        match = _NUMBER_PART.match(text, position)
        if match is None or match.end() == position:
            return [] if text[position:].strip() else parts
        kind = match.lastgroup or ""
        parts.append((kind, _part_value(kind, match.group(kind))))
        position = match.end()
    return parts


def _part_value(kind: str, word: str) -> Decimal:
    tables: dict[str, dict[str, int]] = {
        "kanji": _KANJI_DIGITS,
        "small": _SMALL_UNITS,
        "large": _LARGE_UNITS,
        "latin": _LATIN_SCALES,
    }
    if kind == "digits":
        return Decimal(word.replace(",", ""))
    return Decimal(tables[kind][word.lower()])


def _combine_number_parts(parts: list[tuple[str, Decimal]]) -> Decimal | None:
    total = group = Decimal(0)
    current: Decimal | None = None
    last_small = last_large = Decimal("Infinity")
    for index, (kind, value) in enumerate(parts):
        if kind in ("digits", "kanji"):
            if current is not None:
                return None
            current = value
        elif kind == "small":
            if value >= last_small:
                return None
            group += value if current is None else current * value
            current, last_small = None, value
        elif kind == "large":
            if value >= last_large or (current is None and group == 0):
                return None
            total += (group + (current or 0)) * value
            group, current, last_small, last_large = Decimal(0), None, Decimal("Infinity"), value
        else:  # latin scale: only straight after the one plain number
            if current is None or index != len(parts) - 1 or len(parts) != 2:
                return None
            current *= value
    return total + group + (current or 0)


def _spoken_amount(text: str, match: re.Match[str]) -> tuple[Amount, bool] | None:
    number = match.group(0).rstrip(",.")
    value = parse_number(number)
    if value is None or value > MAX_AMOUNT:
        return None
    before = _SPOKEN_BEFORE.search(text, max(0, match.start() - 6), match.start())
    after = _SPOKEN_AFTER.match(text, match.start() + len(number))
    words = [m.group(0) for m in (before, after) if m]
    codes = [code for code in map(currency_code, words) if code]
    if codes:
        return Amount(value, codes[0]), True
    following = text[match.end() : match.end() + 1]
    if not _BIG_SCALES.search(number) or _is_ideograph(following):
        return None  # a plain number, or 3万人 (people, not yen)
    return Amount(value, _implied_currency(number)), False


def _is_ideograph(char: str) -> bool:
    return bool(char) and "\u4e00" <= char <= "\u9fff"


def _digits_for_number_words(match: re.Match[str]) -> str:
    """`sixty thousand` → `60 thousand`, `one point two million` → `1.2 million`, `five` → `5`."""
    words = re.split(r"\s+(?:and\s+)?|-", match.group(0).lower())
    if words[0] in _SCALE_WORDS or words[0] == "hundred":
        return match.group(0)  # `1.2 million`: the number is in digits already
    value = _number_words_value(words)
    if value is None:
        return match.group(0)
    scales = [_SCALE_WORDS[word] for word in words if word in _SCALE_WORDS]
    if not scales:
        return _plain(value)
    scale = max(scales)
    word = next(name for name, size in _SCALE_WORDS.items() if size == scale)
    return f"{_plain(value / scale)} {word}"


def _number_words_value(words: list[str]) -> Decimal | None:
    total = current = Decimal(0)
    decimals: str | None = None
    for index, word in enumerate(words):
        if word in ("a", "an") and index == 0:
            current = Decimal(1)
        elif decimals is not None and word in _UNITS[:10]:
            decimals += str(_NUMBER_WORDS[word])
        elif word == "point" and decimals is None and index > 0:
            decimals = ""
        elif word in _NUMBER_WORDS and decimals is None:
            current += _NUMBER_WORDS[word]
        elif word == "hundred" and decimals is None:
            current = (current or Decimal(1)) * 100
        elif word in _SCALE_WORDS:
            total += _with_decimals(current or Decimal(1), decimals) * _SCALE_WORDS[word]
            current, decimals = Decimal(0), None
        else:
            return None
    if decimals == "":
        return None
    return total + _with_decimals(current, decimals)


def _with_decimals(whole: Decimal, decimals: str | None) -> Decimal:
    return whole + Decimal(f"0.{decimals}") if decimals else whole


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text

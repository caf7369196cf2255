"""Tiny WER/CER with the text normalisation ASR evaluations use (case, punctuation,
numbers written as words or digits, "$60,000" vs "60,000 dollars", 五百万 vs 500万)."""

from __future__ import annotations

import re
import unicodedata

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def _edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def _words_to_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    total = current = 0
    in_number = False

    def flush() -> None:
        nonlocal total, current, in_number
        if in_number:
            out.append(str(total + current))
        total = current = 0
        in_number = False

    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES and in_number:
            scale = _SCALES[w]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif w.isdigit():
            flush()
            out.append(w)
            continue
        else:
            flush()
            out.append(w)
            continue
        in_number = True
    flush()
    return out


def normalize_en(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\$\s*([\d,\.]+)", r"\1 dollars", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(\d+)\s*%", r"\1 percent", text)
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    return _words_to_digits(text.split())


_KANJI_DIGITS = "〇一二三四五六七八九"


def _arabic_to_kanji(number: int) -> str:
    """1..9999 → 五百, 三千二十 (enough for memo amounts like 500万)."""
    if number == 0:
        return "〇"
    parts = []
    for value, mark in ((1000, "千"), (100, "百"), (10, "十")):
        digit, number = divmod(number, value)
        if digit:
            parts.append(("" if digit == 1 else _KANJI_DIGITS[digit]) + mark)
    if number:
        parts.append(_KANJI_DIGITS[number])
    return "".join(parts)


def normalize_ja(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(
        r"\d+", lambda m: _arabic_to_kanji(int(m.group())) if int(m.group()) < 10000 else m.group(), text
    )
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_en(reference), normalize_en(hypothesis)
    return _edit_distance(ref, hyp) / max(1, len(ref))


def cer_ja(reference: str, hypothesis: str) -> float:
    ref, hyp = list(normalize_ja(reference)), list(normalize_ja(hypothesis))
    return _edit_distance(ref, hyp) / max(1, len(ref))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on case/punctuation-normalised text (any language)."""

    def norm(t: str) -> list[str]:
        t = unicodedata.normalize("NFKC", t).lower()
        return [ch for ch in t if unicodedata.category(ch)[0] in "LN"]

    ref, hyp = norm(reference), norm(hypothesis)
    return _edit_distance(ref, hyp) / max(1, len(ref))

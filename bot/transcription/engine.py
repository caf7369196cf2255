"""The transcription engine contract shared by the faster-whisper and openai-whisper engines.

An engine takes 16 kHz mono float32 samples (see :mod:`bot.transcription.audio`) and
returns a :class:`Transcript`. ``language=None`` auto-detects; when detection is
uncertain (top probability under :data:`LANGUAGE_CONFIDENCE`) the caller's
``hint_language`` (e.g. the rep's Slack locale) wins. ``vocabulary`` (deal names,
companies, contacts) biases decoding towards those spellings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

LANGUAGE_CONFIDENCE = 0.6
# Whisper's prompt window is 224 tokens; keep the glossary well inside it.
MAX_PROMPT_CHARS = 400


@dataclass(frozen=True)
class Segment:
    """One decoded stretch of speech, times in seconds from the start of the audio."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """The result of :meth:`TranscriptionEngine.transcribe`."""

    text: str
    language: str
    duration_seconds: float
    segments: list[Segment] = field(default_factory=list)
    language_probability: float | None = None


@runtime_checkable
class TranscriptionEngine(Protocol):
    """What workers and the CLI need from an engine (one instance is shared per process)."""

    name: str
    model: str

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None = None,
        hint_language: str | None = None,
        vocabulary: Sequence[str] = (),
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 *audio*."""
        ...


def normalize_language(code: str | None) -> str | None:
    """``"ja-JP"``/``"ja_JP"``/``"JA"`` → ``"ja"``; empty → ``None``."""
    if not code:
        return None
    return code.replace("_", "-").split("-")[0].strip().lower() or None


def choose_language(
    probabilities: Sequence[tuple[str, float]],
    hint_language: str | None,
    *,
    confidence: float = LANGUAGE_CONFIDENCE,
) -> tuple[str, float]:
    """Pick the language from detector output, preferring the hint when unsure.

    *probabilities* is (language, probability), any order. The top language wins when its
    probability reaches *confidence* (or there is no usable hint); otherwise the hint is
    used, provided the model knows it.
    """
    ranked = sorted(probabilities, key=lambda item: item[1], reverse=True)
    if not ranked:
        hint = normalize_language(hint_language)
        return (hint or "en"), 0.0
    top, top_p = ranked[0]
    hint = normalize_language(hint_language)
    if top_p >= confidence or hint is None or hint == top:
        return top, top_p
    known = dict(ranked)
    if hint in known:
        return hint, known[hint]
    return top, top_p


def decide_language(
    language: str | None,
    hint_language: str | None,
    *,
    multilingual: bool,
    detect: Callable[[], Sequence[tuple[str, float]]],
) -> tuple[str, float | None]:
    """The language to transcribe in, and how sure we are: forced, English-only, or detected
    (with the hint when detection is unsure, or when there is no speech to detect at all)."""
    forced = normalize_language(language)
    if forced is not None:
        return forced, 1.0
    if not multilingual:
        return "en", 1.0
    try:
        return choose_language(detect(), hint_language)
    except (IndexError, ValueError):  # the VAD found no speech to detect from
        return normalize_language(hint_language) or "en", 0.0


def vocabulary_prompt(vocabulary: Sequence[str], language: str | None = None) -> str | None:
    """A short glossary sentence for Whisper's prompt, or ``None`` when there is nothing.

    Terms are de-duplicated (case-insensitive, order kept) and cut to fit the prompt window.
    """
    seen: set[str] = set()
    terms: list[str] = []
    for raw in vocabulary:
        term = " ".join(str(raw).split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            terms.append(term)
    if not terms:
        return None
    sep = "、" if language in ("ja", "zh") else ", "
    text = ""
    for term in terms:
        candidate = term if not text else text + sep + term
        if len(candidate) > MAX_PROMPT_CHARS:
            break
        text = candidate
    return (text + ("。" if sep == "、" else ".")) if text else None


def check_audio(audio: np.ndarray) -> np.ndarray:
    """Validate and return *audio* as contiguous 1-D float32."""
    arr = np.asarray(audio)
    if arr.ndim != 1:
        raise ValueError(f"audio must be 1-D mono samples, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)

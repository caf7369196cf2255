"""Voice-memo transcription: offline Whisper models, audio decoding, engines.

Typical use in a worker::

    from bot.transcription import decode_audio, load_engine

    engine = load_engine("faster-whisper", None, threads=2)      # once per process
    audio = decode_audio(path, max_seconds=settings_max_seconds)  # AudioError on bad input
    transcript = engine.transcribe(audio.samples, language=None, hint_language="ja",
                                   vocabulary=["Globex", "Maria Lopez"])

:func:`load_engine` caches engines per process, keyed by (engine, model, threads,
cache_dir), behind a lock, so every worker thread shares one loaded model. Nothing here
downloads anything: models come from pip-installed packages or local paths.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from bot.errors import (
    AudioEmpty,
    AudioError,
    AudioTooLong,
    AudioUnreadable,
    ModelError,
    TranscriptionError,
    UnknownEngine,
    UnknownModel,
)
from bot.transcription.audio import SAMPLE_RATE, DecodedAudio, decode_audio
from bot.transcription.engine import Segment, Transcript, TranscriptionEngine
from bot.transcription.models import (
    default_cache_dir,
    offline_choices,
    resolve_model,
)

ENGINES = ("faster-whisper", "openai-whisper")
DEFAULT_ENGINE = "faster-whisper"

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "SAMPLE_RATE",
    "AudioEmpty",
    "AudioError",
    "AudioTooLong",
    "AudioUnreadable",
    "DecodedAudio",
    "ModelError",
    "Segment",
    "Transcript",
    "TranscriptionEngine",
    "TranscriptionError",
    "UnknownEngine",
    "UnknownModel",
    "clear_engine_cache",
    "configured_engine",
    "decode_audio",
    "default_cache_dir",
    "load_engine",
    "offline_choices",
    "resolve_model",
]


_cache: dict[tuple[str, str, int, str], TranscriptionEngine] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple[str, str, int, str], threading.Lock] = {}


def _normalize_engine(engine: str | None) -> str:
    name = (engine or DEFAULT_ENGINE).strip().lower().replace("_", "-")
    aliases = {
        "faster-whisper": "faster-whisper",
        "faster": "faster-whisper",
        "ct2": "faster-whisper",
        "openai-whisper": "openai-whisper",
        "openai": "openai-whisper",
        "whisper": "openai-whisper",
    }
    if name not in aliases:
        raise UnknownEngine(f"Unknown transcription engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return aliases[name]


class EngineChoice(Protocol):
    """What chooses the engine (the settings: WHISPER_ENGINE, WHISPER_MODEL, WHISPER_THREADS, the cache)."""

    @property
    def whisper_engine(self) -> str: ...
    @property
    def whisper_model(self) -> str | None: ...
    @property
    def whisper_threads(self) -> int: ...
    @property
    def model_cache_dir(self) -> Path | None: ...


def configured_engine(choice: EngineChoice) -> TranscriptionEngine:
    """The engine the settings choose: loaded on the first call in a process, shared after."""
    return load_engine(
        choice.whisper_engine,
        choice.whisper_model,
        threads=choice.whisper_threads,
        cache_dir=choice.model_cache_dir,
    )


def load_engine(
    engine: str | None = DEFAULT_ENGINE,
    model: str | None = None,
    threads: int = 2,
    cache_dir: Path | str | None = None,
) -> TranscriptionEngine:
    """The process-wide engine for (*engine*, *model*, *threads*), loading it on first use.

    *model* is ``None``/``"base"`` (multilingual, default), ``"tiny.en"``, or a local
    CTranslate2 directory / openai-whisper ``.pt``. For ``openai-whisper`` a CTranslate2
    model is converted once into ``cache_dir/openai/``. Concurrent callers with the same
    key wait for one load and get the same object.
    """
    name = _normalize_engine(engine)
    if threads < 1:
        raise ValueError("threads must be >= 1")
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    key = (name, model or "base", int(threads), str(cache))
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            return found
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:  # one load per key; other keys load in parallel
        with _cache_lock:
            found = _cache.get(key)
        if found is not None:
            return found
        loaded = _build(name, model, int(threads), cache)
        with _cache_lock:
            _cache[key] = loaded
        return loaded


def _build(name: str, model: str | None, threads: int, cache: Path) -> TranscriptionEngine:
    path = resolve_model(model, cache)
    label = model or "base"
    if name == "faster-whisper":
        from bot.transcription.faster_whisper_engine import FasterWhisperEngine

        if path.is_file():
            raise ModelError(f"faster-whisper needs a CTranslate2 model directory, not the file {path}")
        return FasterWhisperEngine(path, threads=threads, model_name=label)
    from bot.transcription.openai_whisper_engine import OpenAIWhisperEngine, checkpoint_for

    return OpenAIWhisperEngine(checkpoint_for(path, cache), threads=threads, model_name=label)


def clear_engine_cache() -> None:
    """Forget loaded engines (tests; a settings reload)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()

"""Default engine: faster-whisper (CTranslate2) on CPU, int8, Silero VAD, beam size 5.

The model directory comes from :func:`bot.transcription.models.resolve_model`; nothing is
downloaded (``local_files_only``). One :class:`FasterWhisperEngine` is meant to be shared
by all worker threads of a process: CTranslate2 serialises calls on one model replica
unless ``num_workers`` > 1.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import TranscriptionError
from bot.transcription.audio import SAMPLE_RATE
from bot.transcription.engine import (
    Segment,
    Transcript,
    check_audio,
    decide_language,
    vocabulary_prompt,
)

BEAM_SIZE = 5


class FasterWhisperEngine:
    """:class:`~bot.transcription.engine.TranscriptionEngine` backed by faster-whisper.

    The vocabulary goes in as the ``initial_prompt`` (like openai-whisper); with
    ``use_hotwords=True`` it is passed as faster-whisper ``hotwords`` instead (repeated in
    every 30 s window). Never both: the model then tends to echo the glossary.
    """

    name = "faster-whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 2,
        compute_type: str = "int8",
        beam_size: int = BEAM_SIZE,
        vad_filter: bool = True,
        use_hotwords: bool = False,
        model_name: str | None = None,
    ) -> None:
        from faster_whisper import WhisperModel

        self.model = model_name or str(model_dir)
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        self.use_hotwords = use_hotwords
        self._lock = threading.Lock()
        self._model: Any = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=threads,
            num_workers=1,
            local_files_only=True,
        )

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        """All (language, probability) pairs for the first 30 s of speech."""
        with self._lock:
            _, _, probs = self._model.detect_language(audio=audio, vad_filter=self.vad_filter)
        return [(str(lang), float(p)) for lang, p in probs]

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None = None,
        hint_language: str | None = None,
        vocabulary: Sequence[str] = (),
    ) -> Transcript:
        samples = check_audio(audio)
        duration = samples.shape[0] / SAMPLE_RATE
        lang, prob = decide_language(
            language,
            hint_language,
            multilingual=self.multilingual,
            detect=lambda: self.detect_language(samples),
        )
        prompt = vocabulary_prompt(vocabulary, lang)
        try:
            with self._lock:
                segments_iter, info = self._model.transcribe(
                    samples,
                    language=lang,
                    task="transcribe",
                    beam_size=self.beam_size,
                    vad_filter=self.vad_filter,
                    # One biasing channel, not both: prompt + identical hotwords makes
                    # Whisper echo the glossary (seen on Japanese memos).
                    initial_prompt=None if self.use_hotwords else prompt,
                    hotwords=prompt if self.use_hotwords else None,
                    condition_on_previous_text=True,
                )
                segments = [
                    Segment(start=float(s.start), end=float(s.end), text=s.text.strip())
                    for s in segments_iter
                ]
        except (RuntimeError, ValueError) as exc:
            raise TranscriptionError(f"faster-whisper failed: {exc}") from exc
        return Transcript(
            text=join_segments(segments, info.language),
            language=str(info.language),
            duration_seconds=duration,
            segments=segments,
            language_probability=prob,
        )


def join_segments(segments: Sequence[Segment], language: str | None) -> str:
    """Join segment texts: no spaces between Japanese/Chinese segments, one elsewhere."""
    sep = "" if language in ("ja", "zh") else " "
    return sep.join(s.text for s in segments if s.text).strip()

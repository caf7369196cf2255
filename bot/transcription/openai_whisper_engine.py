"""Optional engine: openai-whisper (PyTorch) on CPU, same interface as the default engine.

Install the ``openai-whisper`` extra (openai-whisper + a CPU torch). The model must be a
local checkpoint: a ``.pt`` file, or a CTranslate2 directory (like the default ``base``
model) which is converted once by :func:`bot.transcription.convert.convert_ct2_to_openai`
into ``<cache_dir>/openai/<name>.pt``, so both engines run the very same weights.
Decoding mirrors the faster-whisper engine: beam size 5, language detection with the
same hint rule, vocabulary as the initial prompt, float32 on CPU with
``torch.set_num_threads(threads)``.
"""

from __future__ import annotations

import hashlib
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
from bot.transcription.faster_whisper_engine import BEAM_SIZE, join_segments
from bot.transcription.models import CT2_MODEL_FILE


class OpenAIWhisperUnavailable(ImportError):
    """openai-whisper or torch is not installed."""


def checkpoint_for(model_path: Path, cache_dir: Path) -> Path:
    """A ``.pt`` for *model_path*: itself, or a (cached) conversion of a CTranslate2 dir."""
    model_path = Path(model_path)
    if model_path.is_file() and model_path.suffix == ".pt":
        return model_path
    bin_path = model_path / CT2_MODEL_FILE if model_path.is_dir() else model_path
    if not bin_path.is_file():
        raise FileNotFoundError(f"no openai-whisper checkpoint or CTranslate2 model at {model_path}")
    stat = bin_path.stat()
    key = hashlib.sha256(f"{bin_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    out = Path(cache_dir) / "openai" / f"{bin_path.parent.name}-{key}.pt"
    if not out.is_file():
        from bot.transcription.convert import convert_ct2_to_openai

        convert_ct2_to_openai(bin_path.parent, out)
    return out


class OpenAIWhisperEngine:
    """:class:`~bot.transcription.engine.TranscriptionEngine` backed by openai-whisper."""

    name = "openai-whisper"

    def __init__(
        self,
        checkpoint: Path,
        *,
        threads: int = 2,
        beam_size: int = BEAM_SIZE,
        model_name: str | None = None,
    ) -> None:
        try:
            import torch
            import whisper
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise OpenAIWhisperUnavailable(
                "the openai-whisper engine needs the 'openai-whisper' extra "
                "(pip install 'dealbot[openai-whisper]')"
            ) from exc
        self._torch: Any = torch
        self._whisper: Any = whisper
        self.model = model_name or str(checkpoint)
        self.checkpoint = Path(checkpoint)
        self.threads = threads
        self.beam_size = beam_size
        self._lock = threading.Lock()
        torch.set_num_threads(threads)
        self._model: Any = whisper.load_model(str(checkpoint), device="cpu")
        self._model.eval()
        self._set_alignment_heads()

    def _set_alignment_heads(self) -> None:
        ckpt = self._torch.load(str(self.checkpoint), map_location="cpu", weights_only=True, mmap=True)
        heads = ckpt.get("alignment_heads") if isinstance(ckpt, dict) else None
        if heads is not None:
            self._model.register_buffer("alignment_heads", heads.to(bool).to_sparse(), persistent=False)

    @property
    def multilingual(self) -> bool:
        return bool(self._model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        """All (language, probability) pairs for the first 30 s."""
        whisper = self._whisper
        mel = whisper.log_mel_spectrogram(
            whisper.pad_or_trim(self._torch.from_numpy(audio)), self._model.dims.n_mels
        )
        with self._torch.inference_mode():
            _, probs = self._model.detect_language(mel)
        return [(str(k), float(v)) for k, v in probs.items()]

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
        try:
            with self._lock:
                self._torch.set_num_threads(self.threads)
                lang, prob = decide_language(
                    language,
                    hint_language,
                    multilingual=self.multilingual,
                    detect=lambda: self.detect_language(samples),
                )
                with self._torch.inference_mode():
                    result = self._model.transcribe(
                        samples,
                        language=lang,
                        task="transcribe",
                        beam_size=self.beam_size,
                        best_of=self.beam_size,
                        fp16=False,
                        initial_prompt=vocabulary_prompt(vocabulary, lang),
                        condition_on_previous_text=True,
                        verbose=None,
                    )
        except (RuntimeError, ValueError) as exc:
            raise TranscriptionError(f"openai-whisper failed: {exc}") from exc
        segments = [
            Segment(start=float(s["start"]), end=float(s["end"]), text=str(s["text"]).strip())
            for s in result.get("segments", [])
        ]
        return Transcript(
            text=join_segments(segments, lang),
            language=str(result.get("language") or lang),
            duration_seconds=duration,
            segments=segments,
            language_probability=prob,
        )

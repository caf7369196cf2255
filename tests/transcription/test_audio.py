"""Audio decoding: Slack clip formats, duration cap enforced while decoding, bad input."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from bot.transcription import audio
from bot.transcription.audio import (
    SAMPLE_RATE,
    AudioEmpty,
    AudioError,
    AudioTooLong,
    AudioUnreadable,
    decode_audio,
)

pytest.importorskip("av", reason="PyAV (av) is not installed")

EXPECTED_CONTAINER = {
    "m4a": "mov",
    "mp4": "mov",
    "webm": "matroska",
    "ogg": "ogg",
    "mp3": "mp3",
    "flac": "flac",
    "aac": "aac",
}


@pytest.mark.parametrize("kind", ["m4a", "mp4", "webm", "ogg", "mp3", "flac", "aac"])
def test_decodes_slack_formats(
    kind: str, en_clips: dict[str, Path], en_samples: tuple[np.ndarray, int]
) -> None:
    samples, rate = en_samples
    decoded = decode_audio(en_clips[kind])
    assert decoded.sample_rate == SAMPLE_RATE
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert decoded.duration_seconds == pytest.approx(len(samples) / rate, abs=0.25)
    assert EXPECTED_CONTAINER[kind] in decoded.container
    assert 0.1 < float(np.abs(decoded.samples).max()) <= 1.0


def test_wav_bytes_and_file_objects(en_wav: Path) -> None:
    from_path = decode_audio(en_wav)
    from_bytes = decode_audio(en_wav.read_bytes())
    with en_wav.open("rb") as f:
        from_file = decode_audio(f)
    assert len(from_path) == len(from_bytes) == len(from_file)
    np.testing.assert_allclose(from_path.samples, from_bytes.samples)


def test_stereo_is_downmixed(en_samples: tuple[np.ndarray, int], tmp_path: Path) -> None:
    from tests.transcription import audiogen

    samples, rate = en_samples
    path = audiogen.encode(samples, rate, "m4a", tmp_path / "stereo.m4a", stereo=True)
    decoded = decode_audio(path)
    assert decoded.samples.ndim == 1
    assert decoded.duration_seconds == pytest.approx(len(samples) / rate, abs=0.25)


def test_under_the_limit_passes(en_clips: dict[str, Path]) -> None:
    assert decode_audio(en_clips["ogg"], max_seconds=60).duration_seconds < 60


def test_announced_duration_over_limit_is_refused_at_once(long_mp3: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(AudioTooLong) as info:
        decode_audio(long_mp3, max_seconds=60)
    assert time.perf_counter() - start < 1.0
    assert info.value.limit == 1.0
    assert info.value.minutes > 100  # the header says about two hours


def test_cap_is_enforced_while_decoding_with_bounded_memory(
    long_mp3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that hides its length (no usable header duration) must still stop at the cap."""
    monkeypatch.setattr(audio, "_announced_seconds", lambda container, stream: None)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(AudioTooLong) as info:
            decode_audio(long_mp3, max_seconds=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert info.value.limit == 1.0
    assert 1.0 < info.value.minutes < 1.1  # stopped right after the limit, not at 120 min
    # 60 s at 16 kHz float32 is 3.8 MB; the whole file would decode to ~460 MB.
    assert peak < 30 * 1024 * 1024, peak
    assert elapsed < 5.0


@pytest.mark.parametrize(
    "name, data",
    [
        ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512)),
        ("random", os.urandom(8192)),
        ("html", b"<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>404</body></html>"),
        ("html-lower", b"\n  <html><body>login required</body></html>"),
        ("playlist", b"#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:9/evil.ts\n"),
        ("text", b"just some text, not audio at all " * 30),
        ("empty", b""),
        ("json", b'{"ok": false, "error": "file_not_found"}'),
    ],
)
def test_non_audio_is_unreadable(name: str, data: bytes) -> None:
    with pytest.raises(AudioUnreadable) as info:
        decode_audio(data)
    assert str(info.value).startswith("Could not read this file as audio")
    assert isinstance(info.value, AudioError)


def test_real_png_is_unreadable(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1))
    path = tmp_path / "chart.png"
    fig.savefig(path)
    plt.close(fig)
    with pytest.raises(AudioUnreadable):
        decode_audio(path)


def test_truncated_file_keeps_the_clean_part(en_clips: dict[str, Path]) -> None:
    data = en_clips["mp3"].read_bytes()
    decoded = decode_audio(data[: len(data) // 2])
    assert 2.0 < decoded.duration_seconds < 6.0


def test_corrupt_header_is_unreadable(en_clips: dict[str, Path]) -> None:
    data = bytearray(en_clips["m4a"].read_bytes())
    data[4:64] = os.urandom(60)
    with pytest.raises(AudioUnreadable):
        decode_audio(bytes(data[:2000]))


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(AudioUnreadable, match="not a file"):
        decode_audio(tmp_path / "nope.m4a")


def test_silent_zero_length_is_empty(tmp_path: Path) -> None:
    from tests.transcription import audiogen

    path = audiogen.write_wav(np.zeros(0, dtype=np.float32), 16000, tmp_path / "empty.wav")
    with pytest.raises(AudioEmpty):
        decode_audio(path)


def test_error_messages_are_clear() -> None:
    assert str(AudioTooLong(12.5, 10)) == "Audio is too long: at least 12.5 min, the limit is 10.0 min"
    assert "not audio" in str(AudioUnreadable("it is a text document, not audio"))

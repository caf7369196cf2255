"""faster-whisper engine (default) on real TTS speech: accuracy, language, biasing, cache."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bot.transcription as transcription
from bot.transcription import Transcript, TranscriptionEngine, decode_audio, load_engine
from bot.transcription.engine import choose_language, normalize_language, vocabulary_prompt
from tests.transcription import audiogen
from tests.transcription.metrics import cer_ja, normalize_en, wer

EN_WER_MAX = 0.30
JA_CER_MAX = 0.15
EN_VOCAB = ["Maria", "Globex"]


@pytest.fixture(scope="module")
def fw_results(fw_engine: Any, en_clips: dict[str, Path], en_names_wav: Path) -> dict[str, Transcript]:
    """The English transcriptions several tests look at, computed once."""
    memo = decode_audio(en_clips["m4a"]).samples
    names = decode_audio(en_names_wav).samples
    return {
        "memo": fw_engine.transcribe(memo, language=None, hint_language=None, vocabulary=[]),
        "memo_vocab": fw_engine.transcribe(memo, language=None, hint_language=None, vocabulary=EN_VOCAB),
        "names": fw_engine.transcribe(names, language="en", hint_language=None, vocabulary=[]),
        "names_vocab": fw_engine.transcribe(
            names, language="en", hint_language=None, vocabulary=audiogen.EN_NAMES_VOCAB
        ),
    }


def test_engine_satisfies_protocol(fw_engine: Any) -> None:
    assert isinstance(fw_engine, TranscriptionEngine)
    assert fw_engine.name == "faster-whisper"
    assert fw_engine.model == "base"


def test_english_memo_wer(fw_results: dict[str, Transcript]) -> None:
    result = fw_results["memo"]
    assert result.language == "en"
    assert result.duration_seconds == pytest.approx(7.6, abs=1.0)
    assert result.segments and result.segments[0].start >= 0
    score = wer(audiogen.EN_MEMO, result.text)
    assert score <= EN_WER_MAX, (score, result.text)


def test_vocabulary_does_not_hurt_and_spells_names(fw_results: dict[str, Transcript]) -> None:
    plain, biased = fw_results["memo"], fw_results["memo_vocab"]
    # The prompt may change a small word ("at" ↔ ","): allow one word of the memo, no more.
    words = len(normalize_en(audiogen.EN_MEMO))
    extra_errors = (wer(audiogen.EN_MEMO, biased.text) - wer(audiogen.EN_MEMO, plain.text)) * words
    assert round(extra_errors) <= 1, biased.text
    assert "Globex" in biased.text


def test_vocabulary_fixes_proper_nouns(fw_results: dict[str, Transcript]) -> None:
    plain, biased = fw_results["names"], fw_results["names_vocab"]

    def hits(text: str) -> int:
        return sum(name in text for name in audiogen.EN_NAMES_VOCAB)

    assert hits(biased.text) >= hits(plain.text)
    assert hits(biased.text) > hits(plain.text) or hits(plain.text) == len(audiogen.EN_NAMES_VOCAB)
    assert "Zorblax" in biased.text and "Globex" in biased.text, biased.text


def test_japanese_memo_cer_with_auto_detection(fw_engine: Any, ja_m4a: Path) -> None:
    samples = decode_audio(ja_m4a).samples
    result = fw_engine.transcribe(samples, language=None, hint_language="en", vocabulary=[])
    assert result.language == "ja"  # confident detection beats a wrong hint
    score = cer_ja(audiogen.JA_MEMO, result.text)
    assert score <= JA_CER_MAX, (score, result.text)
    assert " " not in result.text


def test_japanese_vocabulary_keeps_company_name(fw_engine: Any, ja_m4a: Path) -> None:
    samples = decode_audio(ja_m4a).samples
    result = fw_engine.transcribe(
        samples, language="ja", hint_language=None, vocabulary=["山田商事", "田中部長"]
    )
    assert "山田商事" in result.text, result.text
    assert cer_ja(audiogen.JA_MEMO, result.text) <= JA_CER_MAX


def test_silence_gives_empty_text(fw_engine: Any) -> None:
    result = fw_engine.transcribe(
        np.zeros(16000 * 2, dtype=np.float32), language=None, hint_language="ja", vocabulary=[]
    )
    assert result.text == ""
    assert result.language == "ja"  # nothing to detect: the hint decides


def test_rejects_non_mono_audio(fw_engine: Any) -> None:
    with pytest.raises(ValueError, match="1-D"):
        fw_engine.transcribe(
            np.zeros((2, 100), dtype=np.float32), language="en", hint_language=None, vocabulary=[]
        )


def test_engine_cache_returns_same_object(fw_engine: Any, model_cache: Path) -> None:
    assert load_engine("faster-whisper", None, 2, model_cache) is fw_engine
    assert load_engine("faster_whisper", None, 2, model_cache) is fw_engine


def test_engine_cache_loads_once_under_concurrency(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, str | None, int]] = []
    gate = threading.Event()

    class Fake:
        name = "fake"
        model = "m"

    def fake_build(name: str, model: str | None, threads: int, cache: Path) -> Any:
        calls.append((name, model, threads))
        gate.wait(2)
        return Fake()

    monkeypatch.setattr(transcription, "_build", fake_build)
    results: list[Any] = []
    workers = [
        threading.Thread(target=lambda: results.append(load_engine("faster-whisper", "tiny.en", 3, tmp_path)))
        for _ in range(8)
    ]
    for w in workers:
        w.start()
    gate.set()
    for w in workers:
        w.join(5)
    assert len(calls) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
    other = load_engine("faster-whisper", "tiny.en", 1, tmp_path)  # other threads → other key
    assert other is not results[0] and len(calls) == 2
    transcription.clear_engine_cache()


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(transcription.UnknownEngine, match="faster-whisper"):
        load_engine("whisper.cpp", None, 2)


def test_language_choice_prefers_hint_when_unsure() -> None:
    unsure = [("en", 0.41), ("ja", 0.38), ("de", 0.05)]
    assert choose_language(unsure, "ja")[0] == "ja"
    assert choose_language(unsure, "ja-JP")[0] == "ja"
    assert choose_language(unsure, None)[0] == "en"
    assert choose_language([("en", 0.95), ("ja", 0.01)], "ja")[0] == "en"
    assert choose_language(unsure, "xx")[0] == "en"
    assert choose_language([], "ja")[0] == "ja"
    assert normalize_language("JA_jp") == "ja" and normalize_language("") is None


def test_vocabulary_prompt() -> None:
    assert vocabulary_prompt([]) is None
    assert vocabulary_prompt(["Globex", " globex ", "Maria  Lopez"]) == "Globex, Maria Lopez."
    assert vocabulary_prompt(["山田商事", "田中部長"], "ja") == "山田商事、田中部長。"
    long = vocabulary_prompt([f"Company{i}" for i in range(500)])
    assert long is not None and len(long) <= 401

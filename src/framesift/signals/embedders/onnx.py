"""ONNX Runtime backend and ``framesift export-onnx`` (fp32 or dynamic int8).

An export directory holds ``image.onnx`` and ``text.onnx`` (the two towers, each returning
unnormalised projected embeddings), the tokenizer files, and ``framesift-onnx.json`` with the
preprocessing (:class:`ImagePrep`), the text spec, the source model id and the precision, so the
directory is self-describing and the embeddings it gives can be keyed in a cache.

Dynamic int8 (``onnxruntime.quantization.quantize_dynamic``) stores MatMul/Gemm weights as int8
and quantises activations per batch at run time: no calibration data is needed, which is what
makes it usable for a model nobody has frames for yet. Weights use 7 of the 8 bits
(``reduce_range``, :func:`export_onnx`'s default): on x86 CPUs without VNNI (AVX2 only, e.g. AMD Zen 2/3)
ONNX Runtime's u8 x s8 kernels add pairs of products in saturating 16-bit lanes, and full-range
weights overflow them (ONNX Runtime's quantization guide says the same); the file is exported
once and may run on either kind of CPU. See BENCHMARKS.md for speed and the cosine agreement
with fp32 (benchmarks/bench_int8_range.py for the two settings).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._atomic import atomic_dir
from ..._extras import require
from ...devices import ort_providers
from ...errors import InputError
from .base import BatchedImageEncoder
from .preprocess import ImagePrep
from .text import TextSpec, normalize, pool_chunks, tokenize

__all__ = ["META_FILE", "OnnxEmbedder", "export_onnx", "is_onnx_export"]

META_FILE = "framesift-onnx.json"
FORMAT = 1
DEFAULT_BATCH = 16


def is_onnx_export(path: str | Path) -> bool:
    return (Path(path) / META_FILE).is_file()


class OnnxEmbedder(BatchedImageEncoder):
    """An export directory run with ONNX Runtime: the CPU, or ``onnxruntime-gpu``'s CUDA provider
    (``device``: auto / cpu / cuda; :mod:`framesift.signals.devices`)."""

    backend = "onnxruntime"

    def __init__(
        self,
        path: str | Path,
        *,
        batch_size: int = DEFAULT_BATCH,
        threads: int | None = None,
        spin: bool = False,
        device: str = "auto",
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        path = Path(path)
        try:
            meta = json.loads((path / META_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: not a framesift ONNX export ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise InputError(
                f"{path}: ONNX export format {meta.get('format')} is not supported (expected {FORMAT}); "
                "re-export it with this framesift version"
            )
        self.meta = meta
        self.prep = ImagePrep.from_dict(meta["image"])
        self.text_spec = TextSpec.from_dict(meta["text"])
        self.dim = int(meta["dim"])
        self.image_size = self.prep.image_size
        self.precision = str(meta["precision"])
        self.model_id = f"{meta['source_id']}|onnx-{self.precision}"
        self.family = str(meta["family"])
        self.batch_size = int(batch_size)
        self.path = path
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Default: one intra-op thread per core; inter-op parallelism does not help a single
        # sequential transformer graph and only adds contention.
        opts.intra_op_num_threads = int(threads) if threads else (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        # Idle workers sleep instead of busy-waiting: on a loaded machine (the usual case while a
        # decoder or other processes run) spinning steals the CPU the work needs; measured
        # 1.3x faster for int8 SigLIP-B/16 on the shared 2-core VM (BENCHMARKS.md, "Image embedders").
        if not spin:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers, self.device = ort_providers(device)
        self._image = ort.InferenceSession(str(path / "image.onnx"), opts, providers=providers)
        self._text = ort.InferenceSession(str(path / "text.onnx"), opts, providers=providers)
        if "CUDAExecutionProvider" not in self._image.get_providers():
            self.device = "cpu"  # the provider is listed but could not start (no driver): ORT fell back
        self.tokenizer: Any = AutoTokenizer.from_pretrained(path)

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return normalize(self._image.run(None, {"pixel_values": pixels})[0])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = tokenize(self.tokenizer, texts, self.text_spec)
        feeds = {"input_ids": batch.input_ids}
        if self.text_spec.use_mask:
            feeds["attention_mask"] = batch.attention_mask
        out = self._text.run(None, feeds)[0]
        return pool_chunks(out, batch.owner, len(texts))


def export_onnx(
    source: Any, out_dir: str | Path, *, int8: bool = False, opset: int = 17, reduce_range: bool = True
) -> Path:
    """Export a :class:`~.hf.TransformersEmbedder` to ``out_dir`` (written to a temp dir, then renamed).

    ``reduce_range`` (with ``int8``): 7-bit weights (see the module docstring; on an AVX2-only
    CPU the tiny test SigLIP's int8 image embeddings fell to cosine 0.87 with fp32 at 8 bits).
    """
    import torch

    # torch.onnx.export serialises through the onnx package, which only the [visual] extra brings
    require("onnx", "visual", feature="ONNX export")

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: output directory exists and is not empty")
    with atomic_dir(out) as tmp:
        model = source.model
        s = source.image_size
        image_tower = _ImageTower(model)
        text_tower = _TextTower(model, source.text_spec.use_mask)
        sample_text = source.tokenizer(
            ["a photo", "a photo of a dog"], padding="max_length", max_length=source.text_spec.context, truncation=True
        )
        ids = torch.tensor(sample_text["input_ids"], dtype=torch.int64)
        mask = torch.tensor(sample_text["attention_mask"], dtype=torch.int64)
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer chatter about Python bools in transformers code
            torch.onnx.export(
                image_tower,
                (torch.zeros(2, 3, s, s),),
                str(tmp / "image_fp32.onnx"),
                input_names=["pixel_values"],
                output_names=["embeds"],
                dynamic_axes={"pixel_values": {0: "batch"}, "embeds": {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )
            text_inputs = (ids, mask) if source.text_spec.use_mask else (ids,)
            names = ["input_ids", "attention_mask"] if source.text_spec.use_mask else ["input_ids"]
            axes = {n: {0: "batch", 1: "tokens"} for n in names}
            axes["embeds"] = {0: "batch"}
            torch.onnx.export(
                text_tower,
                text_inputs,
                str(tmp / "text_fp32.onnx"),
                input_names=names,
                output_names=["embeds"],
                dynamic_axes=axes,
                opset_version=opset,
                dynamo=False,
            )
        for tower in ("image", "text"):
            src = tmp / f"{tower}_fp32.onnx"
            if int8:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                root = logging.getLogger()
                level = root.level
                root.setLevel(logging.ERROR)  # ORT logs an advisory WARNING on the root logger
                try:
                    quantize_dynamic(
                        str(src),
                        str(tmp / f"{tower}.onnx"),
                        weight_type=QuantType.QInt8,
                        per_channel=True,
                        reduce_range=reduce_range,
                    )
                finally:
                    root.setLevel(level)
                src.unlink()
            else:
                src.rename(tmp / f"{tower}.onnx")
        source.tokenizer.save_pretrained(tmp)
        meta = {
            "format": FORMAT,
            "source_id": source.model_id.split("|")[0],
            "family": source.family,
            "precision": "int8" if int8 else "fp32",
            "dim": source.dim,
            "image": source.prep.to_dict(),
            "text": source.text_spec.to_dict(),
            "opset": opset,
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
    return out


def _modules():
    import torch

    class ImageTower(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values):  # noqa: D401 - torch API
            return self.model.get_image_features(pixel_values=pixel_values).pooler_output

    class TextTower(torch.nn.Module):
        def __init__(self, model: Any, use_mask: bool) -> None:
            super().__init__()
            self.model = model
            self.use_mask = use_mask

        def forward(self, input_ids, attention_mask=None):
            kw = {"attention_mask": attention_mask} if self.use_mask else {}
            return self.model.get_text_features(input_ids=input_ids, **kw).pooler_output

    return ImageTower, TextTower


def _ImageTower(model: Any):
    return _modules()[0](model)


def _TextTower(model: Any, use_mask: bool):
    return _modules()[1](model, use_mask)

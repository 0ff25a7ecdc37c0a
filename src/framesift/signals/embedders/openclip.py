"""``open_clip`` backend: ``open_clip:NAME/PRETRAINED`` or ``open_clip:NAME@/path/to/checkpoint.pt``.

open_clip imports torchvision at module import time. This build environment's torch (2.13 CPU)
has no matching torchvision, so this backend cannot run here: its tests are skipped with that
reason, and loading it raises an InputError that says what to install. The code follows
open_clip's documented API (``create_model_and_transforms``, ``get_tokenizer``,
``model.visual.preprocess_cfg``).

Preprocessing is reproduced from ``preprocess_cfg`` (size, mean, std, interpolation, resize mode):
open_clip resizes PIL images with torchvision, i.e. with Pillow itself, and its centre crop rounds
the offset (``round((h - crop) / 2)``), unlike ``transformers``' floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image

from ...devices import torch_device
from ...errors import InputError
from .base import BatchedImageEncoder
from .preprocess import ImagePrep
from .text import normalize

__all__ = ["OpenClipEmbedder", "parse_open_clip_spec"]

_RESAMPLE = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
    "lanczos": Image.Resampling.LANCZOS,
}


def parse_open_clip_spec(spec: str) -> tuple[str, str | None]:
    """``open_clip:ViT-B-32/laion2b_s34b_b79k`` -> (name, pretrained tag or checkpoint path)."""
    body = spec.split(":", 1)[1]
    if "@" in body:
        name, ckpt = body.split("@", 1)
        return name, ckpt
    if "/" in body:
        name, tag = body.split("/", 1)
        return name, tag
    return body, None


class OpenClipEmbedder(BatchedImageEncoder):
    """An open_clip model (torch fp32)."""

    backend = "open_clip"

    def __init__(self, spec: str, *, batch_size: int = 16, threads: int | None = None, device: str = "auto") -> None:
        try:
            import open_clip
            import torch
        except Exception as exc:  # ImportError, or torchvision failing to load its operators
            raise InputError(
                f"model '{spec}': open_clip cannot be imported here ({type(exc).__name__}: {exc}); "
                "install open_clip_torch with a torchvision matching your torch, or export the "
                "model to a transformers/ONNX directory"
            ) from exc
        if threads:
            torch.set_num_threads(int(threads))
        self.device = torch_device(device)
        name, pretrained = parse_open_clip_spec(spec)
        model, _, _ = open_clip.create_model_and_transforms(name, pretrained=pretrained)
        self.model: Any = model.eval().to(self.device)
        self.tokenizer: Any = open_clip.get_tokenizer(name)
        cfg = dict(getattr(model.visual, "preprocess_cfg", {}) or {})
        size = cfg.get("size", 224)
        size = int(size[0] if isinstance(size, (tuple, list)) else size)
        mode: Literal["squash", "shortest_edge"] = "squash" if cfg.get("resize_mode") == "squash" else "shortest_edge"
        self.prep = ImagePrep(
            mode=mode,
            size=size,
            crop=size,
            resample=int(_RESAMPLE.get(cfg.get("interpolation", "bicubic"), Image.Resampling.BICUBIC)),
            rescale=1 / 255,
            mean=tuple(cfg.get("mean", (0.48145466, 0.4578275, 0.40821073))),
            std=tuple(cfg.get("std", (0.26862954, 0.26130258, 0.27577711))),
            crop_round=True,
        )
        self.image_size = size
        self.context = int(getattr(self.tokenizer, "context_length", 77))
        self.dim = int(self.encode_texts(["a"]).shape[1])
        self.model_id = f"open_clip:{name}/{pretrained}|torch-fp32"
        self.batch_size = int(batch_size)
        self.family = "open_clip"

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return normalize(self.model.encode_image(torch.from_numpy(pixels).to(self.device)).float().cpu().numpy())

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        # Chunk on words when the tokenizer can count tokens (open_clip's SimpleTokenizer can);
        # the start/end tokens take two places of the context.
        chunks: list[str] = []
        owner: list[int] = []
        encode = getattr(self.tokenizer, "encode", None)
        for i, t in enumerate(texts):
            parts = [t]
            if callable(encode) and len(encode(t)) + 2 > self.context:
                parts = []
                cur: list[str] = []
                for w in t.split():
                    if cur and len(encode(" ".join([*cur, w]))) + 2 > self.context:
                        parts.append(" ".join(cur))
                        cur = []
                    cur.append(w)
                parts.append(" ".join(cur))
            chunks.extend(parts)
            owner.extend([i] * len(parts))
        with torch.inference_mode():
            vecs = self.model.encode_text(self.tokenizer(chunks).to(self.device)).float().cpu().numpy()
        from .text import pool_chunks

        return pool_chunks(vecs, np.asarray(owner), len(texts))

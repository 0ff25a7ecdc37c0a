"""Model-exact image preprocessing in numpy + Pillow, shared by every backend.

Each checkpoint ships its processor settings (``preprocessor_config.json`` / ``processor_config.json``
for ``transformers``, the ``preprocess_cfg`` of ``open_clip``). :class:`ImagePrep` holds them and
reproduces what ``transformers``' Pillow image processors do, step by step:

1. resize with Pillow on the uint8 image (``resample``, bicubic for SigLIP and CLIP):
   SigLIP squashes to ``size x size`` (aspect ratio not kept); CLIP resizes the *shorter* side to
   ``size`` (longer side ``int(size * long / short)``) and then
2. centre-crops ``crop x crop`` starting at ``((h - crop) // 2, (w - crop) // 2)``;
3. rescales to [0, 1] (``x / 255``) and normalises ``(x - mean) / std`` per channel.

Doing it here instead of calling the ``transformers`` processor lets the ONNX Runtime backend run
without importing ``transformers`` for images, keeps all backends bit-for-bit on the same input, and
is faster (one vectorised normalise per batch). ``tests/test_embedders.py`` checks the output against
the real ``transformers`` processors. (With torchvision installed, ``transformers`` picks its
torchvision processors by default; their antialiased bicubic differs from Pillow's by a few
1e-3 in normalised units, which is why the Pillow processor is the reference.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image

__all__ = ["ImagePrep"]


@dataclass(frozen=True)
class ImagePrep:
    """How one model turns an RGB image into its ``(3, crop, crop)`` float input."""

    mode: Literal["squash", "shortest_edge"]
    size: int
    crop: int
    resample: int
    rescale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    #: open_clip (torchvision ``CenterCrop``) rounds the crop offset; transformers floors it.
    crop_round: bool = False

    @property
    def image_size(self) -> int:
        """The side of the square the model sees."""
        return self.crop

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImagePrep:
        return cls(
            mode=d["mode"],
            size=int(d["size"]),
            crop=int(d["crop"]),
            resample=int(d["resample"]),
            rescale=float(d["rescale"]),
            mean=tuple(d["mean"]),
            std=tuple(d["std"]),
            crop_round=bool(d.get("crop_round", False)),
        )

    @classmethod
    def from_hf(cls, proc: Any) -> ImagePrep:
        """Read the settings of a ``transformers`` image processor (SigLIP or CLIP style)."""
        size = _as_dict(getattr(proc, "size", None))
        if not getattr(proc, "do_resize", True):
            raise ValueError("image processors that do not resize are not supported")
        mode: Literal["squash", "shortest_edge"]
        if size.get("shortest_edge"):
            mode, side = "shortest_edge", int(size["shortest_edge"])
        elif size.get("height") and size.get("width"):
            if int(size["height"]) != int(size["width"]):
                raise ValueError(f"non-square model input {size} is not supported")
            mode, side = "squash", int(size["height"])
        else:
            raise ValueError(f"unsupported image processor size {size}")
        crop = side
        if getattr(proc, "do_center_crop", False):
            cs = _as_dict(getattr(proc, "crop_size", None))
            crop = int(cs.get("height") or cs.get("shortest_edge") or side)
        elif mode == "shortest_edge":
            raise ValueError("a shortest-edge resize without a centre crop gives non-square inputs; not supported")
        resample = getattr(proc, "resample", Image.Resampling.BICUBIC)
        rescale = float(proc.rescale_factor) if getattr(proc, "do_rescale", True) else 1.0
        if getattr(proc, "do_normalize", True):
            mean, std = _triple(proc.image_mean), _triple(proc.image_std)
        else:
            mean, std = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
        return cls(mode=mode, size=side, crop=crop, resample=int(resample), rescale=rescale, mean=mean, std=std)

    def resized_shape(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) after the resize step, before the crop."""
        if self.mode == "squash":
            return self.size, self.size
        short, long = (w, h) if w <= h else (h, w)
        new_long = int(self.size * long / short)
        return (new_long, self.size) if w <= h else (self.size, new_long)

    def pixels(self, image: np.ndarray) -> np.ndarray:
        """The resized and cropped uint8 ``(crop, crop, 3)`` image (before rescale/normalise)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {image.shape} {image.dtype}")
        h, w = image.shape[:2]
        nh, nw = self.resized_shape(h, w)
        if (nh, nw) != (h, w):
            image = np.asarray(Image.fromarray(image).resize((nw, nh), resample=self.resample))
        if (nh, nw) != (self.crop, self.crop):
            if self.crop_round:
                top, left = int(round((nh - self.crop) / 2.0)), int(round((nw - self.crop) / 2.0))
            else:
                top, left = (nh - self.crop) // 2, (nw - self.crop) // 2
            if top < 0 or left < 0:
                raise ValueError(f"image {w}x{h} is smaller than the crop {self.crop} after resizing")
            image = image[top : top + self.crop, left : left + self.crop]
        return image

    def __call__(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(N, 3, crop, crop)`` float32 model input for ``N`` uint8 RGB arrays."""
        batch = np.stack([self.pixels(im) for im in images]).astype(np.float32)
        scale = np.float32(self.rescale)
        mean = np.asarray(self.mean, dtype=np.float32)
        std = np.asarray(self.std, dtype=np.float32)
        batch = (batch * scale - mean) / std
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def _as_dict(v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if isinstance(v, dict):
        return dict(v)
    if isinstance(v, int):
        return {"shortest_edge": v}
    return {k: getattr(v, k) for k in ("height", "width", "shortest_edge", "longest_edge") if getattr(v, k, None)}


def _triple(v: Any) -> tuple[float, float, float]:
    if isinstance(v, (int, float)):
        return (float(v), float(v), float(v))
    t = [float(x) for x in v]
    if len(t) != 3:
        raise ValueError(f"expected 3 channel values, got {v}")
    return (t[0], t[1], t[2])

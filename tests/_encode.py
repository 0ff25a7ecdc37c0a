"""Encode RGB frames as H.264 with PyAV: the small test clips and the odd fixture videos."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from framesift.bench.needle_video import _rate


def encode_rgb(path: str | Path, images: Iterable[np.ndarray], *, fps: float, gop: int = 30, crf: int = 18) -> Path:
    """Encode ``(H, W, 3)`` uint8 frames at a constant ``fps`` as H.264 (for small test clips)."""
    it = iter(images)
    first = next(it)
    H, W = first.shape[:2]
    frames = ((img, k) for k, img in enumerate(itertools.chain([first], it)))
    _encode_frames(Path(path), frames, W=W, H=H, rate=_rate(fps), gop=gop, crf=crf)
    return Path(path)


def _encode_frames(
    path: Path,
    frames: Iterator[tuple[np.ndarray, int]],
    *,
    W: int,
    H: int,
    rate: Fraction,
    time_base: Fraction | None = None,
    gop: int = 30,
    crf: int = 18,
    container_options: dict[str, str] | None = None,
    sar: Fraction | None = None,
    rotation: int | None = None,
    extra: Any = None,
    bframes: int | None = None,
) -> None:
    """Encode ``(rgb, pts)`` pairs as H.264; ``extra(container, stream)`` can add streams before writing."""
    opts = {"crf": str(crf), "preset": "veryfast"}
    if bframes is not None:
        opts["bf"] = str(bframes)
    with av.open(str(path), "w", options=container_options or {}) as c:
        s = c.add_stream("libx264", rate=rate, options=opts)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.gop_size = gop
        tb = time_base or (1 / rate)
        s.time_base = tb
        s.codec_context.time_base = tb
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        if rotation is not None:
            s.set_display_rotation(rotation)
        mux_extra = extra(c, s) if extra is not None else None
        for img, pts in frames:
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = pts, tb
            for p in s.encode(vf):
                c.mux(p)
            if mux_extra is not None:
                mux_extra(float(pts * tb))
        for p in s.encode():
            c.mux(p)
        if mux_extra is not None:
            mux_extra(math.inf)

"""Full-resolution images of the chosen frames only (the last decode of a selection).

Candidates are decoded as small thumbnails in one pass; only the frames finally chosen are
decoded again at full size, by seeking when that is cheaper (:func:`~.decode.iter_decoded`
plans the reads). Under a token budget each frame is resized to exactly the size the model
sees, so exported JPEGs and the token count agree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from PIL import Image

from ..frame import SelectedFrame
from .decode import iter_decoded, to_rgb
from .probe import FrameTable, VideoInfo

__all__ = ["fetch_images"]


def fetch_images(video: str | os.PathLike, info: VideoInfo, table: FrameTable, frames: Sequence[SelectedFrame]) -> None:
    """Decode ``frames`` (by their original index) into ``frame.image``, in place.

    A frame with a ``scale`` (token budget) gets an image of exactly ``width x height``; any
    other frame gets the full display-size image, and its ``width``/``height`` are set to it.
    """
    by_index = {f.index: f for f in frames}
    for idx, frame in iter_decoded(video, table, np.array(sorted(by_index), dtype=np.int64)):
        arr = to_rgb(frame, info, None)
        f = by_index[idx]
        if f.scale is not None:  # token budget: exactly the size the model will see
            f.image = Image.fromarray(arr).resize((f.width, f.height), Image.Resampling.BICUBIC)
        else:
            f.image = Image.fromarray(arr)
            f.height, f.width = arr.shape[:2]

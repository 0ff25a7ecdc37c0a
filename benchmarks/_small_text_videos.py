"""Short HD screen-text needle videos for the small-text benchmarks (cached in bench-data/small_text/).

1080p (and one 4K) renders of the needle generator with text needles 16-28 px high on screen
(``make_video(text_px=...)``): the size of slide bullets and UI labels. Kept short (2 minutes;
the 4K ones 40-50 s) because the benchmark machine has two loaded cores.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from framesift.bench.needle_video import make_video, needle_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data" / "small_text"
TEXT_PX = (16.0, 28.0)

#: (name, width, height, seconds, needles, seed)
VIDEOS = [
    ("hd_a", 1920, 1080, 120.0, 5, 1),
    ("hd_b", 1920, 1080, 120.0, 5, 2),
    ("uhd", 3840, 2160, 40.0, 2, 3),
    # more needles, still short: 8 in 2 minutes of 1080p, 4 in 50 s of 4K
    ("hd_c", 1920, 1080, 120.0, 8, 5),
    ("uhd_b", 3840, 2160, 50.0, 4, 6),
]


def small_text_video(name: str, w: int, h: int, seconds: float, needles: int, seed: int, fps: float = 12.0):
    """``(path, truth dict)`` of one benchmark video, rendering it on first use."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{name}_{w}x{h}_{int(seconds)}s_seed{seed}.mp4"
    truth = path.with_suffix(".truth.json")
    if path.exists() and truth.exists():
        return path, json.loads(truth.read_text())
    nds = needle_suite(seed, seconds, kinds=("text",), per_kind=needles, fps=fps)
    t0 = time.perf_counter()
    make_video(path, duration=seconds, fps=fps, width=w, height=h, needles=nds, seed=seed, text_px=TEXT_PX)
    print(f"  rendered {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return path, json.loads(truth.read_text())


def all_videos(names: list[str] | None = None):
    return [small_text_video(*v) for v in VIDEOS if names is None or v[0] in names]


if __name__ == "__main__":
    for p, t in all_videos():
        print(p, [(n["start"], n["content"]) for n in t["needles"]])

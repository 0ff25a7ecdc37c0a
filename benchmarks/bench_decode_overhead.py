"""The per-frame Python work of the cold decode pass, against the way it was done before.

The cold select decodes every frame once (1 fps on long-GOP H.264 decodes them all anyway), and
on every frame the event scan takes block means of the YUV planes and an outlier bar over its
recent history; every kept candidate is converted to a thumbnail (and, for OCR, to the screening
and reading sizes). At 30 fps those microseconds add up to seconds per 10 minutes of video. This
times each piece per call on frames of the benchmark video, the current implementation against
the previous one (rebuilt here as the baseline), checks they give the same result, and times
PyAV's bare decode as the scale:

* swscale conversion: ``frame.reformat`` (a new swscale context per decoded frame, as before;
  timed as a new ``VideoReformatter`` per call, which is what it does for a new frame)
  against framesift.video.decode.reformat (one reused context per thread).
* block means: ``reshape(...).mean(axis=(1, 3))`` per plane against candidates._blocks (two
  small matrix products over the three stacked planes).
* outlier bar: two ``np.median`` calls against candidates._history_threshold (sorts in Python).
* swscale threads: the three sizes of the decode pass (thumbnail, OCR screen, OCR read) in turn
  on one converter, with PyAV's default thread count (17+: one per core) against one thread.
* the OCR pool's grey image for its "same picture" test: ``rgb.mean(axis=2, dtype=float32)``
  against framesift.signals.ocr._grey (an integer sum of the channels, one division).
* the whole event scan step, old against new (the old one is candidates at the given git
  revision, ``--baseline-rev``).

    python benchmarks/bench_decode_overhead.py [--frames 1500] [--baseline-rev HEAD~1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import types
from collections import deque
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import publish  # noqa: E402
from _videos import ensure_video  # noqa: E402
from framesift.signals.ocr import _grey  # noqa: E402
from framesift.video import candidates as C  # noqa: E402
from framesift.video.decode import reformat  # noqa: E402


def _per_call_us(fn, items, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, (time.perf_counter() - t0) / len(items))
    return best * 1e6


def _old_candidates(rev: str) -> types.ModuleType:
    """framesift.video.candidates as it was at ``rev`` (git), importable beside the current one."""
    src = subprocess.run(
        ["git", "show", f"{rev}:src/framesift/video/candidates.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE,
    ).stdout
    src = src.replace("from .decode import", "from framesift.video.decode import").replace(
        "from .probe import", "from framesift.video.probe import"
    )
    path = Path(tempfile.mkdtemp()) / "old_candidates.py"
    path.write_text(src)
    sys.path.insert(0, str(path.parent))
    import old_candidates  # type: ignore[import-not-found]

    return old_candidates


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1500, help="decoded frames held in memory for the timings")
    ap.add_argument("--baseline-rev", default="e899383", help="git revision of the previous event scan")
    args = ap.parse_args()
    path = ensure_video("360p_10min")
    load0 = os.getloadavg()[0]

    t0 = time.perf_counter()
    container = av.open(str(path))
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    frames = []
    for f in container.decode(stream):
        frames.append(f)
        if len(frames) >= args.frames:
            break
    decode_us = (time.perf_counter() - t0) / len(frames) * 1e6
    container.close()
    w, h = frames[0].width, frames[0].height

    rows = [
        f"{len(frames)} frames of {path.name} ({w}x{h}), best of 3 rounds; PyAV decode (frame threads): {decode_us:.0f} us a frame",
        "",
    ]
    rows += ["| piece | before: us / call | now: us / call | speed-up | same result |", "|---|---|---|---|---|"]

    def row(name: str, before: float, now: float, same: bool) -> None:
        rows.append(f"| {name} | {before:.1f} | {now:.1f} | **{before / now:.1f}x** | {same} |")

    sub = frames[:: max(1, len(frames) // 200)]
    for tw, th in ((64, 36), (320, 180), (w, h)):
        same = all(
            np.array_equal(
                f.reformat(width=tw, height=th, format="rgb24", interpolation="AREA").to_ndarray(), reformat(f, tw, th)
            )
            for f in sub[:20]
        )
        # A decoded frame is a new object, and frame.reformat gives each its own converter; timing
        # frame.reformat on frames held in memory would reuse it from the second round on.
        before = _per_call_us(
            lambda f: (
                VideoReformatter().reformat(f, width=tw, height=th, format="rgb24", interpolation="AREA").to_ndarray()
            ),  # noqa: B023
            sub,
        )
        row(
            f"RGB {tw}x{th} (thumbnail / screen / read)", before, _per_call_us(lambda f: reformat(f, tw, th), sub), same
        )  # noqa: B023

    sizes = ((64, 36), (320, 180), (w, h))
    converter = VideoReformatter()

    def in_turn(threads: int | None):
        kw = {} if threads is None else {"threads": threads}
        return lambda f: [
            converter.reformat(f, width=a, height=b, format="rgb24", interpolation="AREA", **kw).to_ndarray()
            for a, b in sizes
        ]

    same = all(all(np.array_equal(x, y) for x, y in zip(in_turn(None)(f), in_turn(1)(f))) for f in sub[:20])
    row(
        "RGB at 3 sizes in turn, one converter (PyAV's default threads / one thread)",
        _per_call_us(in_turn(None), sub),
        _per_call_us(in_turn(1), sub),
        same,
    )
    small = [reformat(f, 320, 180) for f in sub]
    row(
        "OCR pool's grey 320x180 (channel mean)",
        _per_call_us(lambda a: a.mean(axis=2, dtype=np.float32), small),
        _per_call_us(_grey, small),
        all(np.array_equal(a.mean(axis=2, dtype=np.float32), _grey(a)) for a in small),
    )

    old = _old_candidates(args.baseline_rev)
    cfg = C.EventScanConfig()
    same = all(
        np.allclose(old._yuv_blocks(f, cfg.size, cfg.grid), C._yuv_blocks(f, cfg.size, cfg.grid), atol=1e-3)
        for f in sub
    )
    row(
        "YUV block means",
        _per_call_us(lambda f: old._yuv_blocks(f, cfg.size, cfg.grid), frames),
        _per_call_us(lambda f: C._yuv_blocks(f, cfg.size, cfg.grid), frames),
        same,
    )
    rng = np.random.default_rng(0)
    hists = [deque((float(x) for x in rng.gamma(2.0, 2.0, 30)), maxlen=30) for _ in range(200)]
    same = all(
        abs(old._history_threshold(d, 6.0, 4.0, 0.5) - C._history_threshold(d, 6.0, 4.0, 0.5)) < 1e-4 for d in hists
    )
    row(
        "outlier bar (30 values)",
        _per_call_us(lambda d: old._history_threshold(d, 6.0, 4.0, 0.5), hists),
        _per_call_us(lambda d: C._history_threshold(d, 6.0, 4.0, 0.5), hists),
        same,
    )

    def scan(mod) -> tuple[float, list[float]]:
        sc = mod._EventScanner(30.0, cfg)
        t = time.perf_counter()
        out = [sc.step(f, k / 30.0) for k, f in enumerate(frames)]
        return (time.perf_counter() - t) / len(frames) * 1e6, out

    (tb, eb), (tn, en) = scan(old), scan(C)
    row("event scan step (whole)", tb, tn, [s > 0 for s in eb] == [s > 0 for s in en])
    rows += [
        "",
        f"At 30 fps a 10-minute video is 18,000 frames: the event scan step alone went from {tb * 18e-3:.1f} to "
        f"{tn * 18e-3:.1f} s of one core per 10 minutes (decode: {decode_us * 18e-3:.1f} s).",
        f"Load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
    ]
    publish("decode_overhead.md", "Per-frame work of the decode pass, before and now", "\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

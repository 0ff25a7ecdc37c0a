"""OCR cost: rapidocr's defaults against framesift's screening and reading settings, one run.

framesift runs PP-OCR's text detector alone on small frames to find where new text appears
(``screen``), then detection + recognition on the few frames worth reading (``read``).
rapidocr's default limits the *short* side to at least 736 px, i.e. it upsamples a 640x360 video
frame to 1308x736 before detecting. This benchmark times, on frames of a synthetic needle video
(real footage + distractor text + captions):

* detector, rapidocr default vs framesift screening (longer side 320 px),
* full OCR, rapidocr default vs framesift reading (longer side capped at 960 px),

and checks that screening still finds the text lines the default finds (line recall), and that
reading returns the same text.

    python benchmarks/bench_ocr.py [--frames 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from framesift.bench.needle_video import Needle, make_video
from framesift.signals.ocr import detect_text_boxes, get_ocr_engine
from framesift.video import iter_decoded, probe, to_rgb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_result  # noqa: E402


def frames_with_text(n: int) -> list[np.ndarray]:
    tmp = Path(tempfile.mkdtemp(prefix="framesift-ocr-"))
    needles = [Needle("text", 5.0 + 6 * k, 6.0 + 6 * k, f"Gate {k + 3} closes at 9:{10 + k}", "?") for k in range(6)]
    make_video(tmp / "ocr.mp4", duration=45.0, needles=needles, seed=3, subtitles=False)
    info, table = probe(tmp / "ocr.mp4")
    targets = np.unique(table.index_at_time(np.linspace(1.0, 44.0, n)))
    return [to_rgb(f, info) for _, f in iter_decoded(tmp / "ocr.mp4", table, targets)]


def timed(fn, frames) -> tuple[float, list]:
    fn(frames[0])  # warm-up (session creation, first allocation)
    t0 = time.perf_counter()
    out = [fn(f) for f in frames]
    return (time.perf_counter() - t0) / len(frames), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=40)
    args = ap.parse_args()
    from rapidocr_onnxruntime import RapidOCR

    frames = frames_with_text(args.frames)
    default = RapidOCR()
    small = [np.ascontiguousarray(f[::2, ::2]) for f in frames]  # what screening sees (320x180)

    t_det_default, det_default = timed(lambda f: default.text_det(f)[0], frames)
    t_det_screen, det_screen = timed(detect_text_boxes, small)
    t_ocr_default, ocr_default = timed(lambda f: default(f)[0], frames)
    read = get_ocr_engine("read")
    t_ocr_read, ocr_read = timed(lambda f: read(f)[0], frames)

    n_default = sum(0 if d is None else len(d) for d in det_default)
    n_screen = sum(len(d) for d in det_screen)
    frames_default = sum(1 for d in det_default if d is not None and len(d))
    frames_screen = sum(1 for d in det_screen if len(d))
    text_default = [" ".join(r[1] for r in (o or [])) for o in ocr_default]
    text_read = [" ".join(r[1] for r in (o or [])) for o in ocr_read]
    same_text = sum(1 for a, b in zip(text_default, text_read) if a.replace(" ", "") == b.replace(" ", ""))

    rows = [
        ("text detector, rapidocr default (short side >= 736)", t_det_default, 1.0),
        ("text detector, framesift screening (320 px)", t_det_screen, t_det_default / t_det_screen),
        ("full OCR, rapidocr default", t_ocr_default, 1.0),
        ("full OCR, framesift reading (<= 960 px)", t_ocr_read, t_ocr_default / t_ocr_read),
    ]
    lines = [
        f"{len(frames)} frames of 640x360 video with on-screen text",
        "",
        "| setting | ms / frame | speed-up vs default |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {1000 * t:.1f} | {r:.1f}x |" for name, t, r in rows]
    lines += [
        "",
        f"Text lines found: default {n_default} in {frames_default} frames, screening {n_screen} in {frames_screen} frames.",
        f"Frames whose read text equals the default's (ignoring spaces): {same_text}/{len(frames)}.",
    ]
    report = "\n".join(lines)
    print(report)
    write_result("bench_ocr.md", "OCR cost", f"python benchmarks/bench_ocr.py --frames {args.frames}", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

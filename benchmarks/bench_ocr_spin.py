"""OCR reading with ONNX Runtime threads that spin (rapidocr's default) vs sleep (framesift), one run.

The same frames of the 10-minute benchmark video go through three read engines, alternating per
frame so load changes hit all alike: rapidocr's session options (2 intra-op threads, spinning),
the same without spinning (what framesift.signals.ocr builds), and one thread. Reports ms per
frame, the speed-up against the default and whether the text read is identical.

    python benchmarks/bench_ocr_spin.py [--frames 8]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    import rapidocr_onnxruntime.utils.infer_engine as ie
    from rapidocr_onnxruntime import RapidOCR

    from _ocr_engines import engine_rows, race
    from _report import publish
    from _videos import ensure_video
    from framesift.signals.ocr import _tuned_sessions as _no_spinning
    from framesift.video import iter_decoded, probe, to_rgb

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=8)
    args = ap.parse_args()
    path = ensure_video("360p_10min")
    info, table = probe(path)
    idx = table.index_at_time(np.linspace(10, info.duration - 10, args.frames))
    frames = [to_rgb(f, info, 960) for _, f in iter_decoded(path, table, idx)]
    assert ie.OrtInferSession  # the module framesift patches while building
    engines = {"rapidocr default (2 threads, spinning)": RapidOCR(det_limit_side_len=960, det_limit_type="max")}
    with _no_spinning():
        engines["no spinning (2 threads, + arena)"] = RapidOCR(det_limit_side_len=960, det_limit_type="max")
        engines["1 thread"] = RapidOCR(det_limit_side_len=960, det_limit_type="max", intra_op_num_threads=1)
    load0 = os.getloadavg()[0]
    spent, same = race(engines, frames)
    lines = [
        f"{len(frames)} frames (640x360), load average {load0:.1f} -> {os.getloadavg()[0]:.1f} (2 cores)",
        "",
        *engine_rows(spent, same, len(frames), "rapidocr default (2 threads, spinning)", against="default"),
    ]
    publish("ocr_spin.md", "OCR reading: spinning vs sleeping threads", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""OCR reading inside framesift's process: rapidocr's sessions vs framesift's, same frames, one run.

framesift pins glibc's mmap threshold (framesift._malloc), and rapidocr turns ONNX Runtime's
memory arena off, so every recogniser tensor above 128 KiB is a fresh mmap. This reads the
frames the OCR pool keeps on the 10-minute benchmark video (pool kept, then read here), with the
threshold pinned as in a select, through the read engines below, alternating per frame so load
changes hit all alike; then framesift's engine with 2 frames at once (one ONNX thread each, as
the pool's reader threads do). Reports ms per frame and whether the text read is identical to
the first engine's.

    python benchmarks/bench_ocr_arena.py [--frames 42]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    from rapidocr_onnxruntime import RapidOCR
    from rapidocr_onnxruntime.utils import infer_engine

    from _ocr_engines import engine_rows, kept_frames, race, texts
    from _report import publish
    from framesift.signals.ocr import _tuned_sessions, get_ocr_engine

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=42)
    args = ap.parse_args()
    frames = kept_frames(args.frames)

    build = infer_engine.OrtInferSession.__dict__["_init_sess_opts"].__func__

    @contextmanager
    def no_spin_only():  # main before issue 17: threads sleep, rapidocr's arena setting (off)
        def opts(config):
            o = build(config)
            o.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return o

        infer_engine.OrtInferSession._init_sess_opts = staticmethod(opts)
        try:
            yield
        finally:
            infer_engine.OrtInferSession._init_sess_opts = staticmethod(build)

    kw = dict(det_limit_side_len=2000, det_limit_type="max")
    engines = {}
    with no_spin_only():
        engines["before: arena off, angle classifier, 2 ONNX threads"] = RapidOCR(**kw)
    with _tuned_sessions():
        engines["arena on, angle classifier, 2 ONNX threads"] = RapidOCR(**kw)
    engines["framesift: arena on, no classifier, 1 ONNX thread"] = get_ocr_engine("read")
    load0 = os.getloadavg()[0]
    spent, same = race(engines, frames)
    fs = engines["framesift: arena on, no classifier, 1 ONNX thread"]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as ex:
        par = list(ex.map(lambda f: fs(f)[0], frames))
    name2 = "framesift engine, 2 frames at once (reader threads)"
    spent[name2] = time.perf_counter() - t0
    ref_texts = [texts(engines[next(iter(engines))](f)[0]) for f in frames]
    same[name2] = sum(texts(p) == t for p, t in zip(par, ref_texts))
    lines = [
        f"{len(frames)} frames the OCR pool keeps (640x360), mmap threshold pinned as in a select, "
        f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f} (2 cores)",
        "",
        *engine_rows(spent, same, len(frames), next(iter(engines)), against="before"),
    ]
    publish(
        "ocr_arena.md", "OCR reading in the select process: memory arena, angle classifier, threads", "\n".join(lines)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

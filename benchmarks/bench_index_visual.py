"""Repeated questions with a visual model on an indexed video, against the cold run (one process).

1. cold: ``framesift.select(video, q0, 16, model=M, cache=store, fetch=False)`` on an empty store:
   probe, decode (keeping model-size JPEGs of every candidate), features, the visual channel
   (today it embeds every candidate), selection, and writing the entry, images and rows;
2. warm: the same call for ``--queries`` other questions on the same store: the analysis, the
   stored rows are restored, only the query is embedded (the script checks that no image is
   embedded and that the first question gives the same frames again), with ``fetch=False``
   (the selection itself) and once with ``fetch=True`` (plus decoding the chosen frames).

The model is loaded before both (reported separately): a base-size random CLIP ViT-B/32 export
(``framesift export-onnx``, int8) has the real per-image cost; its scores mean nothing.

    python benchmarks/bench_index_visual.py --video V.mp4 --model ONNX_DIR [--queries 6] [--ocr off]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = [
    "a red car driving on a road",
    "the slide with the results table",
    "a person speaking to the camera",
    "a chart with rising bars",
    "the title screen",
    "a crowd of people outside",
    "a close-up of a hand writing",
    "the final credits",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--queries", type=int, default=6)
    ap.add_argument("--ocr", default="off", help="auto, off or a number of frames")
    ap.add_argument("--budget", type=int, default=16)
    args = ap.parse_args()

    import framesift
    from framesift.index import IndexStore
    from framesift.signals.embedders import load_embedder

    ocr = False if args.ocr == "off" else ("auto" if args.ocr == "auto" else int(args.ocr))
    t0 = time.perf_counter()
    emb = load_embedder(args.model)
    model_load = time.perf_counter() - t0
    embedded = {"images": 0}
    real = emb.encode_images

    def counting(images):
        embedded["images"] += len(images)
        return real(images)

    emb.encode_images = counting  # count what each question embeds (the real model still runs)
    with tempfile.TemporaryDirectory(prefix="bench-index-visual-") as tmp:
        store = IndexStore(tmp)
        t0 = time.perf_counter()
        cold = framesift.select(args.video, QUESTIONS[0], args.budget, model=emb, cache=store, ocr=ocr, fetch=False)
        cold_s = time.perf_counter() - t0
        cold_embedded = embedded["images"]
        warm_s, warm_load = [], []
        for q in QUESTIONS[1 : 1 + args.queries]:
            embedded["images"] = 0
            t0 = time.perf_counter()
            sel = framesift.select(args.video, q, args.budget, model=emb, cache=store, ocr=ocr, fetch=False)
            warm_s.append(time.perf_counter() - t0)
            warm_load.append(sel.timings.get("index_load", 0.0) + sel.timings.get("index_visual", 0.0))
            assert embedded["images"] == 0, f"warm question embedded {embedded['images']} images"
        again = framesift.select(args.video, QUESTIONS[0], args.budget, model=emb, cache=store, ocr=ocr, fetch=False)
        assert again.indices == cold.indices, "the warm run chose other frames than the cold run"
        t0 = time.perf_counter()
        framesift.select(args.video, QUESTIONS[1], args.budget, model=emb, cache=store, ocr=ocr, fetch=True)
        fetch_s = time.perf_counter() - t0
        size = sum(e.size_bytes for e in store.entries())
    warm = statistics.median(warm_s)
    print(
        f"video: {args.video} ({cold.video.duration / 60:.1f} min, {cold.num_candidates} candidates), "
        f"model: {emb.model_id}, ocr: {args.ocr}, budget {args.budget}"
    )
    print(f"model load (before both): {model_load:.2f} s")
    print("| run | seconds | cold / this |")
    print("|---|---|---|")
    print(
        f"| cold `select --model` (no index yet; embeds {cold_embedded} candidates, writes the entry) | {cold_s:.1f} | 1x |"
    )
    print(
        f"| of which decode / embed_images / index_write | {cold.timings.get('decode', 0):.1f} / "
        f"{cold.timings.get('embed_images', 0):.1f} / {cold.timings.get('index_write', 0):.1f} | |"
    )
    print(
        f"| warm `select --model`, selection itself, median of {len(warm_s)} new questions (0 images embedded) "
        f"| {warm:.3f} | {cold_s / warm:.0f}x |"
    )
    print(f"| of which loading the entry + stored rows | {statistics.median(warm_load):.3f} | |")
    print(f"| warm + fetching the {args.budget} chosen frames | {fetch_s:.3f} | {cold_s / fetch_s:.0f}x |")
    print(f"warm seconds: {[round(s, 3) for s in warm_s]}; index size {size / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())

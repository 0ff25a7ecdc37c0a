"""Indexing 8 short videos: serially in one process vs Ray Data (one task per video), one run.

Both write a fresh index; the Ray run starts (and stops) a local cluster with ``--cpus`` CPUs
and one CPU per task, and its wall time includes the cluster start, which is reported apart.
Checks the two indexes hold the same entries.

    python benchmarks/bench_ray.py [--videos 8] [--seconds 30] [--cpus 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    import framesift
    from _report import write_result
    from framesift.bench.needle_video import make_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--cpus", type=int, default=2)
    args = ap.parse_args()
    data = HERE.parent / "bench-data" / "ray"
    data.mkdir(parents=True, exist_ok=True)
    videos = []
    for k in range(args.videos):
        p = data / f"short{k}-{int(args.seconds)}s.mp4"
        if not p.with_suffix(".truth.json").exists():
            make_video(p, duration=args.seconds, fps=24, width=640, height=360, seed=100 + k)
        videos.append(p)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="fs-ray-") as tmp:
        os.environ["FRAMESIFT_CACHE"] = str(Path(tmp) / "root")  # the MiniLM graph: built once, before both
        from framesift.signals.text_embedder import get_text_embedder

        get_text_embedder()
        t0 = time.perf_counter()
        serial = framesift.index_videos(videos, cache=Path(tmp) / "serial")
        t_serial = time.perf_counter() - t0

        import ray

        t0 = time.perf_counter()
        ray.init(
            num_cpus=args.cpus,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {k: os.environ[k] for k in ("PYTHONPATH", "FRAMESIFT_CACHE") if k in os.environ}},
        )
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = framesift.index_videos(videos, cache=Path(tmp) / "ray", ray="auto")
        t_ray = time.perf_counter() - t0
        ray.shutdown()

        def entries(root: Path) -> list[str]:
            return sorted(f"{p.parent.name}/{p.name}" for p in (root / "framesift-index-v1" / "entries").glob("*/*"))

        same = entries(Path(tmp) / "serial") == entries(Path(tmp) / "ray")
    load1 = os.getloadavg()[0]
    minutes = args.videos * args.seconds / 60
    report = "\n".join(
        [
            f"{args.videos} videos of {args.seconds:.0f} s (640x360, 24 fps); load average {load0:.1f} -> {load1:.1f} (2 cores)",
            "",
            "| path | wall s | videos / min | vs serial |",
            "|---|---|---|---|",
            f"| serial, one process | {t_serial:.1f} | {args.videos / t_serial * 60:.1f} | 1.00x |",
            f"| Ray Data, {args.cpus} CPUs, 1 CPU per task (cluster already up) | {t_ray:.1f} | "
            f"{args.videos / t_ray * 60:.1f} | **{t_serial / t_ray:.2f}x** |",
            f"| Ray incl. cluster start ({t_start:.1f} s) | {t_ray + t_start:.1f} | "
            f"{args.videos / (t_ray + t_start) * 60:.1f} | {t_serial / (t_ray + t_start):.2f}x |",
            "",
            f"same entries in both indexes: {same}; statuses serial {sorted({r.status for r in serial})}, "
            f"ray {sorted({r.status for r in got})}; {minutes:.1f} minutes of video",
        ]
    )
    print(report)
    write_result(
        "ray_index.md", "Ray indexing vs serial", "python benchmarks/bench_ray.py " + " ".join(sys.argv[1:]), report
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

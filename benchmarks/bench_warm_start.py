"""A question on an already indexed video in a *new process*, against the cold select, per stage.

One run, same video, same question, same machine load:

* **cold**: a fresh process with an empty index directory runs ``framesift.select(...,
  cache=DIR)`` (decode, event scan, OCR, text embeddings, index write, select, fetch);
* **warm (Python)**: a second fresh process asks the same question of the now-filled index,
  timed per stage: interpreter + ``import framesift`` + the API module, the MiniLM load, the
  index read, the text scoring (only the question is embedded: the subtitle / OCR vectors are
  in the index), selection and the full-resolution fetch of the chosen frames;
* **warm (CLI)**: ``framesift select VIDEO -q ... --out DIR`` in a new process, wall clock;
* for reference, ``python -c pass`` and ``python -c "import typer"`` (the floor any typer CLI pays).

The warm process also reports whether torch / transformers / sentence_transformers were imported
(the lean start means they are not). Prints the table and the ratio cold / warm.

    python benchmarks/bench_warm_start.py [--video 360p_10min] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUESTION = "What does the slide say about the quarterly results?"

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
path, cache, question = sys.argv[1], sys.argv[2], sys.argv[3]
import framesift
from framesift import api  # noqa: F401  (what select needs; counted as import)
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
sel = framesift.select(path, question, budget=8, cache=cache)
t_select = time.perf_counter() - t1
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers", "scipy") if m in sys.modules)
print(json.dumps({"import": t_import, "select": t_select, "timings": sel.timings, "heavy": heavy,
                  "frames": sel.indices, "since_start": time.perf_counter() - t0}))
"""


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{r.stderr[-3000:]}")
    return wall, r.stdout


def main() -> int:
    from _report import write_result
    from _videos import ensure_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", default="360p_10min")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs (the median is reported)")
    args = ap.parse_args()
    path = ensure_video(args.video)
    env = dict(os.environ)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="fs-warm-") as tmp:
        cache = str(Path(tmp) / "index")
        # the MiniLM ONNX graph is built once per machine into the model cache; keep that out of
        # both timings (build it first, in its own process)
        env["FRAMESIFT_CACHE"] = str(Path(tmp) / "models-root")
        _run([sys.executable, "-c", "from framesift.signals.text_embedder import get_text_embedder as g; g()"], env)
        cold_wall, out = _run([sys.executable, "-c", _CHILD, str(path), cache, QUESTION], env)
        cold = json.loads(out.strip().splitlines()[-1])
        warms = []
        for _ in range(args.repeat):
            wall, out = _run([sys.executable, "-c", _CHILD, str(path), cache, QUESTION], env)
            w = json.loads(out.strip().splitlines()[-1])
            w["wall"] = wall
            warms.append(w)
        cli = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(dir=tmp) as out_dir:
                wall, _ = _run(
                    [
                        sys.executable,
                        "-m",
                        "framesift.cli",
                        "select",
                        str(path),
                        "-q",
                        QUESTION,
                        "--cache",
                        cache,
                        "--out",
                        str(Path(out_dir) / "sel"),
                        "--quiet",
                    ],
                    env,
                )
                cli.append(wall)
        floor_pass = statistics.median(_run([sys.executable, "-c", "pass"], env)[0] for _ in range(3))
        floor_typer = statistics.median(_run([sys.executable, "-c", "import typer"], env)[0] for _ in range(3))
        helps = [_run([sys.executable, "-m", "framesift.cli", "--help"], env)[0] for _ in range(5)]
    load_after = os.getloadavg()
    w = sorted(warms, key=lambda r: r["wall"])[len(warms) // 2]
    same = all(r["frames"] == cold["frames"] for r in warms)
    wt = w["timings"]
    lines = [
        f"video: {path.name}; question: {QUESTION!r}; warm runs: {args.repeat} (median shown)",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores)",
        "",
        "| stage | cold (new process, empty index) s | warm (new process, indexed) s |",
        "|---|---|---|",
        f"| interpreter + import framesift (+api) | {cold['import']:.3f} | {w['import']:.3f} |",
    ]
    stages = [
        "probe",
        "subtitles",
        "decode",
        "features",
        "ocr",
        "index_write",
        "index_load",
        "text_embed",
        "score",
        "select",
        "fetch",
    ]
    ct = cold["timings"]
    for s in stages:
        if s in ct or s in wt:
            label = {"text_embed": "text scoring (warm: MiniLM load + the question only)"}.get(s, s)
            lines.append(f"| {label} | {ct.get(s, 0):.3f} | {wt.get(s, 0):.3f} |")
    cold_total = cold_wall
    lines += [
        f"| **process wall** | **{cold_total:.2f}** | **{w['wall']:.2f}** |",
        "",
        f"warm / cold: **{cold_total / w['wall']:.1f}x** cheaper (Python API, new process each)",
        f"CLI `framesift select ... --out DIR` warm: median {statistics.median(cli):.2f} s "
        f"-> **{cold_total / statistics.median(cli):.1f}x** cheaper than the cold select",
        f"`framesift --help`: median {statistics.median(helps):.3f} s (min {min(helps):.3f}); floor on this "
        f"machine now: `python -c pass` {floor_pass:.3f} s, `python -c 'import typer'` {floor_typer:.3f} s",
        f"heavy modules imported by the warm process: {', '.join(w['heavy']) or 'none'}; "
        f"same frames as the cold run: {same}",
    ]
    report = "\n".join(lines)
    print(report)
    write_result(
        "warm_start.md",
        "Warm new-process select vs cold",
        f"python benchmarks/bench_warm_start.py --video {args.video} --repeat {args.repeat}",
        report,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load on ``framesift serve`` over loopback, and a warm question over HTTP against a new CLI process.

One run:

1. Generate ``--videos`` synthetic videos (``--duration`` s each, 640x360, subtitles and
   on-screen text; cached under ``--data``), start ``framesift serve`` as a subprocess on a free
   loopback port with a private index, and ``POST /index`` them (polled through ``/jobs/{id}``).
2. Load: ``--clients`` threads, each with its own HTTP connection, ask ``POST /select`` questions
   (budget 8, a question from a fixed list, a video in turn) back to back for ``--seconds``
   seconds (and at most ``--max-requests`` in all). Reports requests/s, p50/p99 latency, errors
   (any non-200) and the server's peak resident memory (``VmHWM`` of its process).
3. The same warm question, one at a time: over HTTP (median of 7) against ``framesift select
   VIDEO -q Q -b 8 --json`` in a new process on the same index (median of 3): what a pipeline
   that calls the CLI per question pays in imports and model loads. Ratio = CLI / HTTP.

``uptime`` load is printed before and after; the machine is shared, so figures drift.

    python benchmarks/bench_serve.py [--clients 8] [--seconds 60] [--videos 2] [--duration 120]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUESTIONS = [
    "What is the wifi password?",
    "When was the bridge completed?",
    "What does the slide say about the results?",
    "When does the screen flash?",
    "What is the name of the course?",
    "Who is speaking at the start?",
    "What is written on the whiteboard?",
    "What happens next?",
]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime unavailable"


def ensure_videos(data: Path, n: int, duration: float) -> list[Path]:
    from framesift.bench.needle_video import Needle, make_video

    data.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        path = data / f"serve_{int(duration)}s_{k}.mp4"
        if not path.with_suffix(".truth.json").exists():
            needles = (
                Needle("text", duration * 0.3, duration * 0.3 + 1, "Wi-Fi password: tulip-4417", QUESTIONS[0]),
                Needle(
                    "subtitle", duration * 0.6, duration * 0.6 + 2.5, "The bridge was finished in 1932.", QUESTIONS[1]
                ),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make_video(path, duration=duration, fps=24, width=640, height=360, gop=48, needles=needles, seed=k)
        out.append(path)
    return out


def start_server(root: Path, cache: Path, log: Path, workers: int) -> tuple[subprocess.Popen, str]:
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    env.pop("FRAMESIFT_TOKEN", None)
    fh = open(log, "w")  # noqa: SIM115 - lives as long as the server
    cmd = [sys.executable, "-m", "framesift.cli", "serve", "--root", str(root), "--port", "0", "--cache", str(cache)]
    cmd += ["--workers", str(workers), "--max-queue", "256"]
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    for _ in range(1200):
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", log.read_text())
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)
    raise SystemExit("server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--videos", type=int, default=2)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--data", type=Path, default=HERE.parent / "bench-data" / "serve")
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()

    load_before = uptime()
    videos = ensure_videos(args.data, args.videos, args.duration)
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    proc, url = start_server(args.data, work / "cache", work / "server.log", args.workers)
    try:
        with httpx.Client(base_url=url, timeout=600) as c:
            t0 = time.perf_counter()
            job = c.post("/index", json={"videos": [str(v) for v in videos]}).json()["job"]
            while (j := c.get(f"/jobs/{job}").json())["state"] not in ("done", "failed"):
                time.sleep(0.5)
            assert j["state"] == "done", j
            index_s = time.perf_counter() - t0
            for v in videos:  # one question each: the analyses are now in the server's memory
                assert c.post("/select", json={"video": str(v), "query": QUESTIONS[0]}).status_code == 200

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.perf_counter() + args.seconds
        count = [0]

        def client(k: int) -> None:
            with httpx.Client(base_url=url, timeout=600) as c:
                n = k
                while time.perf_counter() < stop_at:
                    with lock:
                        if count[0] >= args.max_requests:
                            return
                        count[0] += 1
                    body = {"video": str(videos[n % len(videos)]), "query": QUESTIONS[n % len(QUESTIONS)], "budget": 8}
                    t = time.perf_counter()
                    try:
                        r = c.post("/select", json=body)
                        ok = r.status_code == 200
                        what = f"{r.status_code} {r.text[:120]}"
                    except httpx.HTTPError as exc:
                        ok, what = False, repr(exc)
                    dt = time.perf_counter() - t
                    with lock:
                        (latencies.append(dt) if ok else errors.append(what))
                    n += args.clients

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        t_load = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        load_s = time.perf_counter() - t_load
        rss = peak_rss_mb(proc.pid)

        # one warm question at a time: HTTP vs a new CLI process on the same index
        q, v = QUESTIONS[1], str(videos[0])
        http_s = []
        with httpx.Client(base_url=url, timeout=600) as c:
            for _ in range(7):
                t = time.perf_counter()
                assert c.post("/select", json={"video": v, "query": q, "budget": 8}).status_code == 200
                http_s.append(time.perf_counter() - t)
        cli_s = []
        env = os.environ | {"FRAMESIFT_CACHE": str(work / "cache")}
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "framesift.cli", "select", v, "-q", q, "-b", "8", "--json"],
                check=True,
                capture_output=True,
                env=env,
            )
            cli_s.append(time.perf_counter() - t)
    finally:
        proc.terminate()
        proc.wait(20)

    figures = {
        "clients": args.clients,
        "seconds": round(load_s, 1),
        "videos": len(videos),
        "video_duration_s": args.duration,
        "index_s": round(index_s, 1),
        "requests": len(latencies) + len(errors),
        "requests_per_s": round(len(latencies) / load_s, 2),
        "p50_ms": round(1000 * pct(latencies, 0.5), 1),
        "p99_ms": round(1000 * pct(latencies, 0.99), 1),
        "errors": len(errors),
        "error_samples": errors[:3],
        "server_peak_rss_mb": round(rss, 1),
        "warm_http_median_s": round(statistics.median(http_s), 3),
        "new_cli_process_median_s": round(statistics.median(cli_s), 3),
        "cli_over_http": round(statistics.median(cli_s) / statistics.median(http_s), 1),
        "load_before": load_before,
        "load_after": uptime(),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"{args.clients} clients x {load_s:.0f} s: {figures['requests_per_s']} req/s, p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, {len(errors)} errors, server peak RSS {figures['server_peak_rss_mb']} MB; "
        f"warm question over HTTP {figures['warm_http_median_s']} s vs new CLI process "
        f"{figures['new_cli_process_median_s']} s ({figures['cli_over_http']}x)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

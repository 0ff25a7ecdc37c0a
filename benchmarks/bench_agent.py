"""Frames for agents: an oracle zoom policy on a Session vs one-shot selection vs uniform, and tool latency.

**Hit rate** (needle videos of ``benchmarks/bench_needles.py``: a fact on screen for ~1 s, a fact
said in one subtitle line, a 2-4 frame flash; each asked as its own question). The agent plays
the loop of the zooming long-video agents (VideoZoomer, arXiv 2512.22315; FrameThinker, arXiv
2509.24304) with a scripted *oracle* policy: it knows when it has seen the evidence (and stops),
but chooses where to look only from what framesift offers:

1. ``overview(8)`` (query-agnostic: momentary events + coverage);
2. up to 3 zooms of 8 frames toward the highest-scored span (framesift's fused text relevance
   for the question, or event strength when no text matches): ``[t*-4, t*+4]`` s, then
   ``[t*-1, t*+1]`` s (denser), then the second-best moment (>= 10 s from the first).

Against, on the same analysis: the one-shot ``auto`` selection and ``uniform`` over the whole
video, each given *the same number of frames the agent spent on that question*, and both at the
agent's maximum (32). A question is a hit when a frame's time is inside the needle's span.

**Latency** of each tool on an indexed 60-minute 360p video (``benchmarks/_videos.py``): the
session from the index, then each call warm (models loaded; the frames of each call new, so they
are decoded), in process and through ``framesift mcp`` over stdio with the SDK's client (JPEG
encoding and the protocol included).

    python benchmarks/bench_agent.py                     # 2 needle videos x 10 min + the 60-min video
    python benchmarks/bench_agent.py --latency-video 360p_10min --minutes 5 --seeds 1   # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from framesift.api import analyze, select_from
from framesift.scoring.relevance import score_text
from framesift.session import Session
from framesift.video import probe

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import write_result  # noqa: E402
from _videos import ensure_video  # noqa: E402
from bench_needles import video_for  # noqa: E402

CACHE = ROOT / "bench-data" / "agent-index"


def hit(times, start: float, end: float) -> bool:
    return any(start <= t < end for t in times)


def scores_for(analysis, question: str) -> np.ndarray:
    """Where to look: fused text relevance when it stands out, else momentary-event strength.

    "Stands out" is the ``auto`` strategy's own outlier rule (>= max(0.3, median + 3 MAD)): a
    flat text score (a flash nobody describes) carries no evidence, so the zoom goes to the
    strongest transient event instead.
    """
    channels, _ = score_text(question, analysis)
    fused = np.max(np.stack(list(channels.values())), axis=0) if channels else np.zeros(len(analysis.candidates))
    med = float(np.median(fused)) if len(fused) else 0.0
    mad = float(np.median(np.abs(fused - med))) * 1.4826 if len(fused) else 0.0
    if float(fused.max(initial=0.0)) < max(0.3, med + 3.0 * max(mad, 0.02)):
        cands = analysis.candidates
        fused = cands.change.astype(np.float64) * np.where(cands.transient, 1.0, 0.25)
    return fused


def oracle_agent(analysis, question: str, span: tuple[float, float]) -> tuple[bool, int, int]:
    """(hit, frames spent, zooms used) for the overview + up-to-3-zooms policy (stops on a hit)."""
    s = Session(analysis, budget=32)
    if hit([f.time for f in s.overview(8)], *span):
        return True, s.spent, 0
    score = scores_for(analysis, question)
    times = analysis.candidates.time
    order = np.argsort(-score, kind="stable")
    t1 = float(times[order[0]])
    t2 = next((float(times[j]) for j in order if abs(float(times[j]) - t1) >= 10.0), t1)
    end = analysis.info.start_time + analysis.info.duration
    zooms = [(t1 - 4, t1 + 4), (t1 - 1, t1 + 1), (t2 - 4, t2 + 4)]
    for n, (a, b) in enumerate(zooms, 1):
        a, b = max(a, analysis.info.start_time), min(b, end)
        frames = s.zoom(a, b, k=8)
        if hit([f.time for f in frames], *span):
            return True, s.spent, n
    return False, s.spent, len(zooms)


def uniform_times(analysis, k: int) -> np.ndarray:
    n = analysis.info.num_frames
    return analysis.table.time[np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))]


def hit_rates(minutes: float, seeds: int) -> tuple[str, dict]:
    rows: dict[tuple[str, str], list] = defaultdict(list)
    spent_all: list[int] = []
    for seed in range(seeds):
        path, truth = video_for(minutes, seed)
        analysis = analyze(path, cache=CACHE)
        for nd in truth["needles"]:
            span, kind, q = (nd["start"], nd["end"]), nd["kind"], nd["question"]
            ok, spent, zooms = oracle_agent(analysis, q, span)
            spent_all.append(spent)
            rows[(kind, "agent")].append(ok)
            rows[(kind, "agent frames")].append(spent)
            rows[(kind, "agent zooms")].append(zooms)
            for k, tag in ((spent, "same"), (32, "32")):
                sel = select_from(analysis, q, k, fetch=False)
                rows[(kind, f"one-shot {tag}")].append(hit(sel.times, *span))
                rows[(kind, f"uniform {tag}")].append(hit(uniform_times(analysis, k), *span))
        print(f"  {path.name}: {len(truth['needles'])} needles", file=sys.stderr)
    kinds = sorted({k for k, _ in rows})
    cols = ["agent", "one-shot same", "uniform same", "one-shot 32", "uniform 32"]
    lines = [
        f"Evidence hit rate, {seeds} needle video(s) x {minutes:g} min; agent = overview 8 + <= 3 zooms of 8 "
        "(oracle stop); 'same' = as many frames as the agent spent on that question",
        "",
        "| needle | " + " | ".join(cols) + " | agent frames (mean) | zooms (mean) |",
        "|---|" + "---|" * (len(cols) + 2),
    ]
    total: dict[str, list] = defaultdict(list)
    for kind in kinds:
        cells = []
        for c in cols:
            h = rows[(kind, c)]
            total[c] += h
            cells.append(f"{sum(h)}/{len(h)}")
        fr, zm = rows[(kind, "agent frames")], rows[(kind, "agent zooms")]
        lines.append(f"| {kind} | " + " | ".join(cells) + f" | {statistics.mean(fr):.1f} | {statistics.mean(zm):.1f} |")
    cells = [f"{sum(total[c])}/{len(total[c])} ({100 * sum(total[c]) / max(len(total[c]), 1):.0f}%)" for c in cols]
    lines.append("| **all** | " + " | ".join(cells) + f" | {statistics.mean(spent_all):.1f} | |")
    agent, same = sum(total["agent"]), sum(total["one-shot same"])
    summary = {"agent_hits": agent, "one_shot_same_hits": same, "n": len(total["agent"])}
    return "\n".join(lines), summary


def _median_ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.0f}"


def latency(name: str, reps: int) -> tuple[str, dict]:
    path = (Path(name) if name.endswith(".mp4") else ensure_video(name)).resolve()
    info, _ = probe(path)
    t0 = time.perf_counter()
    analyze(path, cache=CACHE)  # index it (a no-op when it is indexed already)
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = Session(path, budget=10_000, cache=CACHE)
    t_load = time.perf_counter() - t0
    question = "What is written on the slide about the results?"
    rng = np.random.default_rng(0)
    calls: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, fn) -> None:
        t = time.perf_counter()
        fn()
        calls[name].append(time.perf_counter() - t)

    timed("select 8 (first: loads MiniLM)", lambda: s.select(question, 8))
    timed("overview 8", lambda: s.overview(8))
    for _ in range(reps):
        t = float(rng.uniform(0, info.duration - 10))
        timed("probe", lambda: probe(path))
        timed("get_words 60 s", lambda: s.words(t, t + 60))
        timed("zoom 8 frames / 8 s", lambda: s.zoom(t, t + 8, k=8))
        timed("zoom 8 frames / 2 s", lambda: s.zoom(t + 8.5, t + 10.5, k=8))
        timed("select 8 (warm)", lambda: s.select(question + f" {t:.0f}", 8))
    mcp = _mcp_latency(path, reps)
    lines = [
        f"Tool latency on {path.name} ({info.duration / 60:.0f} min, {info.width}x{info.height}, "
        f"{info.fps:g} fps, {info.keyframes} keyframes); index build (this run) {t_index:.1f} s, "
        f"session from the index {t_load:.2f} s; medians over {reps} calls at random times",
        "",
        "| call | in process, ms | through `framesift mcp` (stdio, SDK client), ms |",
        "|---|---|---|",
    ]
    mcp_of = {
        "probe": "probe_video",
        "get_words 60 s": "get_words",
        "zoom 8 frames / 8 s": "get_frames 8",
        "select 8 (warm)": "select_frames 8",
    }
    for k, v in calls.items():
        m = mcp.get(mcp_of.get(k, ""), [])
        lines.append(f"| {k} | {_median_ms(v)} | {_median_ms(m) if m else '-'} |")
    lines.append(f"| (MCP: first call, session from the index + models) | - | {1000 * mcp['first'][0]:.0f} |")
    zoom_ms = statistics.median(calls["zoom 8 frames / 8 s"]) * 1000
    return "\n".join(lines), {"zoom8_ms": zoom_ms, "mcp_zoom8_ms": statistics.median(mcp["get_frames 8"]) * 1000}


def _mcp_latency(path: Path, reps: int) -> dict[str, list[float]]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    exe = Path(sys.executable).with_name("framesift")
    env = {k: os.environ[k] for k in ("PYTHONPATH", "HOME") if k in os.environ}
    args = ["mcp", "--root", str(path.parent), "--cache", str(CACHE), "--budget", "100000", "--max-side", "640"]
    out: dict[str, list[float]] = defaultdict(list)
    rng = np.random.default_rng(1)
    duration = probe(path)[0].duration

    async def run() -> None:
        async with Client(StdioServerParameters(command=str(exe), args=args, env=env), read_timeout_seconds=600) as c:
            v = str(path)
            t = time.perf_counter()
            r = await c.call_tool("get_words", {"video": v, "start": 0, "end": 5})
            assert not r.is_error, r.content[0].text
            out["first"].append(time.perf_counter() - t)
            await c.call_tool("select_frames", {"video": v, "question": "warm up", "budget": 1})
            for _ in range(reps):
                a = float(rng.uniform(0, duration - 10))
                for name, tool, targs in [
                    ("probe_video", "probe_video", {"video": v}),
                    ("get_words", "get_words", {"video": v, "start": a, "end": a + 60}),
                    ("get_frames 8", "get_frames", {"video": v, "start": a, "end": a + 8, "max_frames": 8}),
                    (
                        "select_frames 8",
                        "select_frames",
                        {"video": v, "question": f"the slide at {a:.0f}", "budget": 8},
                    ),
                ]:
                    t = time.perf_counter()
                    r = await c.call_tool(tool, targs)
                    assert not r.is_error, r.content[0].text
                    out[name].append(time.perf_counter() - t)

    asyncio.run(run())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="needle video length")
    ap.add_argument("--seeds", type=int, default=2, help="needle videos")
    ap.add_argument("--latency-video", default="360p_60min", help="a benchmarks/_videos.py name, or an .mp4 path")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--part", choices=["all", "hits", "latency"], default="all")
    args = ap.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load: {load}", file=sys.stderr)
    parts, summary = [], []
    if args.part in ("all", "hits"):
        hits, hs = hit_rates(args.minutes, args.seeds)
        ratio = hs["agent_hits"] / max(hs["one_shot_same_hits"], 1)
        parts.append(hits)
        summary.append(
            f"agent hits {hs['agent_hits']}/{hs['n']} vs one-shot at the same frames "
            f"{hs['one_shot_same_hits']}/{hs['n']} (ratio {ratio:.2f}x)"
        )
    if args.part in ("all", "latency"):
        lat, ls = latency(args.latency_video, args.reps)
        parts.append(lat)
        summary.append(
            f"get_frames of 8 frames warm: {ls['zoom8_ms']:.0f} ms in process, "
            f"{ls['mcp_zoom8_ms']:.0f} ms through MCP (target < 500 ms)"
        )
    load_end = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    report = "\n\n".join([*parts, "; ".join(summary), f"Load at start: `{load}`; at end: `{load_end}`"])
    print(report)
    cmd = "python benchmarks/bench_agent.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in vars(args).items() if ap.get_default(k) != v
    )
    name = "bench_agent.md" if args.part == "all" else f"bench_agent_{args.part}.md"
    write_result(name, "Frames for agents: zoom session vs one-shot vs uniform", cmd, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Live streams: constant memory over hours, speed as x real time, needle hits vs baselines.

A long synthetic 360p recording (30-minute parts of framesift's synthetic mix, each with its own
needles: subtitle facts said once, and momentary flashes; the subtitles travel *inside* the
stream, as a broadcast carries them) is played through a pipe into :class:`framesift.Stream` as
fast as it decodes. Reported:

* RSS and the memory's own bytes every few minutes of stream time (flat after the first minutes?);
* processing speed as x real time (stream seconds per wall second), against a plain PyAV decode
  of the same bytes measured in the same run (the floor);
* needle hit@8 for the questions about the first, middle and last 10 minutes, for the stream
  (asked at the end, from memory), "latest N frames" (the 8 newest 1 fps frames: what a live
  VLM that keeps a sliding window sees) and the offline selection of the whole recording
  (:func:`framesift.analyze` + :func:`framesift.select_from`, OCR off in both). A hit is a chosen
  frame inside the needle's span (+-0.25 s); ``span-hit`` also counts a span representative whose
  span holds the needle (the memory's resolution).

    python benchmarks/bench_stream.py [--hours 2] [--work bench-data/stream]

Parts are generated once and cached under ``--work``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import framesift  # noqa: E402
from _report import write_result  # noqa: E402
from framesift.bench.corpus import FLASH_FACTS, SUBTITLE_FACTS  # noqa: E402
from framesift.bench.needle_video import make_video  # noqa: E402
from framesift.bench.transcript import write_srt  # noqa: E402
from framesift.bench.truth import Needle  # noqa: E402
from framesift.video.subtitles import read_subtitle_file  # noqa: E402

PART_S = 1800.0
SUBS_PER_PART = 10
FLASH_PER_PART = 4
FPS = 24


def part_needles(k: int, part_s: float) -> list[Needle]:
    """Distinct facts in every part: subtitle needles every ~3 minutes, flashes between them."""
    rng = np.random.default_rng([k, 19])
    out = []
    slot = part_s / SUBS_PER_PART
    for j in range(SUBS_PER_PART):
        content, question = SUBTITLE_FACTS[(k * SUBS_PER_PART + j) % len(SUBTITLE_FACTS)]
        s = j * slot + float(rng.uniform(0.2, 0.5)) * slot
        out.append(Needle("subtitle", round(s, 3), round(s + float(rng.uniform(1.5, 3.0)), 3), content, question))
    for i in range(FLASH_PER_PART):
        # In the quiet end of a subtitle slot (subtitle needles sit in its 20-50% + 3 s).
        j = int((i + 0.5) * SUBS_PER_PART / FLASH_PER_PART)
        content, question = FLASH_FACTS[(k * FLASH_PER_PART + i) % len(FLASH_FACTS)]
        s = round((j + 0.85) * slot * FPS) / FPS
        out.append(Needle("flash", s, s + 3 / FPS, content, question))
    return sorted(out, key=lambda n: n.start)


def ensure_part(work: Path, k: int, part_s: float) -> Path:
    path = work / f"part{k}.mp4"
    if path.with_suffix(".truth.json").exists():
        return path
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_video(
            path,
            duration=part_s,
            fps=FPS,
            width=640,
            height=360,
            gop=250,
            needles=part_needles(k, part_s),
            seed=100 + k,
        )
    print(f"generated {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    return path


def concat(work: Path, parts: list[Path], part_s: float) -> tuple[Path, Path, list[dict]]:
    """One Matroska recording of all parts (packet copy, no re-encode) with the cues inside it,
    the same cues as an .srt (for the offline run) and the needles on the whole timeline."""
    out = work / f"whole_{len(parts)}.mkv"
    srt = out.with_suffix(".srt")
    needles: list[dict] = []
    cues: list[tuple[float, float, str]] = []
    for k, p in enumerate(parts):
        truth = json.loads(p.with_suffix(".truth.json").read_text())
        off = k * part_s
        needles += [dict(n, start=n["start"] + off, end=n["end"] + off) for n in truth["needles"]]
        cues += [(ln.start + off, ln.end + off, ln.text) for ln in read_subtitle_file(p.with_suffix(".srt")).lines]
    if out.exists() and srt.exists():
        return out, srt, needles
    write_srt(srt, cues)
    tmp = out.with_suffix(".partial.mkv")
    srt_src = av.open(str(srt))
    sub_packets = [pk for pk in srt_src.demux(srt_src.streams.subtitles[0]) if pk.size]
    with av.open(str(tmp), "w", format="matroska") as dst:
        first = av.open(str(parts[0]))
        vs = dst.add_stream_from_template(first.streams.video[0])
        ss = dst.add_stream_from_template(srt_src.streams.subtitles[0])
        first.close()
        for k, p in enumerate(parts):
            with av.open(str(p)) as src:
                sv = src.streams.video[0]
                shift = int(round(k * part_s / sv.time_base))
                for pk in src.demux(sv):
                    if pk.dts is None:
                        continue
                    pk.pts = pk.pts + shift if pk.pts is not None else None
                    pk.dts += shift
                    t = float(pk.pts * sv.time_base) if pk.pts is not None else 0.0
                    while sub_packets and float(sub_packets[0].pts * sub_packets[0].time_base) <= t:
                        sp = sub_packets.pop(0)
                        sp.stream = ss
                        dst.mux(sp)
                    pk.stream = vs
                    dst.mux(pk)
    srt_src.close()
    os.replace(tmp, out)
    return out, srt, needles


def plain_decode_seconds(path: Path) -> tuple[float, float]:
    """Wall seconds to decode every frame with PyAV alone (the floor), and the duration."""
    t0 = time.perf_counter()
    last = 0.0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            last = f.time or last
    return time.perf_counter() - t0, last


def stream_run(path: Path, sample_every_s: float) -> tuple[object, list[dict], float]:
    from framesift.stream import Stream

    r, w = os.pipe()

    def feed() -> None:
        with open(path, "rb") as src, os.fdopen(w, "wb") as dst:
            while chunk := src.read(1 << 16):
                dst.write(chunk)

    feeder = threading.Thread(target=feed, daemon=True)
    stream = Stream(os.fdopen(r, "rb"), stall_s=30.0)
    samples: list[dict] = []
    t0 = time.perf_counter()
    feeder.start()
    stream.start()
    next_t = 0.0
    while not stream.wait(0.5):
        st = stream.stats
        if st["stream_time"] >= next_t:
            samples.append(
                {
                    "stream_min": round(st["stream_time"] / 60, 1),
                    "rss_mb": round(st["rss_bytes"] / 1e6, 1),
                    "memory_mb": round(st["memory"]["bytes"] / 1e6, 2),
                    "spans": st["memory"]["spans"],
                    "x_real_time": st["x_real_time"],
                }
            )
            next_t = st["stream_time"] + sample_every_s
    wall = time.perf_counter() - t0
    st = stream.stats
    samples.append(
        {
            "stream_min": round(st["stream_time"] / 60, 1),
            "rss_mb": round(st["rss_bytes"] / 1e6, 1),
            "memory_mb": round(st["memory"]["bytes"] / 1e6, 2),
            "spans": st["memory"]["spans"],
            "x_real_time": st["x_real_time"],
        }
    )
    return stream, samples, wall


def hit(times_spans, n: dict, pad: float = 0.25) -> tuple[bool, bool]:
    strict = any(n["start"] - pad <= t <= n["end"] + pad for t, _ in times_spans)
    span = strict or any(sp is not None and sp[0] <= n["end"] and sp[1] >= n["start"] for _, sp in times_spans)
    return strict, span


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--work", type=Path, default=Path(__file__).resolve().parents[1] / "bench-data" / "stream")
    ap.add_argument("--part-minutes", type=float, default=PART_S / 60)
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--budget", type=int, default=8)
    args = ap.parse_args()
    part_s = args.part_minutes * 60
    n_parts = max(1, int(round(args.hours * 3600 / part_s)))
    args.work.mkdir(parents=True, exist_ok=True)
    parts = [ensure_part(args.work, k, part_s) for k in range(n_parts)]
    if args.generate_only:
        return 0
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    whole, srt, needles = concat(args.work, parts, part_s)
    duration = n_parts * part_s
    floor_s, _ = plain_decode_seconds(whole)
    print(f"plain decode: {floor_s:.0f} s", file=sys.stderr, flush=True)

    stream, samples, wall = stream_run(whole, sample_every_s=max(60.0, duration / 24))
    st = stream.stats
    x_stream = st["stream_time"] / wall
    print(f"stream: {wall:.0f} s ({x_stream:.1f}x real time)", file=sys.stderr, flush=True)
    x_floor = duration / floor_s

    windows = {
        "first 10 min": (0, 600),
        "middle 10 min": (duration / 2 - 300, duration / 2 + 300),
        "last 10 min": (duration - 600, duration),
    }
    t_off = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = framesift.analyze(whole, subtitles=srt, ocr=False)
    offline_analyze_s = time.perf_counter() - t_off
    print(f"offline analysis: {offline_analyze_s:.0f} s", file=sys.stderr, flush=True)
    latest = [(float(t), None) for t in analysis.candidates.time[analysis.candidates.source == "grid"][-args.budget :]]

    rows = []
    for name, (a, b) in windows.items():
        qs = [n for n in needles if a <= n["start"] < b]
        for kind in ("subtitle", "flash"):
            sub = [n for n in qs if n["kind"] == kind]
            if not sub:
                continue
            res = {"stream": [0, 0], "latest": [0, 0], "offline": [0, 0]}
            for n in sub:
                live = stream.select(n["question"], args.budget, images=False)
                s_hit, s_span = hit([(f.time, f.span if f.level == "span" else None) for f in live.frames], n)
                off = framesift.select_from(analysis, n["question"], args.budget, fetch=False)
                o_hit, _ = hit([(f.time, None) for f in off.frames], n)
                l_hit, _ = hit(latest, n)
                res["stream"][0] += s_hit
                res["stream"][1] += s_span
                res["offline"][0] += o_hit
                res["latest"][0] += l_hit
            rows.append((name, kind, len(sub), res))
    load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    lines = [
        f"recording: {duration / 3600:.2f} h of 640x360 24 fps H.264 ({n_parts} x {part_s / 60:.0f} min parts), "
        f"{len(needles)} needles; subtitles inside the stream; OCR off",
        f"load before: {load_before}",
        f"load after:  {load_after}",
        "",
        f"speed: stream {x_stream:.1f}x real time ({wall:.0f} s wall for {st['stream_time'] / 60:.1f} min); "
        f"plain PyAV decode of the same file {x_floor:.1f}x ({floor_s:.0f} s); stream/decode = {x_stream / x_floor:.2f}",
        f"frames {st['frames']}, decode errors {st['decode_errors']}; memory at the end: {json.dumps(st['memory'])}",
        "",
        "RSS over stream time:",
        "| stream min | RSS MB | memory MB | spans | x real time |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s['stream_min']} | {s['rss_mb']} | {s['memory_mb']} | {s['spans']} | {s['x_real_time']} |" for s in samples
    ]
    lines += [
        "",
        f"needle hit@{args.budget} (offline analysis of the whole recording: {offline_analyze_s:.0f} s):",
        "| questions about | kind | n | stream hit | stream span-hit | latest 8 frames | offline |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, kind, n, res in rows:
        lines.append(
            f"| {name} | {kind} | {n} | {res['stream'][0]}/{n} | {res['stream'][1]}/{n} | {res['latest'][0]}/{n} | {res['offline'][0]}/{n} |"
        )
    report = "\n".join(lines)
    print(report)
    cmd = f"python benchmarks/bench_stream.py --hours {args.hours:g}"
    write_result(f"stream_{args.hours:g}h.md", "Live stream benchmark", cmd, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``framesift watch SOURCE``: follow a live stream, print what happens, answer typed questions.

stdout carries one line per event and per answer (one JSON object per line with ``--json``);
the live status (stream time, speed, memory) is drawn on stderr only when it is a terminal.
Lines typed on stdin are questions, answered from the whole history so far; ``watch QUESTION``
registers a standing question instead, ``stats`` prints the memory. With SOURCE ``-`` the video
comes on stdin, so questions come only from ``--watch``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import typer

from ..errors import InputError
from ._shared import app, cli_message, err


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall)) + f".{int(wall * 10) % 10}"


def _emit_line(obj: dict, as_json: bool, text: str) -> None:
    sys.stdout.write((json.dumps(obj, ensure_ascii=False) if as_json else text) + "\n")
    sys.stdout.flush()


def _answer(stream, question: str, budget: int, strategy: str, as_json: bool, save: Path | None, n: int) -> None:
    from ..export.files import format_time

    sel = stream.select(
        question,
        budget,
        strategy=strategy,
        images=save is not None,
        full_resolution=save is not None and stream.buffered,
    )
    if save is not None:
        from .._atomic import atomic_dir

        with atomic_dir(save / f"answer-{n:04d}") as tmp:
            for k, f in enumerate(sel.frames):
                if f.image is not None:
                    f.image.save(tmp / f"frame_{k:02d}_{f.time:010.3f}s.jpg", quality=90)
            (tmp / "selection.json").write_text(json.dumps(sel.to_dict(), ensure_ascii=False, indent=1))
    if as_json:
        _emit_line({"answer": sel.to_dict()}, True, "")
        return
    lines = [
        f"? {question!r}: {len(sel.frames)} frames of {sel.signals.get('items', 0)} in memory "
        f"(at {format_time(sel.at)}, {sel.strategy})"
    ]
    for f in sel.frames:
        where = f"span {format_time(f.span[0])}-{format_time(f.span[1])}" if f.level == "span" and f.span else f.level
        lines.append(f"  {format_time(f.time):>11}  {_clock(f.wall)}  #{f.index:<7d} {where:24s} {f.reason}")
    lines.extend(f"  note: {n_}" for n_ in sel.notes)
    _emit_line({}, False, "\n".join(lines))


def _status_text(stats: dict) -> str:
    from ..export.files import format_time

    mem = stats["memory"]
    speed = f"{stats['x_real_time']:.1f}x" if stats.get("x_real_time") else "-"
    state = "stalled" if stats["stalled"] else ("ended" if stats["ended"] else "live")
    return (
        f"{state} {format_time(stats['stream_time'])}  {stats['frames']} frames  {speed} real time  "
        f"memory {mem['bytes'] / 1e6:.1f} MB ({mem['recent_frames'] + mem['open_span_frames']} recent, "
        f"{mem['spans']} spans)  RSS {stats['rss_bytes'] / 1e6:.0f} MB"
    )


@app.command("watch")
def watch_cmd(
    source: str = typer.Argument(
        ...,
        help="A growing file, '-' (stdin), or udp:// tcp:// rtsp:// rtmp:// srt:// http(s):// URL.",
        show_default=False,
    ),
    watch: list[str] = typer.Option(
        [], "--watch", "-w", help="A question to fire on when evidence appears (repeatable)."
    ),
    budget: int = typer.Option(8, "--budget", "-b", help="Frames per answer."),
    strategy: str = typer.Option("auto", "--strategy", "-s", help="Selection strategy (see `framesift strategies`)."),
    threshold: float = typer.Option(0.55, "--threshold", help="Text relevance at which a watch fires (0-1]."),
    ocr: int = typer.Option(0, "--ocr", help="Read on-screen text on up to N frames per minute (0: off)."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate grid rate (frames per second)."),
    recent: float = typer.Option(60.0, "--recent", help="Seconds kept at full candidate rate."),
    max_spans: int = typer.Option(512, "--max-spans", help="Older spans kept before merging (bounds memory)."),
    image_side: int = typer.Option(320, "--image-side", help="Longer side of stored images (px)."),
    fmt: str | None = typer.Option(None, "--format", help="Container format if it cannot be probed (mpegts, ...)."),
    idle_timeout: float = typer.Option(10.0, "--idle-timeout", help="Seconds without data after which it ended."),
    stall: float = typer.Option(2.0, "--stall", help="Seconds without frames reported as a stall."),
    open_timeout: float = typer.Option(
        15.0, "--open-timeout", help="Seconds to wait for the source to appear / connect / send its first data."
    ),
    save: Path | None = typer.Option(None, "--save", help="Write each answer's images + selection.json here."),
    buffer: Path | None = typer.Option(
        None, "--buffer", help="Keep the last --buffer-seconds on disk here; --save then writes full-size images."
    ),
    buffer_seconds: float = typer.Option(600.0, "--buffer-seconds", help="Seconds the --buffer keeps."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No live status line."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Follow a live video SOURCE: print events, answer questions typed on stdin."""
    from rich.live import Live
    from rich.text import Text

    from ..selectors import get_strategy
    from ..stream import MemoryConfig, Stream

    if budget < 1:
        raise InputError(f"--budget must be at least 1 (got {budget})")
    if ocr < 0:
        raise InputError(f"--ocr must not be negative (got {ocr})")
    get_strategy(strategy)
    flags = {"recent_s": "--recent", "stall_s": "--stall", "buffer_s": "--buffer-seconds", "buffer_dir": "--buffer"}
    try:
        memory = MemoryConfig(fps=fps, recent_s=recent, max_spans=max_spans, image_side=image_side)
        stream = Stream(
            source,
            memory=memory,
            ocr=ocr,
            format=fmt,
            idle_timeout=idle_timeout,
            stall_s=stall,
            open_timeout=open_timeout,
            buffer_dir=buffer,
            buffer_s=buffer_seconds,
        )
    except InputError as exc:  # name this command's flags, not the Python parameters
        raise InputError(cli_message(exc, flags)) from exc
    for q in watch:
        stream.watch(q, threshold=threshold)
    stream.start()
    questions: list[str] = []
    qlock = threading.Lock()
    if source != "-":

        def read_questions() -> None:
            for line in sys.stdin:
                with qlock:
                    questions.append(line.strip())

        threading.Thread(target=read_questions, name="framesift-questions", daemon=True).start()
    live = Live(Text(""), console=err, transient=True, auto_refresh=False) if err.is_terminal and not quiet else None
    answered = 0
    try:
        if live is not None:
            live.start()
        while True:
            for ev in stream.events(timeout=0.25):
                _emit_line(ev.to_dict(), as_json, f"[{ev.time:9.2f}s {_clock(ev.wall)}] {ev.kind}: {ev.message}")
            with qlock:
                pending, questions[:] = list(questions), []
            for q in pending:
                if not q:
                    continue
                if q.startswith("watch "):
                    w = stream.watch(q[6:].strip(), threshold=threshold)
                    _emit_line({"watching": w.question, "id": w.id}, as_json, f"watching {w.question!r} (#{w.id})")
                elif q == "stats":
                    st = stream.stats
                    _emit_line({"stats": st}, as_json, _status_text(st))
                else:
                    answered += 1
                    _answer(stream, q, budget, strategy, as_json, save, answered)
            if live is not None:
                live.update(Text(_status_text(stream.stats)), refresh=True)
            if stream.ended:
                for ev in stream.events():
                    _emit_line(ev.to_dict(), as_json, f"[{ev.time:9.2f}s {_clock(ev.wall)}] {ev.kind}: {ev.message}")
                break
    finally:
        if live is not None:
            live.stop()
        stream.close()
    if stream.stats["frames"] == 0 and stream.error is not None:
        raise stream.error

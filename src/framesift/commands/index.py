"""``framesift index``, ``framesift search`` and ``framesift cache``: the per-video index from the shell."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import typer

from ..errors import InputError
from ._shared import CliProgress, app, err, parse_ocr

cache_app = typer.Typer(no_args_is_help=True, help="Inspect and clean the per-video index.")
app.add_typer(cache_app, name="cache")


def _load_embedder(spec: str | None):
    """``--model SPEC`` -> an Embedder, loaded once before any video is touched (a bad spec fails fast)."""
    if not spec:
        return None
    from ..signals.embedders import load_embedder

    return load_embedder(spec)


def _store(cache: Path | None):
    from ..index import IndexStore

    return IndexStore(cache)


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command("index")
def index_cmd(
    videos: list[Path] = typer.Argument(
        ..., help="Video files or directories (searched recursively).", show_default=False
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="Vision-language model: embed every candidate for `search` and `select --model` "
        "(hub id, local dir, ONNX export dir or open_clip:NAME/TAG).",
    ),
    cache: Path | None = typer.Option(
        None, "--cache", help="Index directory (default: $FRAMESIFT_CACHE or the user cache dir)."
    ),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate (frames per second)."),
    events: bool = typer.Option(True, "--events/--no-events", help="Scan every frame for momentary events."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames to read."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with a result per video."),
    ray: str | None = typer.Option(
        None,
        "--ray",
        help="Index on Ray, one task per video: 'local' starts a local cluster, else a Ray address "
        "('auto', ray://host:10001). Needs framesift[ray]; --cache must be shared by the workers.",
    ),
    ray_cpus: float = typer.Option(1.0, "--ray-cpus", help="CPUs per Ray task (one task per video)."),
    ray_gpus: float = typer.Option(0.0, "--ray-gpus", help="GPUs per Ray task."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars or summary."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Analyse VIDEOS once and store what every later question needs (decode once, ask many times)."""
    from ..library import index_video, index_videos, resolve_videos

    paths = resolve_videos(videos)
    store = _store(cache)
    ocr_v = parse_ocr(ocr)
    t0 = time.perf_counter()
    if ray is not None:
        results = index_videos(
            paths,
            cache=store,
            model=model,
            fps=fps,
            events=events,
            ocr=ocr_v,
            ray=True if ray.strip().lower() in ("", "local") else ray.strip(),
            ray_cpus=ray_cpus,
            ray_gpus=ray_gpus,
        )
        if not quiet:
            for r in results:
                err.print(
                    f"{r.status:>8}  {r.video}  ({r.candidates} candidates, {r.seconds:.1f}s on Ray)",
                    highlight=False,
                    markup=False,
                )
        _report_index(results, store, t0, as_json, quiet)
        return
    embedder = _load_embedder(model)
    results = []
    with CliProgress(not quiet, len(paths)) as progress:
        for p in paths:
            progress.start(p.name)
            r = index_video(p, cache=store, model=embedder, fps=fps, events=events, ocr=ocr_v, progress=progress)
            r.analysis = None  # memory stays flat over a large library
            results.append(r)
            progress.advance()
            if not quiet:
                extra = f", {r.embedded} frames embedded" if r.embedded else ""
                err.print(
                    f"{r.status:>8}  {p}  ({r.candidates} candidates{extra}, {r.seconds:.1f}s)",
                    highlight=False,
                    markup=False,
                )
    _report_index(results, store, t0, as_json, quiet)


def _report_index(results, store, t0: float, as_json: bool, quiet: bool) -> None:
    if as_json:
        _emit(
            {
                "cache": str(store.root),
                "videos": [r.to_dict() for r in results],
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
    elif not quiet:
        counts = {s: sum(r.status == s for r in results) for s in ("indexed", "rebuilt", "cached")}
        err.print(
            f"{len(results)} videos: {counts['indexed']} indexed, {counts['rebuilt']} rebuilt, "
            f"{counts['cached']} already in {store.root}",
            highlight=False,
            markup=False,
        )


@app.command("search")
def search_cmd(
    videos: list[Path] = typer.Argument(
        None, help="Videos or directories (default: every indexed video).", show_default=False
    ),
    query: str = typer.Option(..., "--query", "-q", help="What to look for."),
    top: int = typer.Option(10, "--top", "-k", help="Number of moments."),
    model: str | None = typer.Option(None, "--model", "-m", help="Visual embedder for the visual channel."),
    cache: Path | None = typer.Option(None, "--cache", help="Index directory."),
    no_index: bool = typer.Option(
        False, "--no-index", help="Skip videos that are not indexed yet instead of indexing them."
    ),
    thumbs: Path | None = typer.Option(None, "--thumbs", help="Where to write thumbnails (default: <cache>/thumbs)."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate used when indexing."),
    events: bool = typer.Option(True, "--events/--no-events", help="Event scan setting used when indexing."),
    ocr: str = typer.Option("auto", "--ocr", help="OCR setting used when indexing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the moments."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Rank moments across indexed videos for a text query (subtitles, on-screen text, visual)."""
    from ..export.files import format_time
    from ..library import resolve_videos, search

    store = _store(cache)
    embedder = _load_embedder(model)
    paths = resolve_videos(videos) if videos else None
    with CliProgress(not quiet, len(paths) if paths else 0) as progress:
        moments = search(
            paths,
            query,
            top=top,
            cache=store,
            model=embedder,
            index_missing=not no_index,
            fps=fps,
            events=events,
            ocr=parse_ocr(ocr),
            thumbs_dir=thumbs,
            progress=lambda s, d, t: progress(s, d, t),
        )
    if as_json:
        _emit({"query": query, "moments": [m.to_dict() for m in moments]})
        return
    if not moments:
        typer.echo("no matching moment")
    for k, m in enumerate(moments, 1):
        why = f" {m.text!r}" if m.text else ""
        typer.echo(
            f"{k:2d}. {m.video}  {format_time(m.time)}  #{m.index}  {m.channel} {m.score:.3f}{why}  {m.thumbnail}"
        )


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> float:
    """``"30d"``, ``"12h"``, ``"90m"``, ``"45s"``, ``"2w"`` -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not m:
        raise InputError(f"--older-than expects a number and a unit s/m/h/d/w, like 30d (got '{text}')")
    return float(m.group(1)) * _UNITS[m.group(2)]


@cache_app.command("ls")
def cache_ls(
    cache: Path | None = typer.Option(None, "--cache", help="Index directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """List the indexed videos."""
    store = _store(cache)
    entries = store.entries()
    if as_json:
        _emit(
            {
                "cache": str(store.root),
                "entries": [e.to_dict() for e in entries],
                "size_bytes": sum(e.size_bytes for e in entries),
            }
        )
        return
    typer.echo(f"{store.root}: {len(entries)} entries, {sum(e.size_bytes for e in entries) / 1e6:.1f} MB")
    for e in entries:
        age = (time.time() - e.last_used) / 86400
        models = ", ".join(e.models) or "-"
        state = "" if e.valid else "  [incomplete or old: rebuilt on next use]"
        typer.echo(
            f"  {e.video_hash[:12]}/{e.settings_key}  {e.video}  {e.candidates} candidates  "
            f"{e.size_bytes / 1e6:.1f} MB  used {age:.1f} d ago  models: {models}{state}"
        )


@cache_app.command("prune")
def cache_prune(
    older_than: str = typer.Option(..., "--older-than", help="Remove entries not used for this long (30d, 12h, ...)."),
    cache: Path | None = typer.Option(None, "--cache", help="Index directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Remove entries not used for a while."""
    store = _store(cache)
    removed = store.prune(parse_age(older_than))
    if as_json:
        _emit({"cache": str(store.root), "removed": [e.to_dict() for e in removed]})
        return
    typer.echo(f"removed {len(removed)} entries ({sum(e.size_bytes for e in removed) / 1e6:.1f} MB)")


@cache_app.command("clear")
def cache_clear(
    cache: Path | None = typer.Option(None, "--cache", help="Index directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Remove every entry (only framesift's own files under the cache directory)."""
    store = _store(cache)
    n = store.clear()
    if as_json:
        _emit({"cache": str(store.root), "removed": n})
        return
    typer.echo(f"removed {n} entries from {store.root}")

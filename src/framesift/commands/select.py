"""``framesift select``: the frames a model should see to answer a question about a video."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from ..errors import InputError
from ..limits import check_query_text
from ._shared import CliProgress, app, err, parse_ocr, parse_params

if TYPE_CHECKING:
    from ..api import Selection


@app.command("select")
def select_cmd(
    # a str, not a Path: Path() folds "http://" into "http:/" (videos by URL, framesift.video.remote)
    video: str = typer.Argument(..., help="The video file, or an http(s) URL.", show_default=False),
    query: str = typer.Option("", "--query", "-q", help="The question the frames should answer."),
    budget: int | None = typer.Option(
        None,
        "--budget",
        "-b",
        help="Maximum number of frames (default 8; with --budget-tokens, no cap beyond the tokens).",
        show_default=False,
    ),
    budget_tokens: int | None = typer.Option(
        None,
        "--budget-tokens",
        help="Visual-token budget for --model-family (frames x resolution are planned to fit).",
        show_default=False,
    ),
    model_family: str = typer.Option(
        "qwen2.5-vl",
        "--model-family",
        help="How tokens are counted: qwen2.5-vl, qwen3-vl, llava-onevision, internvl, generic:N.",
    ),
    plan: str = typer.Option(
        "whole",
        "--plan",
        help="With --budget-tokens: whole (one size) or slowfast (a few sharp stills + small frames).",
    ),
    layout: str = typer.Option(
        "frames", "--layout", help="With --budget-tokens: frames, or grid:RxC storyboards with burned-in times."
    ),
    crops: str = typer.Option(
        "off", "--crops", help="With --budget-tokens: auto crops the on-screen text matching the question."
    ),
    strategy: str = typer.Option("auto", "--strategy", "-s", help="Selection strategy (see `framesift strategies`)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write JPEGs, manifest.json and contact_sheet.png here."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as one JSON object on stdout."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        "-f",
        show_default=False,
        help="Print the frames as model input JSON: openai, vllm, qwen or gemini "
        "(with --out also written there as <format>.json).",
    ),
    subtitles: Path | None = typer.Option(
        None, "--subtitles", help="Subtitle file (.srt/.vtt); default: sidecar or embedded."
    ),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate (frames per second)."),
    events: bool = typer.Option(True, "--events/--no-events", help="Scan every frame for momentary events."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames to read."),
    asr: str = typer.Option(
        "auto", "--asr", help="Speech recognition: auto, off, or a faster-whisper model (small, large-v3, a dir)."
    ),
    asr_device: str = typer.Option("cpu", "--asr-device", help="Device of the speech model: cpu, cuda or auto."),
    context: str = typer.Option(
        "auto", "--context", help="With --format: words near the frames: auto, none, or channels (speech,subtitle,ocr)."
    ),
    context_tokens: int = typer.Option(600, "--context-tokens", help="With --format: text-token cap of those words."),
    param: list[str] = typer.Option([], "--param", "-p", help="Strategy parameter name=value (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Seed for randomised strategies."),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="Vision-language model for the visual channel: hub id, local dir, ONNX export "
        "dir or open_clip:NAME/TAG (see `framesift models`).",
    ),
    expand: bool = typer.Option(
        True, "--expand/--no-expand", help="Rewrite the question into caption-style phrases (rules)."
    ),
    rewrite_url: str | None = typer.Option(
        None,
        "--rewrite-url",
        help="OpenAI-compatible endpoint (e.g. http://localhost:8000/v1) that rewrites the question.",
    ),
    rewrite_model: str = typer.Option("default", "--rewrite-model", help="Model name sent to --rewrite-url."),
    cache: Path | None = typer.Option(
        None, "--cache", help="Index directory (default: $FRAMESIFT_CACHE or the user cache dir)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the per-video index."),
    embed_budget: str = typer.Option(
        "auto",
        "--embed-budget",
        help="With --model: candidates the visual channel may embed (coarse-to-fine; the rest "
        "are estimated): N, auto (scaled to video length and model speed) or all (dense).",
    ),
    device: str = typer.Option(
        "auto", "--device", help="Visual model, OCR and decoding: auto (a GPU where usable), cpu or cuda[:N]."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Also write a self-contained HTML report (timeline, curves, picks) to this file."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars or summary."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Choose the frames a model should see to answer QUERY about VIDEO."""
    # The pipeline (numpy, PyAV, ...) loads when the command runs, not for `framesift --help`.
    from ..api import select
    from ..scoring.embed_budget import parse_embed_budget

    if budget is not None and budget < 1:
        raise InputError(f"--budget must be at least 1 (got {budget})")
    if budget_tokens is not None and budget_tokens < 1:
        raise InputError(f"--budget-tokens must be at least 1 (got {budget_tokens})")
    embed_spec = parse_embed_budget(embed_budget)
    check_query_text(query)  # before any decoding: too long, or bytes that are not UTF-8
    if fmt is not None:
        from ..export.formats import check_format

        fmt = check_format(fmt)
        if as_json:
            raise InputError("--json and --format both print on stdout; choose one")
    with CliProgress(enabled=not quiet) as progress:
        sel = select(
            video,
            query,
            budget,
            strategy=strategy,
            params=parse_params(param),
            subtitles=subtitles,
            budget_tokens=budget_tokens,
            model_family=model_family,
            fps=fps,
            events=events,
            ocr=parse_ocr(ocr),
            seed=seed,
            fetch=out is not None or fmt is not None or report is not None,
            progress=progress,
            model=model,
            expand=expand,
            rewrite_url=rewrite_url,
            rewrite_model=rewrite_model,
            cache=False if no_cache else (cache or True),
            embed_budget=embed_spec,
            plan=plan,
            layout=layout,
            crops=crops,
            device=device,
            asr=asr,
            asr_device=asr_device,
        )
    model_input = None
    if fmt is not None:
        model_input = sel.to_format(fmt, query, context=context, context_tokens=context_tokens)
    manifest = None
    if out is not None:
        # The format file goes into the same folder before it is renamed into place.
        sel.save(out, extra_json={f"{fmt}.json": model_input} if model_input is not None else None)
        if as_json:  # the very manifest written there, per-frame file names included
            manifest = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    if report is not None:
        from ..export.report import write_report

        write_report(report, sel.to_manifest(), [f.image for f in sel.frames])
    if as_json:
        if manifest is None:
            manifest = sel.to_manifest()
        sys.stdout.write(json.dumps(manifest, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if model_input is not None:
        sys.stdout.write(json.dumps(model_input, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if not quiet:
        _summary(sel, out, to_stdout=not as_json and fmt is None)


def _summary(sel: Selection, out: Path | None, to_stdout: bool) -> None:
    """The human summary: one line per frame (stdout unless a JSON document owns it, then stderr)."""
    from ..export.files import format_time

    console = Console() if to_stdout else err
    for note in sel.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False)
    spent = (
        f"{sel.tokens['tokens_spent']} of {sel.tokens['tokens']} {sel.tokens['model_family']} tokens"
        if sel.tokens
        else f"budget {sel.budget}"
    )
    console.print(
        f"{len(sel.frames)} frames of {sel.num_candidates} candidates ({sel.strategy}, {spent}):", highlight=False
    )
    for f in sel.frames:
        size = f" {f.width}x{f.height}" if f.scale is not None else ""
        console.print(
            f"  {format_time(f.time):>11}  #{f.index:<7d}{size} {f.reason}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    total = sum(sel.timings.values())
    console.print(f"took {total:.1f}s" + (f"; wrote {out}" if out else ""), highlight=False)

"""``framesift ask VIDEO QUESTION --vlm-url URL --model NAME``: the whole zoom loop, one answer."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

from ..errors import InputError
from ._shared import CliProgress, app, parse_ocr


@app.command("ask")
def ask_cmd(
    video: Path = typer.Argument(..., help="The video file.", show_default=False),
    question: str = typer.Argument(..., help="The question.", show_default=False),
    vlm_url: str = typer.Option(..., "--vlm-url", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1."),
    model: str = typer.Option(..., "--model", help="Model name sent in each request."),
    budget: int = typer.Option(32, "--budget", "-b", help="Frames the model may see in all (first look + zooms)."),
    first_look: int = typer.Option(8, "--first-look", help="Frames in the first message."),
    max_turns: int = typer.Option(4, "--max-turns", help="Model replies at most."),
    max_frames_per_call: int = typer.Option(8, "--max-frames-per-call", help="Cap of one get_frames call."),
    tools: str = typer.Option("auto", "--tools", help="auto (fall back to one shot if refused), on, or off."),
    max_side: int = typer.Option(512, "--max-side", help="Longest side of the images sent (pixels)."),
    max_tokens: int = typer.Option(512, "--max-tokens", help="Tokens the model may answer with, per turn."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per request."),
    retries: int = typer.Option(2, "--retries", help="Retries per request (exponential backoff)."),
    subtitles: Path | None = typer.Option(None, "--subtitles", help="Subtitle file (default: sidecar / embedded)."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames to read."),
    embed_model: str | None = typer.Option(
        None, "--embed-model", help="Vision-language embedder for the visual channel (see `framesift models`)."
    ),
    cache: Path | None = typer.Option(None, "--cache", help="Index directory (default: $FRAMESIFT_CACHE)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the per-video index."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
    debug: bool | None = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Answer QUESTION about VIDEO with a model behind an OpenAI-compatible endpoint (API key: $OPENAI_API_KEY).

    The model gets a first look with true times, then zooms in with get_frames / get_words
    (function calling) until it answers, within --budget frames and --max-turns replies.
    """
    from ..ask import ask
    from ..session import time_label

    if tools not in ("auto", "on", "off"):
        raise InputError(f"--tools must be auto, on or off (got '{tools}')")
    for flag, v in (("--budget", budget), ("--first-look", first_look), ("--max-turns", max_turns)):
        if v < 1:
            raise InputError(f"{flag} must be at least 1 (got {v})")
    options: dict[str, Any] = {"fps": fps, "ocr": parse_ocr(ocr), "subtitles": subtitles}
    if embed_model is not None:
        options["model"] = embed_model
    with CliProgress(not quiet) as progress:
        result = ask(
            video,
            question,
            url=vlm_url,
            model=model,
            api_key=os.environ.get("OPENAI_API_KEY"),
            budget=budget,
            first_look=first_look,
            max_turns=max_turns,
            max_frames_per_call=max_frames_per_call,
            max_side=max_side,
            max_tokens=max_tokens,
            tools=tools,  # type: ignore[arg-type]
            timeout=timeout,
            retries=retries,
            cache=False if no_cache else (cache or True),
            progress=progress,
            **options,
        )
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
        return
    typer.echo(result.answer or "(the model gave no answer)")
    looked = ", ".join(time_label(t) for _, t in result.frames)
    typer.echo(
        f"\nlooked at {len(result.frames)} frame(s) ({result.spent} of {result.budget} budget, {result.turns} turn(s), "
        f"{result.mode}): {looked}",
        err=False,
    )
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

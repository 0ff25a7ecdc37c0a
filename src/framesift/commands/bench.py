"""``framesift bench make-needles | grounding | qa``: the evaluation harness on the command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from ..errors import InputError
from ._shared import CliProgress, bench_app, err, parse_ocr

_KIND_HELP = "Dataset format: needles, nextgqa, charades-sta, qvhighlights, lvbench, videomme, longvideobench, mlvu (default: detect)."


def _ints(text: str, what: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise InputError(f"{what} expects comma-separated whole numbers (got '{text}')") from exc
    if not vals or min(vals) < 1:
        raise InputError(f"{what} expects whole numbers >= 1 (got '{text}')")
    return vals


@bench_app.command("make-needles")
def make_needles_cmd(
    out: Path = typer.Argument(..., help="Folder to create (must not exist, or be empty).", show_default=False),
    videos: int = typer.Option(3, "--videos", "-n", help="Number of videos."),
    minutes: float = typer.Option(10.0, "--minutes", "-m", help="Length of each video in minutes."),
    seed: int = typer.Option(0, "--seed", help="Seed: same seed, same videos and questions."),
    speech: bool = typer.Option(
        False,
        "--speech",
        help="Spoken facts (espeak-ng speech + filler talk + noise, no subtitles) instead of subtitle facts.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as one JSON object on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Generate a needle-in-a-video-haystack dataset (real footage, on-screen text, subtitle facts, flashes)."""
    from ..bench.datasets import load_dataset
    from ..bench.needles import make_needles

    with CliProgress(enabled=not quiet) as progress:
        make_needles(out, videos=videos, minutes=minutes, seed=seed, progress=progress, speech=speech)
    items = load_dataset(out, kind="needles")
    summary = {
        "dataset": str(out / "needles.json"),
        "videos": videos,
        "minutes": minutes,
        "questions": len(items),
        "kinds": {k: sum(1 for i in items if i.meta["kind"] == k) for k in ("text", "subtitle", "flash", "speech")},
    }
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    elif not quiet:
        typer.echo(f"wrote {summary['questions']} questions on {videos} videos to {out}")


@bench_app.command("grounding")
def grounding_cmd(
    dataset: Path = typer.Argument(..., help="Annotation file or dataset folder.", show_default=False),
    strategies: str = typer.Option(
        "auto,tass,mmr,topk", "--strategies", "-s", help="Comma-separated strategies (uniform is always added)."
    ),
    budgets: str = typer.Option("8,16,32", "--budgets", "-b", help="Comma-separated frame budgets."),
    kind: str | None = typer.Option(None, "--kind", help=_KIND_HELP),
    videos: Path | None = typer.Option(None, "--videos", help="Folder holding the dataset's videos."),
    out: Path = typer.Option(Path("grounding-report"), "--out", "-o", help="Report folder (md, csv, png)."),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N questions."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames."),
    as_json: bool = typer.Option(False, "--json", help="Print the table rows as one JSON object on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar or table."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Evidence-span recall and coverage per strategy and budget, against uniform, with cost per stage."""
    from ..bench.datasets import load_dataset
    from ..bench.grounding import run_grounding, write_grounding_report

    names = [s.strip() for s in strategies.split(",") if s.strip()]
    if not names:
        raise InputError("--strategies expects at least one strategy name")
    bud = _ints(budgets, "--budgets")
    items = load_dataset(dataset, kind=kind, videos=videos, limit=limit)
    with CliProgress(enabled=not quiet) as progress:
        result = run_grounding(items, names, bud, fps=fps, ocr=parse_ocr(ocr), progress=progress)
    write_grounding_report(result, out)
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "rows": result.rows,
                    "analyze_seconds": result.analyze_seconds,
                    "videos": result.videos,
                    "questions": result.questions,
                    "skipped": result.skipped,
                    "report": str(out),
                }
            )
            + "\n"
        )
    elif not quiet:
        typer.echo(result.markdown(), nl=False)
        typer.echo(f"wrote {out}/grounding.md, grounding.csv, grounding_items.csv, grounding.png")


@bench_app.command("qa")
def qa_cmd(
    dataset: Path = typer.Argument(..., help="Annotation file or dataset folder.", show_default=False),
    vlm_url: str = typer.Option(..., "--vlm-url", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1."),
    model: str = typer.Option(..., "--model", help="Model name sent in each request."),
    strategy: str = typer.Option("auto", "--strategy", "-s", help="Selection strategy."),
    budget: int = typer.Option(8, "--budget", "-b", help="Frames per question."),
    kind: str | None = typer.Option(None, "--kind", help=_KIND_HELP),
    videos: Path | None = typer.Option(None, "--videos", help="Folder holding the dataset's videos."),
    results: Path = typer.Option(
        Path("qa-results.jsonl"), "--results", "-o", help="Results JSONL; a rerun continues it."
    ),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N questions."),
    max_side: int = typer.Option(768, "--max-side", help="Longest image side sent, in pixels."),
    detail: str = typer.Option("auto", "--detail", help="OpenAI image detail: auto, low, high."),
    max_tokens: int = typer.Option(16, "--max-tokens", help="Tokens the model may answer with."),
    retries: int = typer.Option(4, "--retries", help="Retries per request (exponential backoff)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per request."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar or summary."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Multiple-choice accuracy through an OpenAI-compatible endpoint (API key from $OPENAI_API_KEY)."""
    from ..bench.datasets import load_dataset
    from ..bench.qa import run_qa

    if budget < 1:
        raise InputError(f"--budget must be at least 1 (got {budget})")
    items = load_dataset(dataset, kind=kind, videos=videos, limit=limit)
    with CliProgress(enabled=not quiet) as progress:
        res = run_qa(
            items,
            url=vlm_url,
            model=model,
            results=results,
            strategy=strategy,
            budget=budget,
            max_side=max_side,
            detail=detail,
            max_tokens=max_tokens,
            api_key=os.environ.get("OPENAI_API_KEY"),
            timeout=timeout,
            retries=retries,
            fps=fps,
            ocr=parse_ocr(ocr),
            progress=progress,
        )
    if as_json:
        sys.stdout.write(json.dumps(res.to_dict()) + "\n")
    elif not quiet:
        typer.echo(
            f"accuracy {res.accuracy:.3f} ({res.correct}/{res.total}; {res.unparsed} unparsed; "
            f"{res.asked_now} asked now, {res.resumed} from earlier runs) -> {res.results_path}"
        )
        for g, (c, t) in sorted(res.by_group.items()):
            err.print(f"  {g}: {c}/{t}", highlight=False)

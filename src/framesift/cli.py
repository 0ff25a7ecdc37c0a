"""Command line: a thin layer over :mod:`framesift.api`.

Contract: with ``--json`` stdout carries exactly one JSON object (the manifest) and nothing else;
progress and logs go to stderr, and progress bars only appear when stderr is a terminal.
Exit codes: 0 success, 2 bad input or usage (one line on stderr, no traceback; ``--debug``
shows it), 1 internal error.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from . import __version__
from .errors import FramesiftError, InputError

try:
    from typer._click.exceptions import ClickException as _TyperClickException

    _CLICK_ERRORS: tuple = (_TyperClickException,)
except ImportError:  # older typer uses click itself
    _CLICK_ERRORS = ()

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Pick the frames of a video that answer a question, under a frame budget.",
)
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks and evaluation (separate from the tests).")
app.add_typer(bench_app, name="bench")
err = Console(stderr=True)

_STAGE_LABEL = {"decode": "decoding candidates", "ocr": "reading on-screen text", "embed": "embedding candidates"}


class _Progress:
    """Rich progress bars per stage on stderr; silent when stderr is not a terminal or --quiet."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not self.enabled,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(_STAGE_LABEL.get(stage, stage), total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def _parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--param expects name=value (got '{item}')")
        k, v = item.split("=", 1)
        params[k.strip()] = v.strip()
    return params


def _parse_ocr(value: str) -> bool | int | str:
    v = value.strip().lower()
    if v in ("auto", "on", "yes"):
        return "auto"
    if v in ("off", "no", "0", "false"):
        return False
    try:
        n = int(v)
    except ValueError as exc:
        raise InputError(f"--ocr expects auto, off or a number of frames (got '{value}')") from exc
    if n < 0:
        raise InputError(f"--ocr must not be negative (got {n})")
    return n


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
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars or summary."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Choose the frames a model should see to answer QUERY about VIDEO."""
    from .api import select

    if budget is not None and budget < 1:
        raise InputError(f"--budget must be at least 1 (got {budget})")
    if budget_tokens is not None and budget_tokens < 1:
        raise InputError(f"--budget-tokens must be at least 1 (got {budget_tokens})")
    from .scoring.coarse_to_fine import parse_embed_budget

    embed_spec = parse_embed_budget(embed_budget)
    if fmt is not None:
        from .export.formats import check_format

        fmt = check_format(fmt)
        if as_json:
            raise InputError("--json and --format both print on stdout; choose one")
    with _Progress(enabled=not quiet) as progress:
        sel = select(
            video,
            query,
            budget,
            strategy=strategy,
            params=_parse_params(param),
            subtitles=subtitles,
            budget_tokens=budget_tokens,
            model_family=model_family,
            fps=fps,
            events=events,
            ocr=_parse_ocr(ocr),
            seed=seed,
            fetch=out is not None or fmt is not None,
            progress=progress,
            model=model,
            expand=expand,
            rewrite_url=rewrite_url,
            rewrite_model=rewrite_model,
            cache=False if no_cache else (cache or True),
            embed_budget=embed_spec,
        )
    model_input = None
    if fmt is not None:
        from .export.formats import render_format

        model_input = render_format(sel, fmt, query)
    if out is not None:
        sel.save(out)
        if model_input is not None:
            from .export.formats import write_json

            write_json(Path(out) / f"{fmt}.json", model_input)
    if as_json:
        sys.stdout.write(json.dumps(sel.to_manifest(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if model_input is not None:
        sys.stdout.write(json.dumps(model_input, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if not quiet:
        _summary(sel, out, to_stdout=not as_json and fmt is None)


def _summary(sel, out: Path | None, to_stdout: bool) -> None:
    from .export.files import format_time

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


@app.command("strategies")
def strategies_cmd() -> None:
    """List the selection strategies."""
    from .selectors import list_strategies

    for s in list_strategies():
        params = ", ".join(f"{k}={v}" for k, v in s.params.items())
        line = f"{s.name:10s} {s.summary}"
        if params:
            line += f"  [{params}]"
        typer.echo(line)


@app.command("version")
def version_cmd() -> None:
    """Print the version."""
    typer.echo(__version__)


# Commands in their own modules (framesift/commands/*) register themselves on `app` / `bench_app`.
from . import commands  # noqa: E402,F401


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit codes (see module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="framesift", standalone_mode=False)
        return 0
    except FramesiftError as exc:
        if debug:
            traceback.print_exc()
        err.print(f"framesift: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except _CLICK_ERRORS as exc:  # typer >= 0.2x vendors its own click: same shape, other classes
        if not exc.format_message():  # NoArgsIsHelpError: the help was printed
            return 0
        if debug:
            traceback.print_exc()
        err.print(f"framesift: error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except click.exceptions.Abort:
        err.print("framesift: aborted", highlight=False)
        return 130
    except click.ClickException as exc:
        if debug:
            traceback.print_exc()
        err.print(f"framesift: error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("framesift: interrupted", highlight=False)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit code 1
        if debug:
            traceback.print_exc()
        err.print(
            f"framesift: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    # `python -m framesift.cli` runs this file as __main__, but command modules register on the
    # imported `framesift.cli` (a second module object): hand over to that one.
    from framesift.cli import main as _main

    sys.exit(_main())

"""What every CLI command shares: the command groups, the stderr console, progress and option parsers.

Command modules import from here, never from :mod:`framesift.cli` (which only runs the app and
maps errors to exit codes), so the CLI has no import cycle: ``cli`` -> ``commands`` ->
``commands._shared``. PySceneDetect keeps its CLI context in ``scenedetect/_cli`` for the same
reason. Nothing here imports numpy, PyAV or torch: ``framesift --help`` stays fast, and each
command imports the library modules it needs in its body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from ..errors import InputError

__all__ = [
    "CliProgress",
    "FLAGS",
    "app",
    "bench_app",
    "cli_message",
    "err",
    "flag_for",
    "parse_ocr",
    "parse_params",
]

# rich_markup_mode=None: plain click help. Typer's rich help imports rich.markdown and
# markdown-it (~0.1 s of the ~0.3 s ``framesift --help``, issue 17's lean start); the help
# text itself is the same.
app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Pick the frames of a video that answer a question, under a frame budget.",
)
bench_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Benchmarks and evaluation (separate from the tests)."
)
app.add_typer(bench_app, name="bench")

#: Logs, progress and errors go here; stdout carries only results (``--json``: one object).
# emoji=False: user text (subtitles, OCR) is printed as is (":x:" stays ":x:"), and rich's
# emoji table (~0.1-0.3 s to import) stays off every command's path.
err = Console(stderr=True, emoji=False)


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------

_STAGE_LABEL = {
    "transcribe": "transcribing speech",
    "audio": "decoding audio",
    "decode": "decoding candidates",
    "ocr": "reading on-screen text",
    "embed": "embedding candidates",
}


class CliProgress:
    """Rich progress bars on stderr, one per stage; silent when stderr is not a terminal or ``--quiet``.

    Called as a :data:`~framesift.progress.ProgressFn` (``progress(stage, done, total)``). With
    ``total`` (a number of items, e.g. videos) it also shows an overall bar over the items:
    :meth:`start` names the current item and clears its stage bars, :meth:`advance` counts it done.
    """

    def __init__(self, enabled: bool, total: int | None = None, *, unit: str = "videos") -> None:
        self.enabled = enabled and err.is_terminal
        columns: list[str | ProgressColumn] = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
        if total is not None:
            columns.append(MofNCompleteColumn())
        columns.append(TimeRemainingColumn())
        self.bar = Progress(*columns, console=err, transient=True, disable=not self.enabled)
        self.unit = unit
        self.overall = self.bar.add_task(unit, total=total) if total is not None else None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> CliProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage not in self.tasks:
            label = _STAGE_LABEL.get(stage, stage)
            # Under an overall bar, a stage belongs to the current item: indent it.
            self.tasks[stage] = self.bar.add_task(label if self.overall is None else f"  {label}", total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def start(self, name: str) -> None:
        """A new item begins: drop the previous item's stage bars and name this one."""
        for task in self.tasks.values():
            self.bar.remove_task(task)
        self.tasks.clear()
        if self.overall is not None:
            self.bar.update(self.overall, description=f"{self.unit} (now: {name})")

    def advance(self) -> None:
        """One item done."""
        if self.overall is not None:
            self.bar.advance(self.overall)


# --------------------------------------------------------------------------------------------
# Option parsers
# --------------------------------------------------------------------------------------------


def parse_params(items: list[str]) -> dict[str, str]:
    """``--param name=value`` (repeatable) -> ``{name: value}``; the strategy coerces the values."""
    params = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--param expects name=value (got '{item}')")
        k, v = item.split("=", 1)
        params[k.strip()] = v.strip()
    return params


def parse_ocr(value: str) -> bool | int | Literal["auto"]:
    """``--ocr``: ``auto`` (also on/yes), ``off`` (also no/0/false) or a number of frames to read."""
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


# --------------------------------------------------------------------------------------------
# Library errors in CLI words
# --------------------------------------------------------------------------------------------

#: Python parameter (``InputError.param``) -> the CLI flag that sets it, where the flag is not
#: simply ``--`` + the name with dashes.
FLAGS: dict[str, str] = {
    "budget": "--budget",
    "budget_tokens": "--budget-tokens",
    "crops": "--crops",
    "embed_budget": "--embed-budget",
    "fmt": "--format",
    "format": "--format",
    "fps": "--fps",
    "model": "--model",
    "model_family": "--model-family",
    "layout": "--layout",
    "ocr": "--ocr",
    "params": "--param",
    "plan": "--plan",
    "query": "--query",
    "rewrite_model": "--rewrite-model",
    "rewrite_url": "--rewrite-url",
    "seed": "--seed",
    "strategy": "--strategy",
    "subtitles": "--subtitles",
    "top": "--top",
}


def flag_for(param: str, flags: Mapping[str, str] | None = None) -> str:
    """The CLI flag that sets Python parameter ``param`` (``flags`` overrides :data:`FLAGS`)."""
    table = FLAGS if flags is None else {**FLAGS, **flags}
    return table.get(param, "--" + param.replace("_", "-"))


def cli_message(exc: BaseException, flags: Mapping[str, str] | None = None) -> str:
    """The one line the CLI prints for ``exc``: a library :class:`InputError` that names its
    Python parameter (``param``) is reworded to name the flag instead
    (``embed_budget must be >= 0`` -> ``--embed-budget must be >= 0``)."""
    text = str(exc)
    param = getattr(exc, "param", None)
    if not isinstance(exc, InputError) or not param:
        return text
    flag = flag_for(param, flags)
    # The parameter as a word of its own, not inside a path or a longer name.
    named = re.compile(rf"(?<![\w/.-]){re.escape(param)}(?![\w/.-])")
    if named.search(text):
        return named.sub(flag, text, count=1)
    return f"{flag}: {text}"

"""``framesift strategies`` and ``framesift version``: what this install offers."""

from __future__ import annotations

import typer

from .._version import __version__
from ._shared import app


@app.command("strategies")
def strategies_cmd() -> None:
    """List the selection strategies."""
    from ..selectors import list_strategies

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

"""``framesift mcp``: the MCP server (stdio by default, streamable HTTP with ``--http HOST:PORT``)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import typer

from ..errors import InputError
from ._shared import app, err, parse_ocr

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value: str) -> int:
    """``"16G"``, ``"500M"``, ``"2048"`` -> bytes (binary units)."""
    m = _SIZE.match(value)
    if not m:
        raise InputError(f"--max-file-size expects a size like 16G, 500M or a number of bytes (got '{value}')")
    return int(float(m.group(1)) * 1024 ** "bkmgt".index((m.group(2) or "b").lower()))


def parse_host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--http expects HOST:PORT, e.g. 127.0.0.1:8765 (got '{value}')")
    return host.strip("[]"), int(port)


@app.command("mcp")
def mcp_cmd(
    roots: list[Path] = typer.Option(
        None, "--root", help="A directory the server may read videos from (repeatable; default: the current one)."
    ),
    http: str | None = typer.Option(
        None, "--http", help="Serve streamable HTTP on HOST:PORT (endpoint /mcp) instead of stdio.", show_default=False
    ),
    budget: int = typer.Option(
        64, "--budget", "-b", help="Frames one session may see of one video, all calls together."
    ),
    max_frames: int = typer.Option(32, "--max-frames", help="Most frames one tool call returns (at most 32)."),
    max_file_size: str = typer.Option("16G", "--max-file-size", help="Refuse video files larger than this."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds a tool call may take before it is abandoned."),
    max_side: int = typer.Option(768, "--max-side", help="Default longest side of returned images (pixels)."),
    fps: float = typer.Option(1.0, "--fps", help="Candidate sampling rate of the analysis."),
    events: bool = typer.Option(True, "--events/--no-events", help="Scan every frame for momentary events."),
    ocr: str = typer.Option("auto", "--ocr", help="On-screen text: auto, off, or a number of frames to read."),
    model: str | None = typer.Option(
        None,
        "--model",
        help="Vision-language model for the visual channel (see `framesift models`).",
        show_default=False,
    ),
    cache: Path | None = typer.Option(
        None, "--cache", help="Index directory (default: $FRAMESIFT_CACHE or the user cache dir)."
    ),
    debug: bool | None = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Serve framesift's tools to MCP clients (Claude Desktop, agents): frames with true times, on a budget."""
    if importlib.util.find_spec("mcp") is None:
        raise InputError("the MCP server needs the official MCP SDK: pip install 'framesift[mcp]'")
    from ..serve.mcp import FrameTools, ServerLimits, build_server

    ocr_value = parse_ocr(ocr)
    if not (fps > 0):
        raise InputError(f"--fps must be > 0 (got {fps})")
    if max_side < 16:
        raise InputError(f"--max-side must be at least 16 (got {max_side})")
    resolved = tuple(Path(r).expanduser().resolve() for r in (roots or [Path.cwd()]))
    limits = ServerLimits(
        roots=resolved,
        max_bytes=parse_size(max_file_size),
        max_frames=max_frames,
        budget=budget,
        timeout_s=timeout,
        max_side=max_side,
    )
    options: dict[str, Any] = {"fps": fps, "events": events, "ocr": ocr_value}
    if model is not None:
        options["model"] = model
    tools = FrameTools(limits, cache=cache if cache is not None else True, analysis_options=options)
    server = build_server(tools)
    roots_text = ", ".join(str(r) for r in resolved)
    if http is None:
        err.print(f"framesift mcp: stdio; reading videos under {roots_text}", highlight=False)
        server.run("stdio")
    else:
        host, port = parse_host_port(http)
        err.print(f"framesift mcp: http://{host}:{port}/mcp; reading videos under {roots_text}", highlight=False)
        server.run("streamable-http", host=host, port=port)

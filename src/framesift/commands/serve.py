"""``framesift serve``: the HTTP service with warm models (:mod:`framesift.serve.app`, extra ``serve``)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import typer

from ..errors import InputError
from ._shared import app, err


@app.command("serve")
def serve_cmd(
    root: list[Path] = typer.Option(
        [], "--root", help="A directory requests may read videos from (repeatable; default: the current directory)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port (0: any free port, printed on stderr)."),
    token_env: str = typer.Option(
        "FRAMESIFT_TOKEN",
        "--token-env",
        help="Environment variable holding the bearer token; unset or empty: no token needed.",
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Vision-language model for the visual channel, loaded once at start."
    ),
    cache: Path | None = typer.Option(
        None, "--cache", help="Index directory (default: $FRAMESIFT_CACHE or the user cache dir)."
    ),
    workers: int = typer.Option(4, "--workers", help="Threads answering questions on analysed videos."),
    index_workers: int = typer.Option(
        1, "--index-workers", help="Threads decoding new videos and running /index jobs."
    ),
    max_queue: int = typer.Option(32, "--max-queue", help="Requests waiting or running at once; more get 503."),
    max_upload_mb: float = typer.Option(512.0, "--max-upload-mb", help="Largest accepted upload."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds a request may wait for its answer (then 504)."),
    no_warm: bool = typer.Option(False, "--no-warm", help="Load MiniLM / OCR on first use instead of at start."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Serve select / frames / search / index / report over HTTP, with the models loaded once."""
    try:
        import uvicorn

        from ..serve.app import create_app
        from ..serve.config import ServeConfig
        from ..serve.state import ServiceState
    except ImportError as exc:
        raise InputError(f"framesift serve needs the 'serve' extra: pip install 'framesift[serve]' ({exc})") from None
    roots = root or [Path.cwd()]
    for r in roots:
        if not r.is_dir():
            raise InputError(f"--root {r}: not a directory")
    for name, value in (("--workers", workers), ("--index-workers", index_workers), ("--max-queue", max_queue)):
        if value < 1:
            raise InputError(f"{name} must be at least 1 (got {value})")
    if not (timeout > 0 and max_upload_mb > 0):
        raise InputError("--timeout and --max-upload-mb must be > 0")
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 0 and 65535 (got {port})")
    token = os.environ.get(token_env) or None
    config = ServeConfig(
        roots=tuple(roots),
        token=token,
        cache=cache,
        model=model,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        timeout_s=timeout,
        workers=workers,
        index_workers=index_workers,
        max_queue=max_queue,
        warm=not no_warm,
    )
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    import socket

    state = ServiceState(config)
    state.warm_up()  # models load before the port opens: the first request finds them warm
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue in the backlog from now on, even before uvicorn runs
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    bound = sock.getsockname()[1]
    err.print(
        f"framesift serve: listening on http://{host}:{bound} (roots: {', '.join(str(r) for r in config.roots)}; "
        f"token {'required' if token else 'not required'}; models loaded in {state.models.get('load_seconds')} s)",
        highlight=False,
        markup=False,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(config, state), log_level="warning", timeout_graceful_shutdown=5))
    server.run(sockets=[sock])

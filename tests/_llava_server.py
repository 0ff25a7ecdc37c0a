"""A real `transformers serve` of the tiny random LLaVA on a loopback port (shared by test files)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from _tiny_vlm import build_tiny_llava


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def tiny_llava_server(folder: Path) -> Iterator[tuple[str, str]]:
    """Start `transformers serve` on the tiny LLaVA built in ``folder``; yields ``(base_url, model)``.

    Skips the test when the serving extras are missing; fails it when the server exits or does not
    answer within 120 s.
    """
    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None:
        pytest.skip(
            "transformers serve needs its serving extras (fastapi, uvicorn, openai): pip install 'transformers[serving]'"
        )
    model = build_tiny_llava(folder / "model")
    port = free_port()
    log = open(folder / "serve.log", "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("transformers")), "serve", str(model), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited with {proc.returncode}; see {log.name}")
            try:
                urllib.request.urlopen(url + "/models", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("transformers serve did not start within 120 s")
        yield url, str(model)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()

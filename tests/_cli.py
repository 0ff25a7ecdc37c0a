"""Run the real CLI in a subprocess, the way a user's shell does (one helper for every test file)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m framesift.cli ARGS``: 80 columns, no colour, no warnings, the hub offline."""
    env = dict(os.environ, COLUMNS="80", PYTHONWARNINGS="ignore", HF_HUB_OFFLINE="1")
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "framesift.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )

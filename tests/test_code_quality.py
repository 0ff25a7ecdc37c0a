"""The habits that keep the code base in shape run with the tests: ruff (lint and format),
import-linter (layers, no cycles) and mypy (the public API fully typed).

Each check is one subprocess over the whole repository, so it costs one tool run, not one per
file. A failure shows the tool's own report. Deselect with ``-m "not quality"`` while iterating.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.quality


def _tool(name: str) -> str:
    """The console script of ``name`` from this interpreter's environment (else from PATH)."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; it is in the test extra: pip install -e '.[test]'")
    return found


def _run(*cmd: str) -> None:
    # The checked-out sources, not an installed copy, are what import-linter and mypy must see.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"`{Path(cmd[0]).name} {' '.join(cmd[1:])}` failed:\n{proc.stdout}{proc.stderr}")


def test_ruff_check() -> None:
    _run(_tool("ruff"), "check", ".")


def test_ruff_format() -> None:
    _run(_tool("ruff"), "format", "--check", ".")


def test_import_contracts() -> None:
    # Contracts live in pyproject.toml [tool.importlinter]: layers with records at the bottom, no cycles.
    _run(_tool("lint-imports"), "--no-cache")


def test_mypy() -> None:
    # Settings (files, strictness of the public API modules) live in pyproject.toml [tool.mypy].
    _run(_tool("mypy"))

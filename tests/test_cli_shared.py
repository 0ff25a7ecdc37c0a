"""CLI plumbing (framesift.commands._shared and framesift.cli): library errors reworded with the
flag that sets the parameter, and a ``--help`` that imports none of the pipeline's heavy modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from framesift.commands._shared import cli_message, flag_for
from framesift.errors import InputError, VideoError


def test_library_parameter_becomes_the_flag():
    exc = InputError("embed_budget must be >= 0 (got -3)", param="embed_budget")
    assert cli_message(exc) == "--embed-budget must be >= 0 (got -3)"
    # the Python name differs from the flag: the table knows
    assert flag_for("params") == "--param" and flag_for("fmt") == "--format"
    # a parameter the table does not list: dashes for underscores
    assert flag_for("older_than") == "--older-than"
    # only the parameter's own name is replaced, once, not a longer word that contains it
    exc = InputError("budget_tokens is below what one frame of budget costs", param="budget")
    assert cli_message(exc) == "budget_tokens is below what one frame of --budget costs"
    assert cli_message(InputError("budget must be at least 1 (got 0)", param="budget")) == (
        "--budget must be at least 1 (got 0)"
    )
    # a message that does not name the parameter gets the flag in front
    assert cli_message(InputError("not a number", param="fps")) == "--fps: not a number"
    # errors without a parameter (a file, a video) are printed as they are
    assert cli_message(VideoError("clip.mp4: no video stream")) == "clip.mp4: no video stream"


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from framesift.cli import main\n"
        "rc = main(['--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'av', 'cv2', 'PIL', 'torch', 'duckdb', 'pyarrow', 'onnxruntime', 'transformers',"
        " 'markdown_it', 'pydantic', 'click'})\n"
        # typer's rich help pulls in rich.markdown (a third of --help's time): plain help instead
        "heavy += sorted(m for m in ('rich.markdown', 'typer.rich_utils') if m in sys.modules)\n"
        "print(__import__('json').dumps({'rc': rc, 'heavy': heavy}), file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert "select" in run.stdout  # the help was printed
    report = json.loads(run.stderr.strip().splitlines()[-1])
    assert report == {"rc": 0, "heavy": []}

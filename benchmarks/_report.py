"""Write a benchmark's report to benchmarks/results/ with the command, date and machine."""

from __future__ import annotations

import platform
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(filename: str, title: str, command: str, report: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / filename
    path.write_text(
        f"# {title}\n\nCommand: `{command}`  \nDate: {date.today()}  \n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, 2 cores\n\n{report}\n"
    )
    return path

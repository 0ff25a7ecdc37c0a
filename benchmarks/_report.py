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


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` of its own address space.

    Not ``ru_maxrss``: Linux keeps that across ``execve``, so a child started by a parent that
    already held 1.4 GB reports at least 1.4 GB, whatever it used itself (bench_speech.py's
    parent holds the speech model and decoded tracks when it starts each analysis)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def publish(filename: str, title: str, report: str) -> Path:
    """Print ``report`` and write it (:func:`write_result`) with the command that ran this script."""
    import sys

    print(report)
    command = "python benchmarks/" + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    return write_result(filename, title, command, report)

"""How fast ``framesift --help`` starts, against the interpreter and typer floors (issue 17).

In one run, interleaved round by round (so load drifts hit every row alike), each a new process:

* ``python -c pass``: the interpreter alone;
* ``python -c "import typer"``: the CLI library alone, the floor of any typer CLI;
* ``framesift --help`` through the installed console script, as a user types it;
* the same help with typer's rich formatting switched back on (what ``--help`` cost before
  ``rich_markup_mode=None``: rich_utils imports rich.markdown and markdown-it);
* ``framesift select --help`` (a command's help: typer builds every parameter).

    python benchmarks/bench_help.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_RICH_HELP = (
    "import sys\n"
    "from framesift.commands import _shared\n"
    "_shared.app.rich_markup_mode = 'rich'\n"
    "_shared.bench_app.rich_markup_mode = 'rich'\n"
    "from framesift.cli import main\n"
    "sys.exit(main(['--help']))\n"
)


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> int:
    from _report import write_result

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    exe = shutil.which("framesift") or str(Path(sys.executable).with_name("framesift"))
    rows = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "framesift --help (plain help, now)": [exe, "--help"],
        "framesift --help with typer's rich help (before)": [sys.executable, "-c", _RICH_HELP],
        "framesift select --help": [exe, "select", "--help"],
    }
    for cmd in rows.values():  # warm the page cache and the bytecode caches once
        _wall(cmd)
    load0 = os.getloadavg()
    times: dict[str, list[float]] = {k: [] for k in rows}
    for _ in range(args.rounds):
        for name, cmd in rows.items():
            times[name].append(_wall(cmd))
    load1 = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    now, before = med["framesift --help (plain help, now)"], med["framesift --help with typer's rich help (before)"]
    lines = [
        f"rounds: {args.rounds} (interleaved); load average {load0[0]:.2f} -> {load1[0]:.2f} (2 cores)",
        "",
        "| process | median s | min s | vs `import typer` |",
        "|---|---|---|---|",
    ]
    floor = med["python -c 'import typer'"]
    for name, v in times.items():
        lines.append(f"| {name} | {med[name]:.3f} | {min(v):.3f} | {med[name] / floor:.2f}x |")
    lines += ["", f"plain help vs rich help: **{before / now:.2f}x** faster ({now:.3f} s vs {before:.3f} s)"]
    report = "\n".join(lines)
    print(report)
    write_result(
        "help.md", "framesift --help start time", f"python benchmarks/bench_help.py --rounds {args.rounds}", report
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

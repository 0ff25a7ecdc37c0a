"""``framesift bench simulate``: rank every strategy on simulated long videos with known evidence
(see :mod:`framesift.bench.simulate`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer

from .._atomic import write_text_atomic
from ..errors import InputError
from ._shared import CliProgress, bench_app, err


def _parse_list(value: str, what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise InputError(f"--{what} needs at least one value")
    return items


@bench_app.command("simulate")
def simulate_cmd(
    per_family: int = typer.Option(40, "--per-family", "-n", help="Simulated questions per family."),
    budgets: str = typer.Option("8,16,32,64", "--budgets", help="Frame budgets, comma-separated."),
    strategies: str | None = typer.Option(
        None, "--strategies", "-s", help="Strategies, comma-separated (default: every registered one)."
    ),
    families: str | None = typer.Option(None, "--families", help="Question families (default: all five)."),
    out: Path = typer.Option(
        Path("simulate-results"), "--out", "-o", help="Directory for simulate.md, simulate.csv and simulate.png."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulated videos and the strategies."),
    noise: float = typer.Option(
        1.0, "--noise", help="Scale of the relevance noise (1 = CLIP-like, 2 = twice as noisy)."
    ),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip the PNG (needs matplotlib)."),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as one JSON object on stdout."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar or table."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Rank the strategies on simulated long videos with ground-truth evidence spans."""
    from ..bench import simulate as sim
    from ..selectors import get_strategy, list_strategies

    if per_family < 1:
        raise InputError(f"--per-family must be at least 1 (got {per_family})")
    try:
        budget_list = sorted({int(b) for b in _parse_list(budgets, "budgets")})
    except ValueError as exc:
        raise InputError(f"--budgets expects integers like 8,16,32 (got '{budgets}')") from exc
    if not (0.0 <= noise <= 100.0):
        raise InputError(f"--noise must be between 0 and 100 (got {noise})")
    if budget_list[0] < 1:
        raise InputError(f"--budgets must be at least 1 (got {budget_list[0]})")
    names = [s.name for s in list_strategies()] if strategies is None else _parse_list(strategies, "strategies")
    for name in names:
        get_strategy(name)  # unknown names: one clear line listing the choices
    fams = list(sim.FAMILIES) if families is None else _parse_list(families, "families")
    bad = [f for f in fams if f not in sim.FAMILIES]
    if bad:
        raise InputError(f"unknown family '{bad[0]}' (choose from: {', '.join(sim.FAMILIES)})")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    plt_ok = True
    if not no_plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            err.print("[yellow]note:[/] matplotlib is not installed (pip install 'framesift[bench]'): no PNG")
            plt_ok = False

    t0 = time.perf_counter()
    videos = sim.make_suite(per_family, seed=seed, families=fams, noise=noise)
    with CliProgress(enabled=not quiet) as progress:
        rows = sim.simulate(videos, names, budget_list, seed=seed, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    report = sim.markdown_report(rows, budget_list, len(videos), per_family, noise=noise)
    write_text_atomic(out / "simulate.md", report)
    sim.write_csv(rows, out / "simulate.csv")
    if plt_ok and not no_plot:
        sim.plot(rows, budget_list, out / "simulate.png")
    wall = time.perf_counter() - t0
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "questions": len(videos),
                    "per_family": per_family,
                    "families": fams,
                    "budgets": budget_list,
                    "seed": seed,
                    "noise": noise,
                    "out": str(out),
                    "seconds": round(wall, 2),
                    "strategies": sim.summarise(rows),
                }
            )
            + "\n"
        )
        sys.stdout.flush()
    elif not quiet:
        typer.echo(report)
    if not quiet:
        err.print(
            f"wrote {out}/simulate.md, simulate.csv"
            + (", simulate.png" if plt_ok and not no_plot else "")
            + f" in {wall:.0f}s",
            highlight=False,
        )

"""Evidence-span recall of frame selections: do the chosen frames land where the answer is?

For each question with ground-truth evidence spans (NExT-GQA, Charades-STA, QVHighlights,
LVBench's time references, framesift's needles), every strategy picks ``budget`` frames and is
scored against the spans:

* **recall**: 1 when at least one selected frame lies inside an evidence span (closed
  interval), else 0 -- the frame-selection analogue of a grounding hit;
* **coverage**: the fraction of the question's spans that hold at least one selected frame
  (differs from recall only for multi-span questions);
* **in-evidence**: the fraction of selected frames inside a span (how much budget went to
  evidence);
* **reachable**: whether any *candidate* lies inside a span -- the ceiling for every strategy at
  this candidate rate.

Cost is kept per stage, the way a user pays it: the query-free analysis (probe, decode,
features, OCR) once per video, then ``select_from`` (text scoring + selection) per question,
strategy and budget. ``uniform`` is always run as the baseline.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_dir
from ..api import analyze, select_from
from ..errors import InputError
from ..selectors import get_strategy
from .items import BenchItem

__all__ = ["GroundingResult", "span_metrics", "run_grounding", "write_grounding_report"]

BASELINE = "uniform"


def span_metrics(times: Iterable[float], spans: Sequence[tuple[float, float]]) -> dict[str, float]:
    """``recall``, ``coverage`` and ``in_evidence`` of frame ``times`` against evidence ``spans``."""
    t = np.asarray(list(times), dtype=np.float64)
    if not spans:
        raise ValueError("span_metrics needs at least one span")
    inside = np.zeros((len(spans), len(t)), dtype=bool)
    for k, (s, e) in enumerate(spans):
        inside[k] = (t >= s) & (t <= e)
    return {
        "recall": float(inside.any()),
        "coverage": float(inside.any(axis=1).mean()),
        "in_evidence": float(inside.any(axis=0).mean()) if len(t) else 0.0,
    }


@dataclass
class GroundingResult:
    """Per-(strategy, budget) means, per-item rows and the cost of each stage."""

    rows: list[dict[str, Any]]
    items: list[dict[str, Any]]
    analyze_seconds: dict[str, float]
    videos: int
    questions: int
    skipped: dict[str, int] = field(default_factory=dict)

    def markdown(self) -> str:
        base = {r["budget"]: r["recall"] for r in self.rows if r["strategy"] == BASELINE}
        out = [
            "| strategy | budget | recall | vs uniform | coverage | in-evidence | reachable | select ms/question |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            b = base.get(r["budget"])
            ratio = f"{r['recall'] / b:.2f}x" if b else "n/a"
            out.append(
                f"| {r['strategy']} | {r['budget']} | {r['recall']:.3f} | {ratio} | {r['coverage']:.3f} | "
                f"{r['in_evidence']:.3f} | {r['reachable']:.3f} | {r['select_ms']:.1f} |"
            )
        total = sum(self.analyze_seconds.values())
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(self.analyze_seconds.items(), key=lambda kv: -kv[1]))
        out.append("")
        out.append(
            f"{self.questions} questions on {self.videos} videos; analysis once per video: {total:.1f} s ({stages})."
        )
        if self.skipped:
            out.append("Skipped: " + ", ".join(f"{v} {k}" for k, v in self.skipped.items()) + ".")
        return "\n".join(out) + "\n"

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(self.rows[0]))
        w.writeheader()
        w.writerows(self.rows)
        return buf.getvalue()


def run_grounding(
    items: Sequence[BenchItem],
    strategies: Sequence[str],
    budgets: Sequence[int],
    *,
    fps: float = 1.0,
    ocr: bool | int | str = "auto",
    events: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> GroundingResult:
    """Score every strategy at every budget on the items that have evidence spans."""

    strategies = list(dict.fromkeys([*strategies, BASELINE]))
    for s in strategies:
        get_strategy(s)
    budgets = sorted({int(b) for b in budgets})
    if not budgets or budgets[0] < 1:
        raise InputError("budgets must be whole numbers >= 1", param="budgets")
    skipped: dict[str, int] = defaultdict(int)
    by_video: dict[str, list[BenchItem]] = defaultdict(list)
    for it in items:
        if not it.spans:
            skipped["questions without evidence spans"] += 1
        elif not Path(it.video).is_file():
            skipped["questions whose video is missing"] += 1
        else:
            by_video[it.video].append(it)
    if not by_video:
        detail = "; ".join(f"{v} {k}" for k, v in skipped.items())
        raise InputError(f"no question can be scored ({detail})")
    report = progress or (lambda stage, done, total: None)
    n_q = sum(len(v) for v in by_video.values())
    acc: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    analyze_cost: dict[str, float] = defaultdict(float)
    per_item: list[dict[str, Any]] = []
    done = 0
    report("questions", 0, n_q)
    for video, vitems in by_video.items():
        analysis = analyze(video, subtitles=vitems[0].subtitles, fps=fps, events=events, ocr=ocr)  # type: ignore[arg-type]
        for stage, secs in analysis.timings.items():
            analyze_cost[stage] += secs
        cand_t = analysis.candidates.time
        # The first query on a video embeds its subtitle/OCR texts (and, once per process, loads
        # the text model); later queries reuse both. Pay that here as its own stage, so it does
        # not inflate whichever strategy happens to run first.
        t0 = time.perf_counter()
        select_from(analysis, vitems[0].question, budgets[0], strategy=BASELINE, fetch=False)
        analyze_cost["text_index"] += time.perf_counter() - t0
        for it in vitems:
            reachable = span_metrics(cand_t, it.spans)["recall"]
            for s in strategies:
                for b in budgets:
                    t0 = time.perf_counter()
                    sel = select_from(analysis, it.question, b, strategy=s, fetch=False)
                    dt = time.perf_counter() - t0
                    m = span_metrics(sel.times, it.spans)
                    a = acc[(s, b)]
                    for k, v in m.items():
                        a[k].append(v)
                    a["reachable"].append(reachable)
                    a["select_s"].append(dt)
                    per_item.append(
                        {
                            "id": it.id,
                            "video": video,
                            "strategy": s,
                            "budget": b,
                            **m,
                            "reachable": reachable,
                            "frames": len(sel.frames),
                            "times": " ".join(f"{x:.2f}" for x in sel.times),
                        }
                    )
            done += 1
            report("questions", done, n_q)
    rows = []
    for s in strategies:
        for b in budgets:
            a = acc[(s, b)]
            rows.append(
                {
                    "strategy": s,
                    "budget": b,
                    "questions": len(a["recall"]),
                    "recall": round(float(np.mean(a["recall"])), 4),
                    "coverage": round(float(np.mean(a["coverage"])), 4),
                    "in_evidence": round(float(np.mean(a["in_evidence"])), 4),
                    "reachable": round(float(np.mean(a["reachable"])), 4),
                    "select_ms": round(1000 * float(np.mean(a["select_s"])), 2),
                }
            )
    return GroundingResult(
        rows=rows,
        items=per_item,
        analyze_seconds={k: round(v, 3) for k, v in analyze_cost.items()},
        videos=len(by_video),
        questions=n_q,
        skipped=dict(skipped),
    )


def _plot(result: GroundingResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    by: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in result.rows:
        by[r["strategy"]].append((r["budget"], r["recall"]))
    for s, pts in by.items():
        xs, ys = zip(*sorted(pts))
        ax.plot(
            xs,
            ys,
            marker="o",
            linestyle="--" if s == BASELINE else "-",
            label=s,
            color="grey" if s == BASELINE else None,
        )
    reach = {r["budget"]: r["reachable"] for r in result.rows}
    ax.axhline(max(reach.values()), color="black", linewidth=0.8, linestyle=":", label="reachable (candidates)")
    budgets = sorted(reach)
    ax.set_xscale("log", base=2)
    ax.set_xticks(budgets, [str(b) for b in budgets])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("frame budget")
    ax.set_ylabel("evidence-span recall")
    ax.set_title(f"{result.questions} questions, {result.videos} videos")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_grounding_report(result: GroundingResult, out: str | os.PathLike) -> Path:
    """Write ``grounding.md``, ``grounding.csv``, ``grounding_items.csv`` and ``grounding.png`` to
    ``out`` (a folder, replaced atomically)."""
    out = Path(out)
    with atomic_dir(out) as tmp:
        (tmp / "grounding.md").write_text(result.markdown(), encoding="utf-8")
        (tmp / "grounding.csv").write_text(result.csv(), encoding="utf-8")
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(result.items[0]))
        w.writeheader()
        w.writerows(result.items)
        (tmp / "grounding_items.csv").write_text(buf.getvalue(), encoding="utf-8")
        _plot(result, tmp / "grounding.png")
    return out

"""A controlled problem to rank selection strategies: simulated long videos whose relevance
curves, visual features and ground-truth evidence spans are known.

Published gains of the selection methods differ by model and paper and reproduce poorly
(shared/research/methods.md, section 0.4), so the strategies are also compared on a problem
where the right answer is known. A simulated video is what a selector sees: 1 fps candidate
times, a relevance score per candidate, unit visual features, and event signals; plus the
truth, the evidence spans the answer needs (all of them).

**Visual features with shot structure.** Shot lengths are log-normal around a per-video median
of 3, 6 or 12 s (edited footage to long takes); each shot shows one of 12-40 *scenes*, and
half the cuts return to one of the last two scenes (a conversation cutting back and forth), so
looks recur through the video. A feature is
``sqrt(.55) video + sqrt(.30) scene + sqrt(.10) shot + sqrt(.05) frame`` of random unit
vectors (64-d), so the cosine is about 0.95 within a shot, 0.85 between shots of one scene and
0.55 between scenes: frames of one video share much of their embedding, as CLIP/SigLIP frames do.

**Relevance like a CLIP scorer's.** Scores are raw image-text cosines, not probabilities: CLIP
ViT-B/32 and ViT-L/14 give an image and a matching caption a cosine around 0.3 and unrelated
pairs around 0.15-0.2 (CLIPScore, Hessel et al. 2021, rescales ``2.5 * cos`` because of this
narrow band; BOLT and AKS min-max normalise per video for the same reason). A *question* is a
worse caption than a caption, so the gap between the evidence and the rest of the video is
smaller and the noise matters. The model: a per-video base level ``U(0.17, 0.23)``; a per-shot
offset ``N(0, 0.015)`` (each shot matches the words a little better or worse, and the noise is
correlated within the shot, as CLIP scores of neighbouring frames are); per-frame noise
``N(0, 0.008)``; and evidence frames ``+delta`` with ``delta ~ U(0.03, 0.08)`` (evidence at
0.23-0.31), i.e. a per-frame signal-to-noise ratio of about 2 to 5. These are our assumptions,
anchored on the published cosine ranges above, not a fit to measured CLIP curves (no CLIP
weights can be loaded in the build environment).

**Question families** (``FAMILIES``):

* ``single``: one evidence span of 4-30 s;
* ``multi``: 2-4 spans of 4-20 s the answer needs together, each with its own (often weaker)
  ``delta ~ U(0.02, 0.07)``;
* ``distractors``: one evidence span plus 4-10 recurring distractor spans in the *same scene*
  (same look), scoring ``0.7-1.05 x`` the evidence's ``delta``: the scorer cannot tell them
  apart reliably;
* ``flat``: 1-2 spans the scorer barely sees (``delta ~ U(0, 0.015)``: the answer is in what is
  said, or in a detail CLIP does not capture);
* ``momentary``: 1-2 events of 1-2 s (a flash, a caption that comes and goes),
  ``delta ~ U(0.05, 0.10)``, flagged in the ``events``/``transient`` signals among 10-30 false
  transient alarms (every shot cut is a non-transient event too).

**Metrics** per strategy and budget: span recall (share of evidence spans with at least one
pick inside), all-covered (share of multi-span questions with every span hit), temporal spread
(share of ``budget`` equal time bins holding a pick: 1.0 for uniform), and cost (median ms per
call). Strategies are called through :func:`run_selection` only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .._atomic import write_bytes_atomic
from ..budget import TokenBudget
from ..selectors import run_strategy
from ..selectors.tokens import mixes_resolutions, run_at_tokens

__all__ = [
    "FAMILIES",
    "SimVideo",
    "make_video",
    "make_suite",
    "run_selection",
    "evaluate",
    "Row",
    "simulate",
    "summarise",
    "markdown_report",
    "write_csv",
    "plot",
]

FAMILIES = ("single", "multi", "distractors", "flat", "momentary")
_DIM = 64
_W_VIDEO, _W_SCENE, _W_SHOT, _W_FRAME = math.sqrt(0.55), math.sqrt(0.30), math.sqrt(0.10), math.sqrt(0.05)


@dataclass(frozen=True)
class SimVideo:
    """One simulated question on one video: what a selector sees, and the truth."""

    family: str
    duration: float
    times: np.ndarray  # (N,) seconds, 1 fps
    scores: np.ndarray  # (N,) raw CLIP-like cosines
    features: np.ndarray  # (N, 64) float32 unit vectors
    events: np.ndarray  # (N,) event strength (0 = none)
    transient: np.ndarray  # (N,) bool
    spans: tuple[tuple[float, float], ...]  # evidence, [start, end) seconds; all are needed
    distractors: tuple[tuple[float, float], ...]  # look relevant, are not evidence


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _place(
    rng: np.random.Generator, duration: float, length: float, taken: list[tuple[float, float]], tries: int = 200
) -> tuple[float, float]:
    """A span of ``length`` s, at least 5 s from the ends and from spans already placed."""
    for _ in range(tries):
        start = float(rng.uniform(5.0, duration - 5.0 - length))
        if all(start + length + 5.0 <= a or start >= b + 5.0 for a, b in taken):
            break
    start = float(np.floor(start))
    return start, start + float(np.ceil(length))


def make_video(family: str, seed: int, duration: float | None = None, noise: float = 1.0) -> SimVideo:
    """One simulated question of ``family``; a pure function of its arguments. ``noise`` scales
    the shot and frame noise of the relevance scores (1 = the CLIP-like model above)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r} (choose from {', '.join(FAMILIES)})")
    rng = np.random.default_rng([FAMILIES.index(family), seed])
    if duration is None:
        duration = float(rng.choice([600.0, 1800.0, 3600.0]))
    n = int(duration)
    times = np.arange(n, dtype=np.float64)

    # Shots and scenes.
    median_shot = float(rng.choice([3.0, 6.0, 12.0]))
    n_scenes = int(rng.integers(12, 41))
    cuts = [0]
    while cuts[-1] < n:
        cuts.append(cuts[-1] + max(1, int(round(rng.lognormal(math.log(median_shot), 0.7)))))
    cuts[-1] = n
    shot_scene: list[int] = []
    for i in range(len(cuts) - 1):
        if i >= 2 and rng.random() < 0.5:
            shot_scene.append(shot_scene[-2])  # cut back to the previous setup
        else:
            shot_scene.append(int(rng.integers(n_scenes)))
    shot_of = np.repeat(np.arange(len(cuts) - 1), np.diff(cuts))
    scene_of = np.asarray(shot_scene)[shot_of]

    video_v = _unit(rng.normal(size=_DIM))
    scene_v = _unit(rng.normal(size=(n_scenes, _DIM)))
    shot_v = _unit(rng.normal(size=(len(cuts) - 1, _DIM)))
    frame_v = _unit(rng.normal(size=(n, _DIM)))

    base = rng.uniform(0.17, 0.23)
    shot_off = rng.normal(0.0, 0.015 * noise, size=len(cuts) - 1)
    scores = base + shot_off[shot_of] + rng.normal(0.0, 0.008 * noise, size=n)

    spans: list[tuple[float, float]] = []
    distractors: list[tuple[float, float]] = []
    events = np.zeros(n)
    transient = np.zeros(n, dtype=bool)
    events[np.asarray(cuts[1:-1], dtype=np.int64)] = rng.uniform(0.5, 2.0, size=len(cuts) - 2)  # every cut
    # Frames that get a relevance bump (evidence or distractor), and what they look like.
    bumps: list[tuple[tuple[float, float], float]] = []
    look: dict[tuple[float, float], int] = {}

    if family == "single":
        spans.append(_place(rng, duration, rng.uniform(4, 30), spans))
        bumps.append((spans[0], rng.uniform(0.03, 0.08)))
    elif family == "multi":
        for _ in range(int(rng.integers(2, 5))):
            spans.append(_place(rng, duration, rng.uniform(4, 20), spans))
            bumps.append((spans[-1], rng.uniform(0.02, 0.07)))
    elif family == "distractors":
        length = rng.uniform(4, 20)
        delta = rng.uniform(0.03, 0.08)
        spans.append(_place(rng, duration, length, spans))
        bumps.append((spans[0], delta))
        scene = int(rng.integers(n_scenes))
        look[spans[0]] = scene
        for _ in range(int(rng.integers(4, 11))):
            d = _place(rng, duration, length, spans + distractors)
            distractors.append(d)
            look[d] = scene
            bumps.append((d, delta * rng.uniform(0.7, 1.05)))
    elif family == "flat":
        for _ in range(int(rng.integers(1, 3))):
            spans.append(_place(rng, duration, rng.uniform(4, 20), spans))
            bumps.append((spans[-1], rng.uniform(0.0, 0.015)))
    else:  # momentary
        for _ in range(int(rng.integers(1, 3))):
            spans.append(_place(rng, duration, rng.uniform(1, 2), spans))
            bumps.append((spans[-1], rng.uniform(0.05, 0.10)))
        for a, b in spans:
            events[int(a) : int(b)] = rng.uniform(2.0, 6.0)
            transient[int(a) : int(b)] = True
        alarms = rng.choice(n, size=int(rng.integers(10, 31)), replace=False)
        events[alarms] = np.maximum(events[alarms], rng.uniform(1.0, 6.0, size=len(alarms)))
        transient[alarms] = True

    for (a, b), delta in bumps:
        sl = slice(int(a), int(b))
        scores[sl] += delta
        if (a, b) in look:  # recurring setup: evidence and distractors share one look
            scene_of[sl] = look[(a, b)]
    # A momentary event or a distractor occurrence is its own shot (a fresh look), recurring
    # scenes aside.
    shot_of = shot_of.copy()
    extra_shots = []
    for (a, b), _ in bumps:
        extra_shots.append(_unit(rng.normal(size=_DIM)))
        shot_of[int(a) : int(b)] = len(shot_v) + len(extra_shots) - 1
    if extra_shots:
        shot_v = np.vstack([shot_v, np.asarray(extra_shots)])
    feats = _unit(
        _W_VIDEO * video_v + _W_SCENE * scene_v[scene_of] + _W_SHOT * shot_v[shot_of] + _W_FRAME * frame_v
    ).astype(np.float32)
    return SimVideo(
        family=family,
        duration=duration,
        times=times,
        scores=scores,
        features=feats,
        events=events,
        transient=transient,
        spans=tuple(spans),
        distractors=tuple(distractors),
    )


def make_suite(
    per_family: int, seed: int = 0, families: Sequence[str] = FAMILIES, noise: float = 1.0
) -> list[SimVideo]:
    """``per_family`` questions of each family (durations 10, 30 or 60 minutes)."""
    return [make_video(f, seed * 100_003 + i, noise=noise) for f in families for i in range(per_family)]


#: The simulator's equal-token currency: ``budget`` frames of this family at its default size
#: for a video of this native size (Qwen2.5-VL, 720p: 644x364, 299 tokens per temporal patch).
TOKEN_FAMILY, TOKEN_NATIVE = "qwen2.5-vl", (1280, 720)


def run_selection(name: str, video: SimVideo, budget: int, seed: int = 0, params: dict | None = None) -> np.ndarray:
    """The one place the simulator calls a strategy: chosen candidate positions.

    ``budget`` is a number of default-size frames. Frame-only strategies get exactly that;
    strategies that choose a resolution per frame (``qframe``, ``clips``, ``codec``) get the same
    number of visual tokens (:data:`TOKEN_FAMILY` at :data:`TOKEN_NATIVE`) and may spend them on
    more, smaller frames, so every strategy is compared at equal tokens. A pick counts as a hit
    whatever its resolution (the simulator has no pixels to lose).
    """
    if mixes_resolutions(name):
        tokens = TokenBudget.of(1, TOKEN_FAMILY, TOKEN_NATIVE).cost_uniform(budget)
        run = run_at_tokens(
            name,
            video.scores,
            video.features,
            video.times,
            tokens,
            TOKEN_FAMILY,
            TOKEN_NATIVE,
            seed=seed,
            events=video.events,
            transient=video.transient,
            params=params,
        )
        return np.asarray(run.picks.indices)
    picks = run_strategy(
        name,
        video.scores,
        video.features,
        video.times,
        budget,
        seed=seed,
        events=video.events,
        transient=video.transient,
        params=params,
    )
    return np.asarray(picks.indices)


def evaluate(video: SimVideo, picks: np.ndarray, budget: int) -> dict[str, float]:
    """Span recall, all-spans-hit (1/0), temporal spread (share of ``budget`` bins hit)."""
    t = video.times[picks]
    hit = [bool(np.any((t >= a) & (t < b))) for a, b in video.spans]
    bins = np.minimum((t * budget / video.duration).astype(np.int64), budget - 1)
    return {
        "recall": float(np.mean(hit)),
        "all_hit": float(all(hit)),
        "spread": len(np.unique(bins)) / budget,
        "n": float(len(picks)),
    }


@dataclass(frozen=True)
class Row:
    strategy: str
    budget: int
    family: str
    questions: int
    recall: float
    all_covered: float  # NaN when the family has no multi-span question
    multi_questions: int
    spread: float
    ms: float  # median per call


def simulate(
    videos: Sequence[SimVideo],
    strategies: Sequence[str],
    budgets: Sequence[int],
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Row]:
    """Every strategy x budget on every video; one row per (strategy, budget, family) and an
    ``all`` family row."""
    rows: list[Row] = []
    total = len(strategies) * len(budgets)
    done = 0
    for name in strategies:
        for budget in budgets:
            per: dict[str, list[tuple[dict[str, float], int, float]]] = {}
            for v in videos:
                t0 = time.perf_counter()
                picks = run_selection(name, v, budget, seed=seed)
                ms = (time.perf_counter() - t0) * 1000.0
                per.setdefault(v.family, []).append((evaluate(v, picks, budget), len(v.spans), ms))
            groups = dict(per)
            groups["all"] = [x for f in per for x in per[f]]
            for fam, items in groups.items():
                multi = [m["all_hit"] for m, k, _ in items if k > 1]
                rows.append(
                    Row(
                        strategy=name,
                        budget=budget,
                        family=fam,
                        questions=len(items),
                        recall=float(np.mean([m["recall"] for m, _, _ in items])),
                        all_covered=float(np.mean(multi)) if multi else float("nan"),
                        multi_questions=len(multi),
                        spread=float(np.mean([m["spread"] for m, _, _ in items])),
                        ms=float(np.median([ms for _, _, ms in items])),
                    )
                )
            done += 1
            if progress is not None:
                progress("simulating", done, total)
    return rows


def summarise(rows: Sequence[Row]) -> dict:
    """A JSON-able summary: per strategy and budget, the ``all`` row's metrics."""
    out: dict = {}
    for r in rows:
        if r.family == "all":
            out.setdefault(r.strategy, {})[str(r.budget)] = {
                "recall": round(r.recall, 4),
                "all_covered": round(r.all_covered, 4),
                "spread": round(r.spread, 4),
                "ms": round(r.ms, 3),
            }
    return out


def _table(rows: Sequence[Row], budgets: Sequence[int], metric: str, family: str = "all", fmt: str = "{:.2f}") -> str:
    names = sorted({r.strategy for r in rows})
    by = {(r.strategy, r.budget): r for r in rows if r.family == family}
    head = "| strategy | " + " | ".join(str(b) for b in budgets) + " |"
    lines = [head, "|---|" + "---:|" * len(budgets)]

    # Strongest first by the mean over budgets of the metric (cost: cheapest first).
    def key(name: str) -> float:
        vals = [getattr(by[(name, b)], metric) for b in budgets if (name, b) in by]
        m = float(np.nanmean(vals)) if vals else 0.0
        return m if metric == "ms" else -m

    for name in sorted(names, key=key):
        cells = [fmt.format(getattr(by[(name, b)], metric)) if (name, b) in by else "" for b in budgets]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_report(
    rows: Sequence[Row], budgets: Sequence[int], n_questions: int, per_family: int, noise: float = 1.0
) -> str:
    fams = [f for f in FAMILIES if any(r.family == f for r in rows)]
    parts = [
        f"{n_questions} simulated questions ({per_family} per family: {', '.join(fams)}); "
        f"budgets {', '.join(map(str, budgets))} frames; score noise x{noise:g}. Strategies that choose a "
        f"resolution per frame (qframe, clips, codec) get the same visual tokens instead ({TOKEN_FAMILY}, "
        f"{TOKEN_NATIVE[0]}x{TOKEN_NATIVE[1]}: budget x its default frame) and may pick more, smaller frames; "
        f"a pick counts whatever its size.\n",
        "**Span recall** (share of evidence spans with a pick inside; all families):\n",
        _table(rows, budgets, "recall"),
        "\n**All spans covered** (share of multi-span questions with every span hit):\n",
        _table(rows, budgets, "all_covered"),
        "\n**Temporal spread** (share of `budget` equal time bins holding a pick; uniform = 1):\n",
        _table(rows, budgets, "spread"),
        "\n**Cost** (median ms per call; 600-3,600 candidates):\n",
        _table(rows, budgets, "ms", fmt="{:.2f}"),
    ]
    for fam in fams:
        parts += [f"\n**Span recall, `{fam}` questions:**\n", _table(rows, budgets, "recall", family=fam)]
    return "\n".join(parts) + "\n"


def write_csv(rows: Sequence[Row], path) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["strategy", "budget", "family", "questions", "recall", "all_covered", "multi_questions", "spread", "ms_median"]
    )
    for r in rows:
        w.writerow(
            [
                r.strategy,
                r.budget,
                r.family,
                r.questions,
                f"{r.recall:.4f}",
                "" if math.isnan(r.all_covered) else f"{r.all_covered:.4f}",
                r.multi_questions,
                f"{r.spread:.4f}",
                f"{r.ms:.3f}",
            ]
        )
    write_bytes_atomic(path, buf.getvalue().encode())


def plot(rows: Sequence[Row], budgets: Sequence[int], path) -> None:
    """Recall against budget, one line per strategy: all questions, all-covered, each family."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fams = [f for f in FAMILIES if any(r.family == f for r in rows)]
    panels = [("all", "recall", "span recall, all questions"), ("all", "all_covered", "all spans covered (multi-span)")]
    panels += [(f, "recall", f"span recall: {f}") for f in fams]
    cols = 4
    nrows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    names = sorted({r.strategy for r in rows})
    # Distinct colours; black and grey are kept for the floor (uniform, topk).
    palette = [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#bcbd22",
        "#000080",
        "#008080",
        "#800000",
        "#ff1493",
        "#6b8e23",
    ]
    markers = "osD^v<>PX*"
    floor = {"uniform", "topk"}
    by = {(r.strategy, r.budget, r.family): r for r in rows}
    for ax, (fam, metric, title) in zip(axes.flat, panels):
        for i, name in enumerate(names):
            ys = [getattr(by[(name, b, fam)], metric) if (name, b, fam) in by else np.nan for b in budgets]
            ax.plot(
                budgets,
                ys,
                marker=markers[i % len(markers)],
                ms=3.5,
                lw=2.4 if name in floor else 1.3,
                ls="--" if name in floor else ("-" if i < len(palette) else ":"),
                color="black" if name == "uniform" else ("grey" if name == "topk" else palette[i % len(palette)]),
                label=name,
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(budgets), [str(b) for b in budgets])
        ax.set_ylim(0, 1.02)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("budget (frames)")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(path, buf.getvalue())

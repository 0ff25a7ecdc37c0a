"""Seeded container fuzzing: mutate small videos byte-wise and check how ``framesift select`` ends.

Every damaged file must end one of two ways: exit 0 with a manifest that is still true (frames
sorted by time, unique indices, every time inside the video, a sane duration and start), or
exit 2 with one line on stderr. Anything else (a traceback, exit 1, a manifest that lies, a
hang) is a finding. The mutations are the four that real damage produces, after the
PySceneDetect / FFmpeg fuzzing practice of mutating valid seeds rather than generating noise:
byte flips (bit rot), deletions and duplications of a byte range (a bad copy, a resumed
download), and truncation (a download cut short).

The runner calls :func:`framesift.cli.main` (the caller passes it in) in-process (models load once for thousands of cases)
with a per-case alarm, so a hang is reported as one instead of stalling the run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import random
import signal
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MUTATIONS", "FuzzCase", "FuzzOutcome", "check_manifest", "mutate", "run_case", "run_fuzz"]

MUTATIONS = ("flip", "delete", "duplicate", "truncate")


@dataclass(frozen=True)
class FuzzCase:
    """One damaged copy of a seed file: which seed, which mutation, and the random seed."""

    seed_path: Path
    mutation: str
    seed: int


@dataclass
class FuzzOutcome:
    """How one case ended: ``kind`` is ``ok``, ``bad_input`` or a finding (``internal``,
    ``bad_manifest``, ``noisy_error``, ``hang``, ``wrong_exit``); ``detail`` says why."""

    case: FuzzCase
    kind: str
    exit_code: int | None
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.kind in ("ok", "bad_input")


def mutate(data: bytes, mutation: str, rng: random.Random) -> bytes:
    """A damaged copy of ``data``: ``flip`` 1-16 random bytes, ``delete`` or ``duplicate`` a
    range of 1 byte to 4 KiB, or ``truncate`` at a random point (never to nothing)."""
    n = len(data)
    if n < 2:
        return data
    if mutation == "flip":
        buf = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            buf[rng.randrange(n)] ^= 1 << rng.randrange(8) if rng.random() < 0.5 else rng.randrange(1, 256)
        return bytes(buf)
    if mutation in ("delete", "duplicate"):
        length = min(n - 1, max(1, int(math.exp(rng.uniform(0, math.log(4096))))))
        start = rng.randrange(n - length)
        if mutation == "delete":
            return data[:start] + data[start + length :]
        return data[: start + length] + data[start : start + length] + data[start + length :]
    if mutation == "truncate":
        return data[: rng.randrange(1, n)]
    raise ValueError(f"unknown mutation {mutation!r} (one of {', '.join(MUTATIONS)})")


def check_manifest(m: dict[str, Any], *, max_duration: float) -> str:
    """Why a manifest is not true to its video ("" when it is).

    ``max_duration`` bounds what the damaged copy of a seed of known length can hold.
    """
    video = m.get("video") or {}
    duration, start = video.get("duration"), video.get("start_time")
    if not isinstance(duration, (int, float)) or not math.isfinite(duration) or not 0 < duration <= max_duration:
        return f"duration {duration!r} outside (0, {max_duration:g}]"
    if not isinstance(start, (int, float)) or not math.isfinite(start) or abs(start) > max_duration:
        return f"start_time {start!r} outside +-{max_duration:g}"
    frames = m.get("frames") or []
    if not frames:
        return "no frames"
    times = [f["time"] for f in frames]
    indices = [f["index"] for f in frames]
    if times != sorted(times):
        return "frames not sorted by time"
    if len(set(indices)) != len(indices):
        return "duplicate frame indices"
    n = video.get("num_frames")
    if any(i < 0 or (isinstance(n, int) and i >= n) for i in indices):
        return f"frame index outside 0..{n}"
    lo, hi = start - 1e-3, start + duration + 1e-3
    if any(not (lo <= t <= hi) for t in times):
        return f"frame time outside [{start:.3f}, {start + duration:.3f}]"
    return ""


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise _Hang

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(
    case: FuzzCase,
    workdir: Path,
    *,
    max_duration: float,
    args: Sequence[str] = (),
    timeout_s: float = 120.0,
    main: Callable[[list[str]], int],
) -> FuzzOutcome:
    """Write the damaged copy into ``workdir``, run ``framesift select`` on it and judge the end.

    ``main`` is :func:`framesift.cli.main` (passed in: ``bench`` sits below the CLI's layer).
    """
    rng = random.Random(f"{case.seed_path.name}:{case.mutation}:{case.seed}")
    damaged = workdir / f"fuzz_{case.mutation}_{case.seed}{case.seed_path.suffix}"
    damaged.write_bytes(mutate(case.seed_path.read_bytes(), case.mutation, rng))
    out, err = io.StringIO(), io.StringIO()
    argv = ["select", str(damaged), "--json", "--quiet", *args]
    try:
        with _alarm(timeout_s), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except _Hang:
        return FuzzOutcome(case, "hang", None, f"no end after {timeout_s:g} s")
    finally:
        damaged.unlink(missing_ok=True)
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    if code == 0:
        try:
            manifest = json.loads(out.getvalue())
        except ValueError:
            return FuzzOutcome(case, "bad_manifest", code, "stdout is not one JSON object")
        why = check_manifest(manifest, max_duration=max_duration)
        return FuzzOutcome(case, "bad_manifest" if why else "ok", code, why)
    if code == 2:
        if len(lines) != 1 or "Traceback" in err.getvalue():
            return FuzzOutcome(case, "noisy_error", code, f"{len(lines)} stderr lines")
        return FuzzOutcome(case, "bad_input", code, lines[0])
    if code == 1:
        return FuzzOutcome(case, "internal", code, lines[-1] if lines else "")
    return FuzzOutcome(case, "wrong_exit", code, lines[-1] if lines else "")


@dataclass
class FuzzReport:
    """Counts of a fuzz run by outcome kind and by mutation, and the findings."""

    outcomes: list[FuzzOutcome] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(o.kind for o in self.outcomes)

    def by_mutation(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            table.setdefault(o.case.mutation, Counter())[o.kind] += 1
        return table

    def findings(self) -> list[FuzzOutcome]:
        return [o for o in self.outcomes if not o.passed]


def run_fuzz(
    seeds: Sequence[tuple[Path, float]],
    cases_per_seed: int,
    workdir: Path,
    *,
    base_seed: int = 0,
    args: Sequence[str] = (),
    timeout_s: float = 120.0,
    on_case: Callable[[FuzzOutcome], None] | None = None,
    main: Callable[[list[str]], int],
) -> FuzzReport:
    """``cases_per_seed`` damaged copies of each ``(seed file, its duration)``, the mutations in
    turn; a copy may hold at most twice its seed's duration plus a second (duplications)."""
    report = FuzzReport()
    for path, duration in seeds:
        for k in range(cases_per_seed):
            case = FuzzCase(Path(path), MUTATIONS[k % len(MUTATIONS)], base_seed + k)
            o = run_case(case, workdir, max_duration=2 * duration + 1.0, args=args, timeout_s=timeout_s, main=main)
            report.outcomes.append(o)
            if on_case is not None:
                on_case(o)
    return report

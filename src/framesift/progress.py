"""The progress callback every long stage takes, defined once (the lowest layer: no imports).

``progress(stage, done, total)`` is called often and must be cheap; the CLI draws rich bars
from it (``commands/_shared.py``), the service reports it on ``GET /jobs/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(stage, done, total)``: ``stage`` is a short name ("decode", "ocr", "embed", ...).
ProgressFn = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default callback: report nothing."""


def report_to(progress: ProgressFn | None) -> ProgressFn:
    """``progress`` itself, or :func:`no_progress` when it is None."""
    return progress if progress is not None else no_progress

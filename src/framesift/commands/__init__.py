"""CLI commands beyond ``select``: one module per topic, each registering on :mod:`framesift.cli`'s
``app`` or ``bench_app``. Importing this package registers them all (``cli`` does it last)."""

# One import per command module; keep the list sorted.
from . import (
    bench,  # noqa: F401  (framesift bench make-needles, grounding, qa)
    index,  # noqa: F401  (framesift index, search, cache)
    models,  # noqa: F401  (framesift models, export-onnx)
    simulate,  # noqa: F401  (framesift bench simulate)
    transcribe,  # noqa: F401  (framesift transcribe)
)

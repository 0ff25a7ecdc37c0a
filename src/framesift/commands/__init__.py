"""CLI commands beyond ``select``: one module per topic, each registering on :mod:`framesift.cli`'s
``app`` or ``bench_app``. Importing this package registers them all (``cli`` does it last)."""

# One import per command module; keep the list sorted.
from . import index  # noqa: F401  index, search, cache

"""The CLI commands: one module per topic, each registering on ``app`` or ``bench_app`` from
:mod:`._shared`. Importing this package registers them all (:mod:`framesift.cli` does it).

``framesift --help`` lists commands in the order they register: the everyday ones first
(``select``, ``strategies``, ``version``), then the rest sorted by module name. A new command is a
new module here plus one import line below.
"""

from . import (
    select,  # noqa: F401  (framesift select)
    strategies,  # noqa: F401  (framesift strategies, version)
)

# isort: split
# (registration order is the help's order: the two groups stay apart)
from . import (
    ask,  # noqa: F401  (framesift ask)
    bench,  # noqa: F401  (framesift bench make-needles, grounding, qa)
    index,  # noqa: F401  (framesift index, search, cache)
    mcp,  # noqa: F401  (framesift mcp)
    models,  # noqa: F401  (framesift models, export-onnx)
    report,  # noqa: F401  (framesift report MANIFEST)
    serve,  # noqa: F401  (framesift serve)
    simulate,  # noqa: F401  (framesift bench simulate)
    watch,  # noqa: F401  (framesift watch SOURCE: live streams)
)

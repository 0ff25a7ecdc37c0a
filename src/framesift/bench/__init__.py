"""Benchmark helpers: synthetic test videos with needles at known times (:mod:`framesift.bench.needle_video`),
the datasets and harnesses of ``framesift bench``."""

"""Benchmark helpers: synthetic test videos with needles at known times (:mod:`framesift.bench.synth`)."""

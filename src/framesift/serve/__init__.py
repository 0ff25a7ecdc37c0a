"""Servers over :mod:`framesift.api` and :mod:`framesift.session`: the HTTP service (``framesift serve``).

The ASGI app lives in :mod:`framesift.serve.app` (FastAPI; the ``serve`` extra). Nothing here is
imported by the library below it; ``framesift serve`` imports it only when the command runs.
"""

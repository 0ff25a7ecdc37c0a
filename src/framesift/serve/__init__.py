"""Servers over :mod:`framesift.api` and :mod:`framesift.session`: the MCP server (``framesift mcp``,
:mod:`framesift.serve.mcp`) and the HTTP service (``framesift serve``, :mod:`framesift.serve.app`).

Nothing here is imported by the library below it; each command imports its server only when it runs.
"""

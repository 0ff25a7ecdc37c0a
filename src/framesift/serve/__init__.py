"""Servers over :mod:`framesift.api` and :mod:`framesift.session`: the MCP server (``framesift mcp``)."""

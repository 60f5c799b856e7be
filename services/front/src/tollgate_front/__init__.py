"""Tollgate front: the MCP server."""

"""Tollgate policy service."""

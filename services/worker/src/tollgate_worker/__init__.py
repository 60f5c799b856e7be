"""Tollgate worker service."""

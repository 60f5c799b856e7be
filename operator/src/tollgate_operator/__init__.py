"""Tollgate operator."""

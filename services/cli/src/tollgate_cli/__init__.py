"""The tollgate command."""

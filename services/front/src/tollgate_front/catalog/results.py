"""Output schemas shared by several tools: short on purpose, since every byte of a schema is paid
for by every conversation that lists the tools."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Records(BaseModel):
    model: str
    records: list[dict[str, Any]]
    redacted_fields: list[str] = Field(default_factory=list)


class Page(Records):
    count: int
    offset: int
    has_more: bool
    next_cursor: str | None = None
    more: str | None = None
    truncated: str | None = None


class Changed(BaseModel):
    model: str
    ids: list[int]
    count: int
    dry_run: bool = False

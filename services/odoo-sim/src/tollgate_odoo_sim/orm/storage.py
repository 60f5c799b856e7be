"""In-memory tables: rows of stored values per model and the link tables of many2many fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Journal:
    """Undo log: every change to a table or link table while a call runs can be rolled back,
    so that a call failing half-way (a constraint, a bad value) changes nothing, like Odoo's
    transaction rollback."""

    def __init__(self) -> None:
        self.entries: list[Callable[[], None]] | None = None

    def record(self, undo: Callable[[], None]) -> None:
        if self.entries is not None:
            self.entries.append(undo)

    def begin(self) -> list[Callable[[], None]] | None:
        outer = self.entries
        self.entries = []
        return outer

    def commit(self, outer: list[Callable[[], None]] | None) -> None:
        if outer is not None and self.entries is not None:
            outer.extend(self.entries)
        self.entries = outer

    def rollback(self, outer: list[Callable[[], None]] | None) -> None:
        entries = self.entries or []
        self.entries = None
        for undo in reversed(entries):
            undo()
        self.entries = outer


_NO_JOURNAL = Journal()


@dataclass
class Table:
    """Rows of one model: ``rows[id][field] = stored value`` (dates as date objects, m2o as id)."""

    model: str
    journal: Journal = _NO_JOURNAL
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    #: reverse indexes of many2one columns, built on first use (field -> target id -> ids)
    reverse: dict[str, dict[int, set[int]]] = field(default_factory=dict)

    def allocate_id(self) -> int:
        new_id = self.next_id
        self.next_id += 1
        return new_id

    def reverse_index(self, column: str) -> dict[int, set[int]]:
        index = self.reverse.get(column)
        if index is None:
            index = {}
            for record_id, row in self.rows.items():
                target = row.get(column)
                if target:
                    index.setdefault(target, set()).add(record_id)
            self.reverse[column] = index
        return index

    def set_value(self, record_id: int, column: str, value: Any) -> None:
        row = self.rows[record_id]
        if self.journal.entries is not None:
            had, old_value = column in row, row.get(column)
            self.journal.record(lambda: self._restore(record_id, column, had, old_value))
        index = self.reverse.get(column)
        if index is not None:
            old = row.get(column)
            if old:
                index.get(old, set()).discard(record_id)
            if value:
                index.setdefault(value, set()).add(record_id)
        row[column] = value

    def _restore(self, record_id: int, column: str, had: bool, value: Any) -> None:
        if record_id not in self.rows:
            return
        saved = self.journal.entries
        self.journal.entries = None
        try:
            self.set_value(record_id, column, value)
            if not had:
                self.rows[record_id].pop(column, None)
        finally:
            self.journal.entries = saved

    def insert(self, record_id: int, row: dict[str, Any]) -> None:
        self.rows[record_id] = {}
        self.journal.record(lambda: self._forget(record_id))
        for column, value in row.items():
            self.set_value(record_id, column, value)

    def delete(self, record_id: int) -> None:
        row = self._drop(record_id)
        self.journal.record(lambda: self._undelete(record_id, row))

    def _drop(self, record_id: int) -> dict[str, Any]:
        row = self.rows.pop(record_id, {})
        for column, index in self.reverse.items():
            target = row.get(column)
            if target:
                index.get(target, set()).discard(record_id)
        return row

    def _forget(self, record_id: int) -> None:
        self._drop(record_id)

    def _undelete(self, record_id: int, row: dict[str, Any]) -> None:
        self.rows[record_id] = row
        for column, index in self.reverse.items():
            target = row.get(column)
            if target:
                index.setdefault(target, set()).add(record_id)


@dataclass
class Relation:
    """A many2many link table shared by the fields declaring the same relation name."""

    name: str
    journal: Journal = _NO_JOURNAL
    #: column name -> id in that column -> ordered linked ids of the other column
    links: dict[str, dict[int, dict[int, None]]] = field(default_factory=dict)

    def linked(self, column: str, record_id: int) -> tuple[int, ...]:
        return tuple(self.links.get(column, {}).get(record_id, ()))

    def link(self, column1: str, column2: str, left: int, right: int) -> None:
        if right in self.links.get(column1, {}).get(left, {}):
            return
        self.journal.record(lambda: self.unlink(column1, column2, left, right))
        self.links.setdefault(column1, {}).setdefault(left, {})[right] = None
        self.links.setdefault(column2, {}).setdefault(right, {})[left] = None

    def unlink(self, column1: str, column2: str, left: int, right: int) -> None:
        if right not in self.links.get(column1, {}).get(left, {}):
            return
        self.journal.record(lambda: self.link(column1, column2, left, right))
        self.links.get(column1, {}).get(left, {}).pop(right, None)
        self.links.get(column2, {}).get(right, {}).pop(left, None)

    def drop(self, column: str, other: str, record_id: int) -> None:
        """Forget every link of *record_id* in *column* (the record was deleted)."""
        for right in list(self.links.get(column, {}).get(record_id, ())):
            self.unlink(column, other, record_id, right)

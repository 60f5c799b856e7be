"""read_group (Odoo 17/18) and formatted_read_group (Odoo 19): groups, aggregates, date buckets."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import domain as domains
from ..domain.normalize import explicit_prefix
from . import fields
from .fields import Field
from .search import search_ids
from .security import check_field_access

if TYPE_CHECKING:
    from .models import Model

GRANULARITIES = ("day", "week", "month", "quarter", "year")
AGGREGATES = (
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "count_distinct",
    "array_agg",
    "bool_and",
    "bool_or",
)
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class GroupBy:
    spec: str  # as given: "date_order:month"
    field: Field
    granularity: str | None

    def bucket(self, value: Any) -> Any:
        """The group key of a stored value (dates truncated to their bucket's first day)."""
        if value is False or value is None or value == ():
            return False
        if self.granularity is None:
            return value
        day = value.date() if isinstance(value, dt.datetime) else value
        if self.granularity == "day":
            start = day
        elif self.granularity == "week":
            start = day - dt.timedelta(days=day.weekday())
        elif self.granularity == "month":
            start = day.replace(day=1)
        elif self.granularity == "quarter":
            start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        else:
            start = day.replace(month=1, day=1)
        if isinstance(self.field, fields.Datetime):
            return dt.datetime(start.year, start.month, start.day)
        return start

    def bucket_end(self, start: dt.date) -> dt.date:
        day = start.date() if isinstance(start, dt.datetime) else start
        if self.granularity == "day":
            end = day + dt.timedelta(days=1)
        elif self.granularity == "week":
            end = day + dt.timedelta(days=7)
        elif self.granularity == "month":
            end = _add_months(day, 1)
        elif self.granularity == "quarter":
            end = _add_months(day, 3)
        else:
            end = day.replace(year=day.year + 1)
        if isinstance(self.field, fields.Datetime):
            return dt.datetime(end.year, end.month, end.day)
        return end


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def _week_number(day: dt.date) -> tuple[int, int]:
    """Week of year as babel formats it for en_US (weeks start on Sunday, week 1 holds Jan 1)."""

    def week_one_start(year: int) -> dt.date:
        jan1 = dt.date(year, 1, 1)
        return jan1 - dt.timedelta(days=(jan1.weekday() + 1) % 7)

    year = day.year
    if day >= week_one_start(year + 1):
        year += 1
    return (day - week_one_start(year)).days // 7 + 1, year


def date_label(value: dt.date, granularity: str) -> str:
    day = value.date() if isinstance(value, dt.datetime) else value
    if granularity == "day":
        return f"{day.day:02d} {MONTHS[day.month - 1][:3]} {day.year}"
    if granularity == "week":
        week, year = _week_number(day)
        return f"W{week} {year}"
    if granularity == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    if granularity == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    return str(day.year)


def _parse_groupby(model: Model, spec: str) -> GroupBy:
    name, _, granularity = spec.partition(":")
    field = model._fields.get(name.strip())
    if field is None:
        raise ValueError(f"Invalid field {name.strip()!r} on model {model._name!r}")
    if isinstance(field, fields.Date | fields.Datetime):
        granularity = granularity or "month"
        if granularity not in GRANULARITIES:
            raise ValueError(f"Invalid granularity {granularity!r} for field {spec!r}")
        return GroupBy(spec, field, granularity)
    if granularity:
        raise ValueError(f"Granularity set on a field of type {field.type!r}: {spec!r}")
    if not (field.store or field.related) or field.type in ("one2many", "text", "html", "binary"):
        raise ValueError(f"Field {field} is not groupable")
    return GroupBy(spec, field, None)


@dataclass(frozen=True)
class Aggregate:
    alias: str
    field: Field | None  # None for __count
    function: str


def _parse_aggregate(model: Model, spec: str, legacy: bool) -> Aggregate | None:
    """``field``, ``field:agg``, ``alias:agg(field)`` (read_group) or ``field:agg`` (19)."""
    if spec == "__count":
        return Aggregate("__count", None, "count")
    alias, _, function = spec.partition(":")
    fname = alias
    if "(" in function and function.endswith(")"):
        function, _, rest = function.partition("(")
        fname = rest[:-1]
    field = model._fields.get(fname.strip())
    if field is None:
        raise ValueError(f"Invalid field {fname.strip()!r} on model {model._name!r}")
    if not function:
        function = field.aggregator or ""
        if not function:
            return None
    if function not in AGGREGATES:
        raise ValueError(f"Invalid aggregation function {function!r}.")
    return Aggregate(alias.strip() if legacy else spec, field, function)


def _aggregate(function: str, values: list[Any]) -> Any:
    present = [v for v in values if v is not None and v is not False]
    if function == "count":
        return len(present)
    if function == "count_distinct":
        return len(set(present))
    if function == "array_agg":
        return values
    if function == "bool_and":
        return all(values)
    if function == "bool_or":
        return any(values)
    if not present:
        return 0 if function == "sum" else False
    if function == "sum":
        return math.fsum(present) if isinstance(present[0], float) else sum(present)
    if function == "avg":
        return math.fsum(present) / len(present)
    if function == "min":
        return min(present)
    return max(present)


def _group_records(
    model: Model, ids: list[int], groupbys: Sequence[GroupBy]
) -> dict[tuple[Any, ...], list[int]]:
    groups: dict[tuple[Any, ...], list[int]] = {}
    readers = [_column(model, gb.field) for gb in groupbys]
    buckets: list[dict[Any, Any]] = [{} for _gb in groupbys]
    for rid in ids:
        keys: list[list[Any]] = [[]]
        for gb, read, memo in zip(groupbys, readers, buckets, strict=True):
            value = read(rid)
            options = list(value) if isinstance(value, tuple) else [value]
            bucketed = []
            for option in options:
                if option not in memo:
                    memo[option] = gb.bucket(option)
                bucketed.append(memo[option])
            keys = [[*prefix, option] for prefix in keys for option in bucketed or [False]]
        for key in keys:
            groups.setdefault(tuple(key), []).append(rid)
    return groups


def _column(model: Model, field: Field) -> Callable[[int], Any]:
    """A fast reader of *field*'s stored values (links for x2many), with superuser rights."""
    from .search import source_for

    return source_for(model.sudo()).column_getter(model._name, field.name)


def _value_sort_key(model: Model, gb: GroupBy) -> Callable[[Any], Any]:
    field = gb.field
    if isinstance(field, fields.Many2one | fields.Many2many):
        comodel = field.comodel_name
        # groups of a relation are ordered by the comodel's own _order, like Odoo does
        rank = {rid: pos for pos, rid in enumerate(_comodel_order(model, comodel))}
        return lambda value: (value is False, rank.get(value, 0))
    return lambda value: (value is False, value if value is not False else 0)


def _comodel_order(model: Model, comodel: str) -> list[int]:
    from .search import _ordered, source_for

    target = model.env(su=True)[comodel]
    rows = list(model.env.registry.tables[comodel].rows)
    return _ordered(target, source_for(target), rows, target._order)


def _group_value(model: Model, gb: GroupBy, value: Any, *, formatted: bool) -> Any:
    if value is False:
        return False
    if gb.granularity:
        label = date_label(value, gb.granularity)
        if formatted:
            return [
                fields.Date.to_string(value)
                if isinstance(gb.field, fields.Date)
                else fields.Datetime.to_string(value),
                label,
            ]
        return label
    if isinstance(gb.field, fields.Many2one | fields.Many2many):
        name = model.env[gb.field.comodel_name].sudo().browse(value).display_name
        return [value, name]
    return gb.field.convert_to_read(value, model)


def _group_domain(gb: GroupBy, value: Any) -> list[Any]:
    name = gb.field.name
    if value is False:
        return [(name, "=", False)]
    if gb.granularity:
        end = gb.bucket_end(value)
        fmt = (
            fields.Date.to_string
            if isinstance(gb.field, fields.Date)
            else fields.Datetime.to_string
        )
        return ["&", (name, ">=", fmt(value)), (name, "<", fmt(end))]
    return [(name, "=", value)]


def _compute_groups(
    model: Model,
    domain: Any,
    groupbys: Sequence[GroupBy],
    aggregates: Sequence[Aggregate],
) -> list[tuple[tuple[Any, ...], list[int], dict[str, Any]]]:
    check_field_access(model, "read", [gb.field.name for gb in groupbys])
    check_field_access(model, "read", [a.field.name for a in aggregates if a.field is not None])
    ids = search_ids(model, domain or [], count=True)  # unsorted: groups are sorted later
    grouped = _group_records(model, ids, groupbys)
    result = []
    for key, members in grouped.items():
        values: dict[str, Any] = {}
        for agg in aggregates:
            if agg.field is None:
                values[agg.alias] = len(members)
                continue
            read = _column(model, agg.field)
            column = [read(rid) for rid in members]
            if agg.field.type in ("many2one",) and agg.function in ("count", "count_distinct"):
                column = [v or None for v in column]
            values[agg.alias] = _aggregate(agg.function, column)
        result.append((key, members, values))
    return result


def _sort_groups(
    model: Model,
    rows: list[tuple[tuple[Any, ...], list[int], dict[str, Any]]],
    groupbys: Sequence[GroupBy],
    order: str | None,
) -> None:
    keys: list[tuple[int | str, bool]] = []
    if order:
        for part in order.split(","):
            tokens = part.split()
            if not tokens:
                continue
            name = tokens[0]
            descending = len(tokens) > 1 and tokens[1].lower() == "desc"
            position = next(
                (i for i, gb in enumerate(groupbys) if name in (gb.spec, gb.field.name)), None
            )
            keys.append((position if position is not None else name, descending))
    else:
        keys = [(i, False) for i in range(len(groupbys))]
    sorters = {i: _value_sort_key(model, gb) for i, gb in enumerate(groupbys)}
    for target, descending in reversed(keys):
        if isinstance(target, int):
            sorter = sorters[target]
            rows.sort(key=_by_group_value(sorter, target), reverse=descending)
        else:
            rows.sort(key=_by_aggregate(target), reverse=descending)


Row = tuple[tuple[Any, ...], list[int], dict[str, Any]]


def _by_group_value(sorter: Callable[[Any], Any], position: int) -> Callable[[Row], Any]:
    return lambda row: sorter(row[0][position])


def _by_aggregate(alias: str) -> Callable[[Row], Any]:
    return lambda row: (row[2].get(alias) is None, row[2].get(alias) or 0)


def read_group(
    model: Model,
    domain: Any,
    field_specs: Sequence[str],
    groupby: str | Sequence[str],
    offset: int = 0,
    limit: int | None = None,
    orderby: str | bool = False,
    lazy: bool = True,
) -> list[dict[str, Any]]:
    specs = [groupby] if isinstance(groupby, str) else list(groupby or [])
    all_groupbys = [_parse_groupby(model, spec) for spec in specs]
    groupbys = all_groupbys[:1] if lazy and all_groupbys else all_groupbys
    aggregates: list[Aggregate] = []
    grouped_names = {gb.field.name for gb in all_groupbys}
    for spec in field_specs or []:
        if spec == "__count":
            continue
        agg = _parse_aggregate(model, spec, legacy=True)
        if agg is not None and not (
            agg.field and agg.field.name in grouped_names and ":" not in spec
        ):
            if agg.field is not None and agg.field.name == "id" and ":" not in spec:
                continue
            aggregates.append(agg)
    count_key = f"{groupbys[0].spec.split(':')[0]}_count" if lazy and groupbys else "__count"
    rows = _compute_groups(
        model, domain, groupbys, [*aggregates, Aggregate(count_key, None, "count")]
    )
    _sort_groups(model, rows, groupbys, orderby if isinstance(orderby, str) else None)
    if offset:
        rows = rows[int(offset) :]
    if limit:
        rows = rows[: int(limit)]
    # Odoo starts each group's domain from the caller's, implicit ANDs made explicit but leaves
    # and negations as written, then ANDs each group condition to it (expression.AND)
    base_domain = explicit_prefix(domain) if domain else []
    result: list[dict[str, Any]] = []
    for key, _members, values in rows:
        group, group_domain = _group_head(model, groupbys, key, base_domain, formatted=False)
        for gb, value in zip(groupbys, key, strict=True):
            if gb.granularity and value is not False:
                fmt = (
                    fields.Date.to_string
                    if isinstance(gb.field, fields.Date)
                    else fields.Datetime.to_string
                )
                group.setdefault("__range", {})[gb.spec] = {
                    "from": fmt(value),
                    "to": fmt(gb.bucket_end(value)),
                }
            elif gb.granularity:
                group.setdefault("__range", {})[gb.spec] = False
        group.update(values)
        group["__domain"] = group_domain
        if lazy and len(all_groupbys) > 1:
            group["__context"] = {"group_by": specs[1:]}
        result.append(group)
    return result


def formatted_read_group(
    model: Model,
    domain: Any,
    groupby: Sequence[str] = (),
    aggregates: Sequence[str] = (),
    having: Any = (),
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    if isinstance(groupby, str) or isinstance(aggregates, str):
        raise TypeError("groupby and aggregates must be lists of strings")
    groupbys = [_parse_groupby(model, spec) for spec in groupby]
    parsed = [_parse_aggregate(model, spec, legacy=False) for spec in aggregates]
    aggs = [agg for agg in parsed if agg is not None]
    rows = _compute_groups(model, domain, groupbys, aggs)
    if having:
        rows = _apply_having(rows, having, _major(model))
    _sort_groups(model, rows, groupbys, order)
    if offset:
        rows = rows[int(offset) :]
    if limit:
        rows = rows[: int(limit)]
    result: list[dict[str, Any]] = []
    for key, _members, values in rows:
        group, extra = _group_head(model, groupbys, key, [], formatted=True)
        group.update(values)
        group["__extra_domain"] = extra
        result.append(group)
    return result


def _group_head(
    model: Model,
    groupbys: Sequence[GroupBy],
    key: tuple[Any, ...],
    domain: list[Any],
    *,
    formatted: bool,
) -> tuple[dict[str, Any], list[Any]]:
    """A group's values of its groupbys, and *domain* ANDed with each group's condition."""
    group: dict[str, Any] = {}
    for gb, value in zip(groupbys, key, strict=True):
        group[gb.spec] = _group_value(model, gb, value, formatted=formatted)
        part = _group_domain(gb, value)
        domain = ["&", *domain, *part] if domain else part
    return group, domain


def _major(model: Model) -> int:
    return model.env.version.major


def _apply_having(
    rows: list[tuple[tuple[Any, ...], list[int], dict[str, Any]]], having: Any, major: int
) -> list[tuple[tuple[Any, ...], list[int], dict[str, Any]]]:
    items = list(domains.normalize(having, version=major))
    compare = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }

    def holds(values: dict[str, Any]) -> bool:
        stack: list[bool] = []
        for item in reversed(items):
            if item == "&":
                stack.append(stack.pop() and stack.pop())
            elif item == "|":
                stack.append(stack.pop() or stack.pop())
            elif item == "!":
                stack.append(not stack.pop())
            else:
                left, operator, right = tuple(item)
                if left not in values or operator not in compare:
                    raise ValueError(f"Invalid having clause {item!r}")
                stack.append(bool(compare[operator](values[left], right)))
        return all(stack)

    return [row for row in rows if holds(row[2])]

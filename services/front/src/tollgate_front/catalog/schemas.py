"""Compact JSON schemas: every byte of ``tools/list`` is paid for by every conversation.

Pydantic's schemas carry a ``title`` on every property and spell an optional argument as
``anyOf: [X, null]`` with ``default: null``. Neither helps a model call the tool: the title repeats
the name, an optional argument is simply one not listed in ``required``, and
``additionalProperties: true`` is JSON Schema's default. The compacted schema
accepts exactly the same calls the tool's own validation accepts (it still takes null).
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}


def compact_schema(schema: Any, *, inputs: bool = True) -> Any:
    """``schema`` without titles; for ``inputs`` also optional arguments without ``null``
    (results keep it: the SDK sends an unset optional result field as null)."""
    if isinstance(schema, list):
        return [compact_schema(item, inputs=inputs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "additionalProperties" and value is True:
            continue  # JSON Schema's default
        if key == "default" and not inputs:
            continue  # a result always carries every field; defaults say nothing
        if key == "properties" and isinstance(value, dict) and inputs:
            result[key] = {name: compact_schema(_optional(prop)) for name, prop in value.items()}
        else:
            result[key] = compact_schema(value, inputs=inputs)
    return result


def _optional(prop: Any) -> Any:
    """``anyOf: [X, null]`` with ``default: null`` as plain X (optionality is ``required``)."""
    if not isinstance(prop, dict):
        return prop
    options = prop.get("anyOf")
    if (
        isinstance(options, list)
        and len(options) == 2
        and _NULL in options
        and prop.get("default", ...) is None
    ):
        (inner,) = [option for option in options if option != _NULL]
        merged = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
        return {**inner, **merged}
    return prop
